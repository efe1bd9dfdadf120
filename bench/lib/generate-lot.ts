/**
 * Realistic lots for the benchmarks: `n` créations that pass every rule, with real INSEE communes
 * (addresses and communes souhaitées in the guichet's départements, postal codes from La Poste),
 * valid identity pieces, birth dates and e-mail addresses. Deterministic for a given seed, so
 * that runs compare. Reused by the validation, registry and end-to-end benchmarks.
 */
import { loadBundledReference, type Commune } from '../../src/rules/reference/index.js';

export interface GenerateOptions {
  readonly demandes: number;
  readonly guichet?: string;
  readonly identifiantLot?: string;
  /** Départements of the communes (default 93 and 75: one territory, Île-de-France). */
  readonly departements?: readonly string[];
  readonly seed?: number;
}

const PRENOMS = ['Élodie', 'Karim', 'Anaïs', 'Mamadou', 'Chloé', 'Văn Minh', 'Inès', 'Jean-Pierre', 'Fatoumata', 'Łukasz', 'Zoé', 'Noah'];
const NOMS = ['Martin', 'Lefèvre', 'Nguyen', 'Diallo', 'Benali', 'Da Silva', "N'Diaye", 'Durand', 'Moreau', 'Œuvray', 'Kowalski', 'Petit'];
const VOIES = ['rue des Lilas', 'avenue Jean Jaurès', 'allée des Tilleuls', 'boulevard de la République', 'impasse du Moulin', 'place de la Mairie'];

/** mulberry32: a small deterministic PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;');
const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function generateLot(options: GenerateOptions): string {
  const rnd = random(options.seed ?? 42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const reference = loadBundledReference();
  const departements = options.departements ?? ['93', '75'];
  const communes: Commune[] = [];
  for (const cp of departements.flatMap((d) => Array.from({ length: 1000 }, (_, i) => `${d.padEnd(2, '0')}${pad(i, 3)}`))) {
    for (const c of reference.communesByPostalCode(cp)) if (!communes.includes(c)) communes.push(c);
  }
  if (communes.length === 0) throw new Error(`no commune in départements ${departements.join(', ')}`);
  const guichet = options.guichet ?? 'G1104';
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<lot xmlns="urn:sne-gateway:lot:1" version="1.0">',
    `  <entete><guichet>${guichet}</guichet><identifiantLot>${options.identifiantLot ?? `BENCH-${options.demandes}`}</identifiantLot><dateFichier>2026-11-26T09:30:00+01:00</dateFichier><nombreDemandes>${options.demandes}</nombreDemandes></entete>`,
  ];
  for (let i = 1; i <= options.demandes; i++) {
    const home = pick(communes);
    const cp = pick(home.codesPostaux);
    const nom = pick(NOMS);
    const prenom = pick(PRENOMS);
    const naissance = `${1950 + Math.floor(rnd() * 55)}-${pad(1 + Math.floor(rnd() * 12), 2)}-${pad(1 + Math.floor(rnd() * 28), 2)}`;
    const cni = Array.from({ length: 9 }, () => pick([...'ABCDEFGHJKLMNPRSTUVWXYZ0123456789'])).join('');
    const souhaitees = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(communes).code);
    // Every other demande names its commune by name only, to exercise the name comparison.
    const commune = i % 2 === 0 ? `<commune>${escapeXml(home.nom)}</commune>` : `<commune code="${home.code}"/>`;
    out.push(`  <demande typeFichier="CRE" reference="BENCH-${pad(i, 6)}">
    <demandeLogement>
      <personnePhysique>
        <demandeur>
          <civilite code="${1 + (i % 2)}"/><nom>${escapeXml(nom)}</nom><prenom>${escapeXml(prenom)}</prenom>
          <dateNaissance>${naissance}</dateNaissance><nationalite code="1"/>
          <pieceIdentite code="CNI" numero="${cni}"/><situationFamiliale code="${pick(['C', 'M', 'D', 'S'])}"/>
          <telPortable>06${pad(Math.floor(rnd() * 1e8), 8)}</telPortable><mel>d${pad(i, 6)}@exemple.fr</mel>
          <adressePostale><etranger>false</etranger><numero>${1 + Math.floor(rnd() * 120)}</numero><voie>${pick(VOIES)}</voie><codePostal>${cp}</codePostal>${commune}</adressePostale>
          <situationProfessionnelle><profession>Aide-soignante</profession><typeContratTravail code="CDI"/></situationProfessionnelle>
          <revenuFiscal><anneeMoins1>2025</anneeMoins1><montantMoins1>${10000 + Math.floor(rnd() * 30000)}</montantMoins1></revenuFiscal>
          <listeRessourceRecue><detailRessource><ressource code="SAL"/><montant>${900 + Math.floor(rnd() * 2000)}</montant></detailRessource></listeRessourceRecue>
        </demandeur>
        <logementActuel><listeModeleLogement><modeleLogement code="LP"/></listeModeleLogement><montantMensuelLoyer>${300 + Math.floor(rnd() * 900)}</montantMensuelLoyer><nombreHabitant>${1 + Math.floor(rnd() * 5)}</nombreHabitant></logementActuel>
      </personnePhysique>
      <listeMotif><motif code="13"/></listeMotif>
      <logementRecherche><categorieLogement code="A"/><listeTypeLogement><typeLogement code="T${2 + Math.floor(rnd() * 3)}"/></listeTypeLogement>
        <listeLocalisationSouhaite>${[...new Set(souhaitees)].map((c) => `<localisationSouhaite><commune code="${c}"/></localisationSouhaite>`).join('')}</listeLocalisationSouhaite>
      </logementRecherche>
    </demandeLogement>
  </demande>`);
  }
  out.push('</lot>', '');
  return out.join('\n');
}
