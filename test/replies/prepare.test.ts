/**
 * The reply mails as built for real: a SQLite registry with territory settings and housing-stock
 * communes, attestations queued in a transaction (with and without the demandeur's copy),
 * rendered, signed and encrypted by `prepareReplies`, then read back as the guichet (decrypting
 * with its key) and as the demandeur (the plain PDF), and their clear headers searched for
 * personal data.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { decryptAndVerify, generateKeyPair, loadPrivateKeyring, type GeneratedKeyPair, type PrivateKeyring } from '../../src/crypto/index.js';
import { silentLogger } from '../../src/log.js';
import type { DemandeLogement } from '../../src/lot/types.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import type { OutboxItem } from '../../src/registry/model.js';
import { prepareReplies } from '../../src/replies/prepare.js';
import { queueAttestation, queueCompteRendu, type QueueSettings } from '../../src/replies/queue.js';
import { departementsOnDefaults } from '../../src/replies/territoires.js';
import { loadBundledReference } from '../../src/rules/reference/index.js';
import { openReplyAttachment } from '../helpers/replies.js';
import { acceptedLot, demandeLogement, NOM_LONG, PRENOM_LONG } from './fixtures.js';

const run = promisify(execFile);
const MEL = 'nguyen.thi@exemple.fr';
const LOT_MESSAGE_ID = '<lot-42@g1104.example>';
const DOMAIN = 'sne.test';
const AT = new Date('2026-11-26T08:31:04Z');

let dir: string;
let registry: SqliteRegistry;
let national: GeneratedKeyPair;
let guichetKey: GeneratedKeyPair;
let nationalRing: PrivateKeyring;
let guichetRing: PrivateKeyring;
const reference = loadBundledReference();

const demande = (territoire: '111' | '013', mel?: string): DemandeLogement => ({
  ...demandeLogement,
  demandeur: { ...demandeLogement.demandeur, ...(mel === undefined ? {} : { mel }) },
  logementRecherche: {
    ...demandeLogement.logementRecherche,
    communesSouhaitees: territoire === '111' ? demandeLogement.logementRecherche.communesSouhaitees : [{ code: '13055' }],
  },
});

/** One lot, registered and queued in one transaction, as commit.ts does. */
async function commitLot(identifiantLot: string, demandes: readonly { numero: string; donnees: DemandeLogement }[], settings: QueueSettings): Promise<number> {
  const guichet = (await registry.getGuichet('G1104'))!;
  return await registry.transaction(async (tx) => {
    const lotId = await tx.insertLot(acceptedLot(identifiantLot, LOT_MESSAGE_ID, AT));
    const resultats = demandes.map((d, i) => ({
      position: i + 1,
      reference: `DOS-${i + 1}`,
      typeFichier: 'CRE' as const,
      statut: 'ENREGISTREE' as const,
      numeroUnique: d.numero,
      dateDepot: '2026-11-26',
      dateEcheance: '2027-11-26',
      erreurs: [],
    }));
    await tx.insertResultats(lotId, resultats);
    for (const [i, d] of demandes.entries()) {
      await tx.insertDemande(
        { numeroUnique: d.numero, territoire: d.numero.slice(0, 3), guichet: 'G1104', statut: 'ACTIVE', dateDepot: '2026-11-26', dateEcheance: '2027-11-26', donnees: d.donnees },
        { guichet: 'G1104', identifiantLot, reference: `DOS-${i + 1}` },
      );
    }
    await queueCompteRendu(tx, lotId, guichet, resultats, settings);
    const lot = (await tx.getLot(lotId))!;
    for (const [i, d] of demandes.entries()) {
      await queueAttestation(
        tx,
        { lot, guichet, demande: { position: i + 1, reference: `DOS-${i + 1}`, typeFichier: 'CRE', demandeLogement: d.donnees } as never, kind: 'CRE', numeroUnique: d.numero, issuedAt: AT },
        settings,
      );
    }
    return lotId;
  });
}

async function prepare(): Promise<void> {
  await prepareReplies({ registry, keyring: nationalRing, clock: fixedClock(AT), logger: silentLogger(), from: 'depot@sne.test', reference });
}

async function pdfText(pdf: Uint8Array): Promise<string> {
  const file = join(dir, `t${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  const { stdout } = await run('pdftotext', ['-raw', file, '-']);
  return stdout.replace(/-\n/g, '-').replace(/[\u00A0\u202F]/g, ' ').replace(/’/g, "'").replace(/\s+/g, ' ');
}

/** The header section of a built message, unfolded, and its decoded subject and body. */
async function clear(raw: Buffer): Promise<{ headers: string; subject: string; text: string; email: Awaited<ReturnType<typeof PostalMime.parse>> }> {
  const email = await PostalMime.parse(raw);
  const end = raw.indexOf('\r\n\r\n');
  return { headers: raw.subarray(0, end).toString('latin1').replace(/\r\n[ \t]+/g, ' '), subject: email.subject ?? '', text: email.text ?? '', email };
}

const PERSONAL = [NOM_LONG, 'Łukasz', 'Rochefoucauld', 'Nguy', PRENOM_LONG, '1986-09-21', '21/09/1986', 'Salvador Allende', '1111126000001G1104', '0131326000001G1104'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prepare-'));
  registry = new SqliteRegistry(join(dir, 'registry.sqlite'));
  national = await generateKeyPair({ name: 'SNE national', email: 'national@sne.test' });
  guichetKey = await generateKeyPair({ name: 'Guichet G1104', email: 'retours@g1104.example' });
  nationalRing = await loadPrivateKeyring([{ privateKey: national.privateKey }]);
  guichetRing = await loadPrivateKeyring([{ privateKey: guichetKey.privateKey }]);
  const guichet = (code: string, nom: string, actif = true): Parameters<SqliteRegistry['addGuichet']>[0] => ({
    code,
    nom,
    adresse: '4 rue de la Poterie\n93200 Saint-Denis',
    actif,
    expediteurs: [`lots@${code.toLowerCase()}.example`],
    destinataires: [`retours@${code.toLowerCase()}.example`],
    cles: [{ fingerprint: guichetKey.fingerprint, armored: guichetKey.publicKey }],
    departements: code === 'G1104' ? ['93', '13'] : ['93'],
  });
  await registry.addGuichet(guichet('G1104', 'Plaine Commune Habitat'));
  await registry.addGuichet(guichet('G2000', 'Seine-Saint-Denis Habitat'));
  await registry.addGuichet(guichet('G3000', 'Bailleur Fermé', false));
  await registry.addGuichet(guichet('G4000', 'Bailleur de Lille'));
  await registry.setGuichetCommunes('G1104', ['93066', '93001']);
  await registry.setGuichetCommunes('G2000', ['93072']);
  await registry.setGuichetCommunes('G3000', ['93066']);
  await registry.setGuichetCommunes('G4000', ['59350']);
  await registry.setTerritory({
    departement: '93',
    preavisDemandeur: false,
    delaiAnormalementLongMois: 36,
    commissionAdresse: 'Commission de médiation de la Seine-Saint-Denis\n1 esplanade Jean Moulin\n93000 Bobigny',
    modifieAt: AT.toISOString(),
  });
});

afterAll(async () => {
  await registry?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('prepared replies', () => {
  let items: readonly OutboxItem[];

  beforeAll(async () => {
    const lotId = await commitLot(
      'LOT-1',
      [
        { numero: '1111126000001G1104', donnees: demande('111', MEL) },
        { numero: '0131326000001G1104', donnees: demande('013') },
      ],
      { messageIdDomain: DOMAIN, copyAttestationToDemandeur: true },
    );
    await prepare();
    items = await Promise.all((await registry.outboxForLot(lotId)).map(async (item) => (await registry.getOutbox(item.id))!)); // with their bytes
  });

  it('queues the copy as an item of its own, only for a demande with a mel, with a distinct stable Message-ID', () => {
    expect(items.map((i) => [i.kind, i.destinataires])).toEqual([
      ['compte-rendu', ['retours@g1104.example']],
      ['attestation', ['retours@g1104.example']],
      ['attestation', [MEL]],
      ['attestation', ['retours@g1104.example']],
    ]);
    expect(items.every((i) => i.statut === 'PRET')).toBe(true);
    const [cr, guichet, copie] = items;
    expect(cr!.messageId).toBe(`<compte-rendu.G1104.LOT-1.lot${cr!.lotId}.v1@${DOMAIN}>`);
    expect(guichet!.messageId).toMatch(new RegExp(`^<attestation-cre\\.G1104\\.LOT-1\\.lot${cr!.lotId}\\.[0-9a-f]{16}@${DOMAIN}>$`));
    expect(copie!.messageId).toBe(guichet!.messageId.replace('attestation-cre.', 'attestation-cre-demandeur.'));
    expect(new Set(items.map((i) => i.messageId)).size).toBe(4);
  });

  it('fills the attestation from the territory settings and the bailleurs of the communes souhaitées', async () => {
    const { content } = await openReplyAttachment(items[1]!.raw!);
    const opened = await decryptAndVerify(content, guichetRing, [national.publicKey]);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    const text = await pdfText(opened.value.payload);
    expect(text).toContain('dans un délai de 36 mois à compter du dépôt de votre demande le 26 novembre 2026');
    expect(text).toContain('Commission de médiation de la Seine-Saint-Denis, 1 esplanade Jean Moulin, 93000 Bobigny');
    // Active bailleurs of 93066…93072, sorted; not the closed one, not one elsewhere.
    expect(text).toContain('Bailleurs disposant de logements dans les communes souhaitées : Plaine Commune Habitat, Seine-Saint-Denis Habitat.');
    expect(text).not.toContain('Bailleur Fermé');
    expect(text).not.toContain('Lille');
    expect(text).toContain(`Madame ${PRENOM_LONG} ${NOM_LONG}`);
  });

  it('prints the default médiation paragraph for a territory left unset, which is listed for doctor', async () => {
    const { content } = await openReplyAttachment(items[3]!.raw!);
    const opened = await decryptAndVerify(content, guichetRing, [national.publicKey]);
    if (!opened.ok) throw new Error(opened.error.code);
    const text = await pdfText(opened.value.payload);
    expect(text).toContain('fixé par arrêté du préfet de votre département');
    expect(text).not.toMatch(/\d+ mois/);
    expect(text).toContain('La liste des bailleurs sociaux disposant de logements dans les communes souhaitées vous est remise sur demande par votre guichet enregistreur, Plaine Commune Habitat,');
    expect(await departementsOnDefaults(registry)).toEqual(['13']);
  });

  it('threads the guichet replies under the lot, the copy not; French bodies; no personal data in clear', async () => {
    for (const item of items) {
      const { headers, subject, text, email } = await clear(item.raw!);
      const copie = item.destinataires[0] === MEL;
      expect(email.messageId).toBe(item.messageId);
      expect(email.inReplyTo).toBe(copie ? undefined : LOT_MESSAGE_ID);
      expect(email.references).toBe(copie ? undefined : LOT_MESSAGE_ID);
      expect(text).toMatch(/^Bonjour,\n\n/);
      expect(text).toMatch(/ci-joint/);
      for (const value of [...PERSONAL, 'DOS-1', 'DOS-2']) {
        expect(headers, item.kind).not.toContain(value);
        expect(subject).not.toContain(value);
        expect(text).not.toContain(value);
      }
      // The demandeur's own address, only in the To of their copy.
      const others = headers.replace(new RegExp(`^To: ${MEL.replace('.', '\\.')}$`, 'm'), '');
      expect(others).not.toContain('nguyen');
      expect(headers.includes(`To: ${MEL}`)).toBe(copie);
    }
  });

  it('sends the demandeur the plain PDF attachment, readable without any key', async () => {
    const { email, subject } = await clear(items[2]!.raw!);
    expect(subject).toBe('Votre attestation d’enregistrement de demande de logement social');
    expect(email.attachments.map((a) => [a.filename, a.mimeType])).toEqual([['attestation-enregistrement.pdf', 'application/pdf']]);
    const text = await pdfText(new Uint8Array(email.attachments[0]!.content as ArrayBuffer));
    expect(text).toContain('1111126000001G1104');
    expect(text).toContain('dans un délai de 36 mois');
    // The guichet's own attachment keeps the spec's name; the copy is the same document.
    const guichet = await openReplyAttachment(items[1]!.raw!);
    expect(guichet.filename).toBe('attestation-DOS-1.pdf');
  });

  it('queues no copy when the setting is off (the default)', async () => {
    const lotId = await commitLot('LOT-2', [{ numero: '1111126000002G1104', donnees: demande('111', MEL) }], { messageIdDomain: DOMAIN });
    expect((await registry.outboxForLot(lotId)).map((i) => i.destinataires)).toEqual([['retours@g1104.example'], ['retours@g1104.example']]);
  });
});
