/**
 * Realistic lots for the benchmarks: `n` créations with real INSEE communes (addresses and
 * communes souhaitées in the guichet's départements, postal codes from La Poste), valid identity
 * pieces, birth dates and e-mail addresses — and, on request, a share of demandes carrying one
 * rejection cause each, spread through the lot. Deterministic for a given seed, so that runs
 * compare. Every demandeur's identity (nom, prénom, birth date) is distinct within a lot of up to
 * 20,000, so that no valid demande turns into an accidental DEM_DOUBLON.
 */
import { loadBundledReference, type Commune } from '../../src/rules/reference/index.js';

/** What a rejected demande is made to get wrong, and the code the gateway must answer. */
export const REJECTION_CODES = {
  schema: 'DEM_SCHEMA',
  communeInconnue: 'DEM_COMMUNE_INCONNUE',
  codePostal: 'DEM_COMMUNE_CODE_POSTAL',
  mel: 'DEM_MEL',
  dateNaissance: 'DEM_DATE_NAISSANCE',
  pieceIdentite: 'DEM_PIECE_IDENTITE',
  habilitation: 'DEM_GUICHET_NON_HABILITE',
  doublon: 'DEM_DOUBLON',
} as const;
export type RejectionCause = keyof typeof REJECTION_CODES;

export interface GenerateOptions {
  readonly demandes: number;
  readonly guichet?: string;
  readonly identifiantLot?: string;
  /** Départements of the communes (default 93 and 75: one territory, Île-de-France). */
  readonly departements?: readonly string[];
  readonly seed?: number;
  /** Share (0–1) of the lot's demandes rejected for each cause; the rest are valid. */
  readonly rejections?: Partial<Record<RejectionCause, number>>;
}

export interface GeneratedLot {
  readonly xml: string;
  /** Demandes expected to register. */
  readonly valid: number;
  /** The cause of each rejected demande, by 1-based position. */
  readonly rejected: ReadonlyMap<number, RejectionCause>;
}

const PRENOMS = ['Élodie', 'Karim', 'Anaïs', 'Mamadou', 'Chloé', 'Văn Minh', 'Inès', 'Jean-Pierre', 'Fatoumata', 'Łukasz', 'Zoé', 'Noah'];
const NOMS = ['Martin', 'Lefèvre', 'Nguyen', 'Diallo', 'Benali', 'Da Silva', "N'Diaye", 'Durand', 'Moreau', 'Œuvray', 'Kowalski', 'Petit'];
const PROFESSIONS = ['Aide-soignante', 'Agent d’entretien', 'Chauffeur-livreur', 'Auxiliaire de vie', 'Vendeuse', 'Cuisinier', 'Agent de sécurité', 'Secrétaire médicale'];
const EMPLOYEURS = ['Hôpital de', 'Mairie de', 'Supermarché de', 'Résidence seniors de', 'Entrepôt logistique de'];
const VOIES = ['rue des Lilas', 'avenue Jean Jaurès', 'allée des Tilleuls', 'boulevard de la République', 'impasse du Moulin', 'place de la Mairie'];
/** Birth dates spread over 20,000 days from 1950-01-01 (a bijection, hence distinct identities). */
const DATES = 20_000;
const DAY_STEP = 7919;

/** The `adressePostale` element, indented. */
function adresse(home: Commune, cp: string, commune: string, indent: string): string {
  return [
    '<adressePostale>',
    '  <etranger>false</etranger>',
    `  <numero>${1 + (home.code.charCodeAt(4) % 9) * 7}</numero>`,
    '  <voie>rue des Lilas</voie>',
    '  <complement>Bâtiment B, escalier 2</complement>',
    `  <codePostal>${cp}</codePostal>`,
    `  ${commune}`,
    '</adressePostale>',
  ]
    .map((l) => indent + l)
    .join('\n');
}

/** mulberry32: a small seeded generator in [0, 1): the same seed, the same lot (or plan of kills, test/harness/daemons.ts). */
export function seeded(seed: number): () => number {
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

function communesOf(departements: readonly string[]): Commune[] {
  const reference = loadBundledReference();
  const communes = new Set<Commune>();
  for (const d of departements) {
    for (let i = 0; i < 1000; i++) for (const c of reference.communesByPostalCode(`${d.padEnd(2, '0')}${pad(i, 3)}`)) communes.add(c);
  }
  if (communes.size === 0) throw new Error(`no commune in départements ${departements.join(', ')}`);
  return [...communes];
}

/** Which position gets which cause: counts from the shares, positions shuffled by the seed. */
function assignCauses(n: number, shares: Partial<Record<RejectionCause, number>>, rnd: () => number): Map<number, RejectionCause> {
  const positions = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [positions[i], positions[j]] = [positions[j]!, positions[i]!];
  }
  const causes = new Map<number, RejectionCause>();
  let next = 0;
  for (const [cause, share] of Object.entries(shares) as [RejectionCause, number][]) {
    for (let k = Math.round(share * n); k > 0 && next < n; k--) {
      const position = positions[next++]!;
      // A doublon repeats the identity of the demande before it, which must itself register.
      if (cause === 'doublon' && position === 1) continue;
      causes.set(position, cause);
    }
  }
  for (const [position, cause] of causes) if (cause === 'doublon' && causes.has(position - 1)) causes.delete(position);
  return causes;
}

export function generateLot(options: GenerateOptions): string {
  return generate(options).xml;
}

export function generate(options: GenerateOptions): GeneratedLot {
  if (options.demandes > DATES) throw new Error(`at most ${DATES} demandes per generated lot`);
  const rnd = seeded(options.seed ?? 42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const communes = communesOf(options.departements ?? ['93', '75']);
  const causes = assignCauses(options.demandes, options.rejections ?? {}, seeded((options.seed ?? 42) + 1));
  const guichet = options.guichet ?? 'G1104';
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<lot xmlns="urn:sne-gateway:lot:1" version="1.0">',
    `  <entete><guichet>${guichet}</guichet><identifiantLot>${options.identifiantLot ?? `BENCH-${options.demandes}`}</identifiantLot><dateFichier>2026-11-26T09:30:00+01:00</dateFichier><nombreDemandes>${options.demandes}</nombreDemandes></entete>`,
  ];
  const offset = Math.floor(rnd() * DATES);
  const identity = (i: number) => {
    const day = new Date(Date.UTC(1950, 0, 1) + (((i + offset) * DAY_STEP) % DATES) * 86_400_000);
    return { nom: NOMS[i % NOMS.length]!, prenom: PRENOMS[Math.floor(i / NOMS.length) % PRENOMS.length]!, naissance: day.toISOString().slice(0, 10) };
  };
  for (let i = 1; i <= options.demandes; i++) {
    const cause = causes.get(i);
    const home = pick(communes);
    const cp = cause === 'codePostal' ? '13001' : pick(home.codesPostaux);
    const { nom, prenom, naissance } = identity(cause === 'doublon' ? i - 1 : i);
    const cni = () => Array.from({ length: 9 }, () => pick([...'ABCDEFGHJKLMNPRSTUVWXYZ0123456789'])).join('');
    const souhaitees =
      cause === 'communeInconnue' ? ['93999'] : cause === 'habilitation' ? ['13055'] : Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(communes).code);
    // Every other demande names its commune by name only, to exercise the name comparison.
    const commune = i % 2 === 0 && cause !== 'codePostal' ? `<commune>${escapeXml(home.nom)}</commune>` : `<commune code="${home.code}"/>`;
    const cotitulaire = rnd() < 0.6 ? identity(i + DATES / 2) : undefined;
    const enfants = Math.floor(rnd() * 4);
    const employeur = pick(communes);
    const lines = [
      `  <demande typeFichier="CRE" reference="BENCH-${pad(i, 6)}">`,
      '    <demandeLogement>',
      '      <personnePhysique>',
      '        <demandeur>',
      `          <civilite code="${1 + (i % 2)}"/>`,
      cause === 'schema' ? '' : `          <nom>${escapeXml(nom)}</nom>`,
      i % 3 === 0 ? `          <nomPatronymique>${escapeXml(pick(NOMS))}</nomPatronymique>` : '',
      `          <prenom>${escapeXml(prenom)}</prenom>`,
      cause === 'dateNaissance' ? '' : `          <dateNaissance>${naissance}</dateNaissance>`,
      '          <nationalite code="1"/>',
      cause === 'pieceIdentite' ? '' : `          <pieceIdentite code="CNI" numero="${cni()}"/>`,
      `          <situationFamiliale code="${cotitulaire ? pick(['M', 'P']) : pick(['C', 'D', 'S'])}"/>`,
      `          <telPortable>06${pad(Math.floor(rnd() * 1e8), 8)}</telPortable>`,
      `          <mel>${cause === 'mel' ? `demandeur.${i}@@exemple` : `d${pad(i, 6)}@exemple.fr`}</mel>`,
      adresse(home, cp, commune, '          '),
      '          <situationProfessionnelle>',
      `            <profession>${pick(PROFESSIONS)}</profession>`,
      `            <typeContratTravail code="${pick(['CDI', 'CDD', 'APP'])}"/>`,
      `            <nomEmployeurPrincipal>${pick(EMPLOYEURS)} ${escapeXml(employeur.nom)}</nomEmployeurPrincipal>`,
      '            <etranger>false</etranger>',
      `            <voie>${1 + Math.floor(rnd() * 80)} ${pick(VOIES)}</voie>`,
      `            <codePostal>${employeur.codesPostaux[0]}</codePostal>`,
      `            <commune>${escapeXml(employeur.nom)}</commune>`,
      '          </situationProfessionnelle>',
      '          <revenuFiscal>',
      `            <anneeMoins1>2025</anneeMoins1>`,
      `            <montantMoins1>${10000 + Math.floor(rnd() * 30000)}</montantMoins1>`,
      `            <anneeMoins2>2024</anneeMoins2>`,
      `            <montantMoins2>${10000 + Math.floor(rnd() * 30000)}</montantMoins2>`,
      '          </revenuFiscal>',
      '          <listeRessourceRecue>',
      `            <detailRessource><ressource code="SAL"/><montant>${900 + Math.floor(rnd() * 2000)}</montant></detailRessource>`,
      enfants > 0 ? `            <detailRessource><ressource code="AF"/><montant>${70 * enfants + Math.floor(rnd() * 60)}</montant></detailRessource>` : '',
      '          </listeRessourceRecue>',
      '        </demandeur>',
      cotitulaire
        ? [
            '        <listeCotitulaire>',
            '          <cotitulaire>',
            `            <civilite code="${2 - (i % 2)}"/>`,
            `            <nom>${escapeXml(nom)}</nom>`,
            `            <prenom>${escapeXml(cotitulaire.prenom)}</prenom>`,
            `            <dateNaissance>${cotitulaire.naissance}</dateNaissance>`,
            '            <nationalite code="1"/>',
            `            <pieceIdentite code="CNI" numero="${cni()}"/>`,
            '            <situationFamiliale code="M"/>',
            adresse(home, cp, `<commune code="${home.code}"/>`, '            '),
            '            <situationProfessionnelle>',
            `              <typeContratTravail code="${pick(['CDI', 'CDD'])}"/>`,
            '            </situationProfessionnelle>',
            '            <lienDemandeur code="M"/>',
            '          </cotitulaire>',
            '        </listeCotitulaire>',
          ].join('\n')
        : '',
      enfants > 0
        ? [
            '        <listePersonneACharge>',
            ...Array.from({ length: enfants }, (_, k) =>
              [
                '          <personneACharge>',
                `            <nom>${escapeXml(nom)}</nom>`,
                `            <prenom>${escapeXml(pick(PRENOMS))}</prenom>`,
                `            <dateNaissance>${2008 + k * 4 + Math.floor(rnd() * 3)}-${pad(1 + Math.floor(rnd() * 12), 2)}-${pad(1 + Math.floor(rnd() * 28), 2)}</dateNaissance>`,
                `            <sexe code="${pick(['F', 'M'])}"/>`,
                '            <lienParente code="E"/>',
                '          </personneACharge>',
              ].join('\n'),
            ),
            '        </listePersonneACharge>',
          ].join('\n')
        : '',
      '        <logementActuel>',
      `          <listeModeleLogement><modeleLogement code="${pick(['LP', 'CP', 'HLM'])}"/></listeModeleLogement>`,
      `          <montantMensuelLoyer>${300 + Math.floor(rnd() * 900)}</montantMensuelLoyer>`,
      `          <nombreHabitant>${1 + (cotitulaire ? 1 : 0) + enfants}</nombreHabitant>`,
      '        </logementActuel>',
      '      </personnePhysique>',
      `      <listeMotif><motif code="13"/><motif code="${pick(['01', '09', '10'])}"/></listeMotif>`,
      '      <logementRecherche>',
      '        <categorieLogement code="A"/>',
      `        <listeTypeLogement><typeLogement code="T${2 + Math.floor(rnd() * 2)}"/><typeLogement code="T${4 + Math.floor(rnd() * 2)}"/></listeTypeLogement>`,
      '        <listeLocalisationSouhaite>',
      ...[...new Set(souhaitees)].map((c) => `          <localisationSouhaite><commune code="${c}"/></localisationSouhaite>`),
      '        </listeLocalisationSouhaite>',
      '      </logementRecherche>',
      '    </demandeLogement>',
      '  </demande>',
    ];
    out.push(lines.filter((l) => l !== '').join('\n'));
  }
  out.push('</lot>', '');
  return { xml: out.join('\n'), valid: options.demandes - causes.size, rejected: causes };
}
