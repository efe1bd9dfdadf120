/** Inputs shared by the reply tests: attestations with a long accented name and ten communes souhaitées, an accepted lot. */
import type { DemandeLogement } from '../../src/lot/types.js';
import type { NewLot } from '../../src/registry/model.js';
import type { AttestationData } from '../../src/replies/types.js';

export const NOM_LONG = 'Łukasz-Şahin de La Rochefoucauld-Œuvray';
export const PRENOM_LONG = 'Nguyễn Thị';

const COMMUNES: readonly [string, string][] = [
  ['93066', 'Saint-Denis'],
  ['93001', 'Aubervilliers'],
  ['93048', 'Montreuil'],
  ['93008', 'Bobigny'],
  ['93070', 'Saint-Ouen-sur-Seine'],
  ['93055', 'Pantin'],
  ['93029', 'Drancy'],
  ['93064', 'Rosny-sous-Bois'],
  ['93045', 'Les Lilas'],
  ['93072', 'Stains'],
];

export const demandeLogement: DemandeLogement = {
  demandeur: {
    civilite: '2',
    nom: NOM_LONG,
    prenom: PRENOM_LONG,
    dateNaissance: '1986-09-21',
    nationalite: '2',
    pieceIdentite: { code: 'PASSEPORT', numero: '18AB12345' },
    situationFamiliale: 'M',
    adressePostale: {
      etranger: false,
      numero: '12 bis',
      voie: 'avenue du Président Salvador Allende, résidence des Tilleuls',
      complement: 'Bâtiment B, escalier 3, 4e étage, porte gauche',
      codePostal: '93200',
      commune: { code: '93066', nom: 'Saint-Denis' },
    },
    ressources: [{ code: 'SAL', montant: 1620 }],
  },
  cotitulaires: [],
  personnesACharge: [
    { nom: NOM_LONG, prenom: 'Inès', dateNaissance: '2015-05-03', sexe: 'F', lienParente: 'E' },
    { nom: NOM_LONG, prenom: 'Ali', dateNaissance: '2018-01-12', sexe: 'M', lienParente: 'E' },
  ],
  logementActuel: { modelesLogement: ['LP'], montantMensuelLoyer: 640, nombreHabitant: 3 },
  motifs: ['13'],
  logementRecherche: {
    categorieLogement: 'A',
    typesLogement: ['T3', 'T4'],
    communesSouhaitees: COMMUNES.map(([code]) => ({ code })),
  },
};

export const attestationCre: AttestationData = {
  kind: 'CRE',
  numeroUnique: '1111126000001G1104',
  dateDepot: '2026-11-26',
  dateEcheance: '2027-11-26',
  guichet: {
    code: 'G1104',
    nom: 'Plaine Commune Habitat — Agence de Saint-Denis',
    adresse: '4 rue de la Poterie\nCS 40012\n93200 Saint-Denis',
  },
  demande: demandeLogement,
  reference: 'DOS-2026-00042',
  issuedAt: new Date('2026-11-26T08:31:04Z'),
  commissionMediation: {
    delaiAnormalementLongMois: 36,
    adresse: 'Commission de médiation DALO de la Seine-Saint-Denis\n1 esplanade Jean Moulin\n93000 Bobigny',
  },
  bailleurs: ['Plaine Commune Habitat', 'Seine-Saint-Denis Habitat', 'CDC Habitat social', 'Immobilière 3F'],
  communesSouhaitees: COMMUNES.map(([code, nom]) => `${nom} (${code})`),
};

export const attestationRen: AttestationData = {
  ...attestationCre,
  kind: 'REN',
  dateDepot: '2025-11-20',
  dateRenouvellement: '2026-11-26',
  dateEcheance: '2027-11-20',
  numeroUnique: '1111125000412G1104',
  reference: 'DOS-2025-00017',
};

/** An accepted lot of G1104 as the lot's transaction records it, for tests that queue its replies by hand. */
export function acceptedLot(identifiantLot: string, messageId: string, at: Date): NewLot {
  return {
    messageSha256: identifiantLot,
    messageId,
    guichet: 'G1104',
    identifiantLot,
    statut: 'ACCEPTE',
    recuAt: at.toISOString(),
    traiteAt: at.toISOString(),
    erreurs: [],
    original: Buffer.from('original'),
  };
}
