import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAttestation } from '../../src/replies/attestation/index.js';
import type { AttestationData } from '../../src/replies/types.js';
import { attestationCre, attestationRen, demandeLogement, NOM_LONG, PRENOM_LONG } from './fixtures.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attestation-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function saved(pdf: Buffer): Promise<string> {
  const file = join(dir, `a${++counter}.pdf`);
  await writeFile(file, pdf);
  return file;
}

/** Text as pdftotext lays it out, with no-break spaces and typographic apostrophes made plain. */
async function text(file: string, mode: '-layout' | '-raw' = '-layout'): Promise<string> {
  const { stdout } = await run('pdftotext', [mode, file, '-']);
  return stdout.replace(/[\u00A0\u202F]/g, ' ').replace(/’/g, "'");
}

const flat = (s: string): string => s.replace(/\s+/g, ' ');

async function pages(file: string): Promise<number> {
  const { stdout } = await run('pdfinfo', [file]);
  return Number(/^Pages:\s+(\d+)/m.exec(stdout)?.[1]);
}

/** The attestation proper whole on page 1 (down to its footer), its annex whole on page 2. */
async function expectOnePagePlusAnnex(file: string): Promise<void> {
  expect(await pages(file)).toBe(2);
  const page = async (n: number): Promise<string> => flat((await run('pdftotext', ['-raw', '-f', `${n}`, '-l', `${n}`, file, '-'])).stdout);
  expect(await page(1)).toMatch(/R\. 441-2-4 du code de la construction .* Guichet enregistreur G1104\.\s*$/);
  expect(await page(2)).toMatch(/^\s*Annexe : les prochaines étapes et les pièces justificatives .* Aucune autre pièce ne peut être exigée\.\s*$/);
}

describe('renderAttestation', () => {
  it('renders a one-page CRE attestation holding the mentions, readable as text, and its annex on page 2', async () => {
    const file = await saved(await renderAttestation(attestationCre));
    const layout = await text(file);
    expect(layout).toContain("Attestation d'enregistrement");
    expect(layout).toContain('1111126000001G1104');
    expect(layout).toContain('DOS-2026-00042');
    // Wrapped in its column: whole in reading order, each word in the laid-out text.
    expect(flat(await text(file, '-raw'))).toContain(`Madame ${PRENOM_LONG} ${NOM_LONG}`);
    for (const word of `${PRENOM_LONG} ${NOM_LONG}`.split(' ')) expect(layout).toContain(word);
    expect(layout).toContain('Bâtiment B, escalier 3');
    expect(layout).toContain('Plaine Commune Habitat');
    expect(layout).toContain('4 rue de la Poterie');
    expect(layout).toContain('enregistrée le 26 novembre 2026');
    const flatText = flat(layout);
    expect(flatText).toContain("valable un an, jusqu'au 26 novembre 2027");
    expect(flatText).toContain('entre le 26 octobre 2027 et le 26 décembre 2027');
    expect(flatText).toContain('radiée');
    expect(flatText).toContain('Composition du foyer : 3 personnes');
    expect(flatText).toContain('appartement (T3, T4)');
    expect(flatText).toMatch(/1\. Saint-Denis \(93066\) ; 2\. Aubervilliers .* 10\. Stains \(93072\)\./);
    expect(flatText).toContain('dans un délai de 36 mois à compter du dépôt de votre demande le 26 novembre 2026');
    expect(flatText).toContain('délai « anormalement long » fixé par arrêté préfectoral');
    expect(flatText).toContain('à partir du 26 novembre 2029');
    expect(flatText).toContain('1 esplanade Jean Moulin, 93000 Bobigny');
    expect(flatText).toMatch(/Seine-\s?Saint-Denis Habitat/);
    expect(layout).toContain('www.demande-logement-social.gouv.fr');
    await expectOnePagePlusAnnex(file);
  });

  it('writes a valid PDF with only the embedded DejaVu subsets, declared PDF/A-2b', async () => {
    const pdf = await renderAttestation(attestationCre);
    const file = await saved(pdf);
    await expect(run('qpdf', ['--check', file])).resolves.toBeDefined();
    const { stdout } = await run('pdffonts', [file]);
    const fonts = stdout.split('\n').slice(2).filter((line) => line.trim() !== '');
    expect(fonts).toHaveLength(2);
    for (const line of fonts) expect(line).toMatch(/^[A-Z]{6}\+DejaVuSans(-Bold)?\s.*\byes\s+yes\s+yes\b/);
    const info = (await run('pdfinfo', ['-isodates', file])).stdout;
    expect(info).toMatch(/^CreationDate:\s+2026-11-26T08:31:04Z$/m);
    expect(info).toMatch(/^ModDate:\s+2026-11-26T08:31:04Z$/m);
    expect(info).toMatch(/^PDF version:\s+1\.7$/m);
    const raw = pdf.toString('latin1');
    expect(raw).toContain('<pdfaid:part>2</pdfaid:part>');
    expect(raw).toContain('/OutputIntents');
    // No personal data in the metadata.
    const { stdout: meta } = await run('pdfinfo', ['-meta', file]);
    expect(meta + info).not.toContain('1111126000001G1104');
    expect(meta + info).not.toContain('Rochefoucauld');
  });

  it('yields byte-identical PDFs for the same data, whatever was rendered before', async () => {
    const first = await renderAttestation(attestationCre);
    // Other documents warm the shared layout and glyph caches with other text.
    await renderAttestation({
      ...attestationRen,
      demande: {
        ...demandeLogement,
        demandeur: { ...demandeLogement.demandeur, prenom: 'Ǆemal Ştefănescu-Øster e\u0301 ffi fl', nom: 'Ðặng Văn Ưng' },
      },
    });
    const again = await renderAttestation({ ...attestationCre });
    expect(again.equals(first)).toBe(true);
    const other = await renderAttestation({ ...attestationCre, reference: 'DOS-2026-00043' });
    expect(other.equals(first)).toBe(false);
    expect(trailerId(other)).not.toBe(trailerId(first));
    // Same data with keys in another order is the same data.
    const reordered: AttestationData = Object.fromEntries(Object.entries(attestationCre).reverse()) as unknown as AttestationData;
    expect((await renderAttestation(reordered)).equals(first)).toBe(true);
    // As stored in the outbox (JSON) and read back for a later send or a replay.
    const stored = JSON.parse(JSON.stringify(attestationCre)) as AttestationData;
    expect((await renderAttestation({ ...stored, issuedAt: new Date(stored.issuedAt) })).equals(first)).toBe(true);
  });

  it('words a REN attestation as a renewal keeping the first registration date', async () => {
    const file = await saved(await renderAttestation(attestationRen));
    const layout = await text(file);
    expect(layout).toContain('Attestation de renouvellement');
    expect(layout).not.toContain("Attestation d'enregistrement");
    expect(layout).toContain('1111125000412G1104');
    const flatText = flat(layout);
    expect(flatText).toContain('enregistrée pour la première fois le 20 novembre 2025');
    expect(flatText).toContain('a été renouvelée le 26 novembre 2026');
    expect(flatText).toContain('conserve son numéro unique et son ancienneté');
    expect(flatText).toContain("jusqu'au 20 novembre 2027");
    expect(flatText).toContain('entre le 20 octobre 2027 et le 20 décembre 2027');
    await expectOnePagePlusAnnex(file);
  });

  it('prints the default médiation paragraph without settings, and names no bailleur it was not given', async () => {
    const { commissionMediation: _c, bailleurs: _b, communesSouhaitees: _l, ...sansOptions } = attestationCre;
    const file = await saved(await renderAttestation(sansOptions));
    const flatText = flat(await text(file));
    // No made-up délai: who fixes it, from when it counts, and where to learn it.
    expect(flatText).toContain('Commission de médiation');
    expect(flatText).toContain('dans un délai « anormalement long », fixé par arrêté du préfet de votre département');
    expect(flatText).toContain('compté à partir du dépôt de votre demande le 26 novembre 2026');
    expect(flatText).toContain('vous pouvez saisir par écrit la commission de médiation de votre département');
    expect(flatText).toContain("Votre guichet enregistreur et la préfecture vous indiquent ce délai et l'adresse de la commission.");
    expect(flatText).not.toMatch(/\d+ mois/);
    expect(flatText).not.toContain('Habitat,');
    // No bailleur known: where the demandeur gets the list, naming the guichet.
    expect(flatText).toContain(
      'La liste des bailleurs sociaux disposant de logements dans les communes souhaitées vous est remise sur demande par votre guichet enregistreur, Plaine Commune Habitat — Agence de Saint-Denis, à l\'adresse indiquée en tête de cette attestation, ou par le service de la préfecture chargé du logement social dans votre département.',
    );
    // Without labels, the communes souhaitées are given by code, in order.
    expect(flatText).toMatch(/1\. 93066 ; 2\. 93001 ; .* 10\. 93072\./);
    await expectOnePagePlusAnnex(file);
  });

  it('stays within two pages, annex included, at the schema\'s longest names, ten long communes and forty bailleurs', async () => {
    // The lot schema's maxima (Nom, Voie, Libelle: 80, 100, 100 characters), the longest INSEE names.
    const nom = 'Łukasz-Şahin de La Rochefoucauld-Œuvray-Vandenbroucke-Montmorency-Laval-Brézé';
    const prenom = 'Marie-Françoise-Nguyễn-Thị-Bích-Ngọc-Anne-Sophie-Éléonore-Joséphine-Alexandra';
    const commune = 'Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson';
    const data: AttestationData = {
      ...attestationCre,
      guichet: {
        ...attestationCre.guichet,
        nom: 'Office public de l’habitat de la Seine-Saint-Denis — Agence territoriale de Saint-Denis et Pierrefitte',
        adresse: 'Immeuble Le Cézanne, bâtiment C, 3e étage\n4 rue de la Poterie prolongée, zone d’activités du Landy\n93200 Saint-Denis',
      },
      demande: {
        ...demandeLogement,
        demandeur: {
          ...demandeLogement.demandeur,
          nom: nom.slice(0, 80),
          prenom: prenom.slice(0, 80),
          adressePostale: {
            ...demandeLogement.demandeur.adressePostale!,
            voie: 'avenue du Président Salvador Allende, résidence des Tilleuls et des Marronniers, entrée par le parc'.slice(0, 100),
            complement: 'Bâtiment B, escalier 3, 4e étage, porte gauche, chez Madame et Monsieur Vandenbroucke-Montmorency'.slice(0, 100),
          },
        },
      },
      bailleurs: Array.from({ length: 40 }, (_, i) => `Société anonyme d’HLM numéro ${i + 1}`),
      communesSouhaitees: Array.from({ length: 10 }, (_, i) => `${commune} (5143${i})`),
    };
    const file = await saved(await renderAttestation(data));
    expect(await pages(file)).toBeLessThanOrEqual(2);
    const all = flat(await text(file, '-raw'));
    expect(all).toContain('Aucune autre pièce ne peut être exigée.');
    await expect(run('qpdf', ['--check', file])).resolves.toBeDefined();
  });

  it('never breaks on lengths beyond the schema, and prints what DejaVu lacks as a blank', async () => {
    const long = 'Très-Longue-Dénomination-Sans-Espace'.repeat(4);
    const data: AttestationData = {
      ...attestationCre,
      guichet: { ...attestationCre.guichet, nom: `${long} ${long}`, adresse: Array.from({ length: 8 }, (_, i) => `Ligne ${i} ${long}`).join('\n') },
      demande: { ...demandeLogement, demandeur: { ...demandeLogement.demandeur, nom: `${long} 王`, prenom: long } },
      bailleurs: Array.from({ length: 40 }, (_, i) => `Bailleur social numéro ${i} de la région`),
      communesSouhaitees: Array.from({ length: 10 }, (_, i) => `${long} ${i}`),
    };
    const file = await saved(await renderAttestation(data));
    // Names four times the schema's limit: the annex may then run onto a third page.
    expect(await pages(file)).toBeLessThanOrEqual(3);
    await expect(run('qpdf', ['--check', file])).resolves.toBeDefined();
  });
});

function trailerId(pdf: Buffer): string | undefined {
  return /\/ID \[<([0-9a-f]+)>/.exec(pdf.toString('latin1'))?.[1];
}
