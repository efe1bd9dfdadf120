/**
 * A schema-valid `demande`, copied out of libxml2 as PlainElement, walked into the typed
 * `Demande`. Pure. The schema guarantees presence and form; this module also checks the
 * co-constraints XSD 1.0 cannot express, reported as DEM_SCHEMA like any schema fault.
 */
import { demandeError, type DemandeError } from '../errors.js';
import type { PlainElement } from './schema.js';
import type {
  AdressePostale,
  CommuneRef,
  Cotitulaire,
  Demande,
  DemandeLogement,
  DemandeLue,
  Personne,
  PersonneACharge,
  Radiation,
  SituationProfessionnelle,
} from './types.js';
import { demandePath } from './types.js';

// ----- small accessors over PlainElement (names are local; the schema checked namespaces) -----

const child = (el: PlainElement, name: string): PlainElement | undefined => el.children.find((c) => c.name === name);
const all = (el: PlainElement | undefined, name: string): PlainElement[] =>
  el === undefined ? [] : el.children.filter((c) => c.name === name);
/** Whitespace-collapsed text, as xs:token sees it. */
const collapse = (text: string): string => text.replace(/[\t\n\r ]+/g, ' ').trim();
const text = (el: PlainElement | undefined): string | undefined => (el === undefined ? undefined : collapse(el.text));
const req = (el: PlainElement, name: string): string => text(child(el, name)) ?? '';
const opt = (el: PlainElement, name: string): string | undefined => text(child(el, name));
const code = (el: PlainElement | undefined): string => el?.attributes.code ?? '';
const num = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));
const bool = (value: string | undefined): boolean | undefined =>
  value === undefined ? undefined : value === 'true' || value === '1';

/** Drop undefined fields so that optional properties are absent, not `undefined`. */
function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

function commune(el: PlainElement): CommuneRef {
  const nom = collapse(el.text);
  return compact({ code: el.attributes.code, nom: nom === '' ? undefined : nom });
}

function adresse(el: PlainElement): AdressePostale {
  return compact({
    etranger: bool(opt(el, 'etranger')) ?? false,
    numero: opt(el, 'numero'),
    voie: req(el, 'voie'),
    complement: opt(el, 'complement'),
    codePostal: req(el, 'codePostal'),
    commune: commune(child(el, 'commune') ?? el),
  });
}

function situationProfessionnelle(el: PlainElement): SituationProfessionnelle {
  const lieu = child(el, 'commune');
  return compact({
    profession: opt(el, 'profession'),
    typeContratTravail: code(child(el, 'typeContratTravail')),
    nomEmployeurPrincipal: opt(el, 'nomEmployeurPrincipal'),
    etranger: bool(opt(el, 'etranger')),
    voie: opt(el, 'voie'),
    codePostal: opt(el, 'codePostal'),
    commune: lieu === undefined ? undefined : commune(lieu),
  });
}

function personne(el: PlainElement): Personne {
  const piece = child(el, 'pieceIdentite');
  const adressePostale = child(el, 'adressePostale');
  const situation = child(el, 'situationProfessionnelle');
  const revenu = child(el, 'revenuFiscal');
  return compact({
    civilite: code(child(el, 'civilite')),
    nom: req(el, 'nom'),
    nomPatronymique: opt(el, 'nomPatronymique'),
    prenom: req(el, 'prenom'),
    dateNaissance: opt(el, 'dateNaissance'),
    nationalite: code(child(el, 'nationalite')),
    pieceIdentite: piece === undefined ? undefined : { code: code(piece), numero: collapse(piece.attributes.numero ?? '') },
    situationFamiliale: code(child(el, 'situationFamiliale')),
    telPortable: opt(el, 'telPortable'),
    mel: opt(el, 'mel'),
    adressePostale: adressePostale === undefined ? undefined : adresse(adressePostale),
    situationProfessionnelle: situation === undefined ? undefined : situationProfessionnelle(situation),
    revenuFiscal:
      revenu === undefined
        ? undefined
        : compact({
            anneeMoins1: Number(req(revenu, 'anneeMoins1')),
            montantMoins1: Number(req(revenu, 'montantMoins1')),
            anneeMoins2: num(opt(revenu, 'anneeMoins2')),
            montantMoins2: num(opt(revenu, 'montantMoins2')),
          }),
    ressources: all(child(el, 'listeRessourceRecue'), 'detailRessource').map((d) => ({
      code: code(child(d, 'ressource')),
      montant: Number(req(d, 'montant')),
    })),
  });
}

function personneACharge(el: PlainElement): PersonneACharge {
  return {
    nom: req(el, 'nom'),
    prenom: req(el, 'prenom'),
    dateNaissance: req(el, 'dateNaissance'),
    sexe: code(child(el, 'sexe')),
    lienParente: code(child(el, 'lienParente')),
  };
}

function demandeLogement(el: PlainElement): DemandeLogement {
  const physique = child(el, 'personnePhysique') ?? el;
  const actuel = child(physique, 'logementActuel') ?? physique;
  const recherche = child(el, 'logementRecherche') ?? el;
  const cotitulaires: Cotitulaire[] = all(child(physique, 'listeCotitulaire'), 'cotitulaire').map((c) => ({
    ...personne(c),
    lienDemandeur: code(child(c, 'lienDemandeur')),
  }));
  return compact({
    numUnique: opt(el, 'numUnique'),
    demandeur: personne(child(physique, 'demandeur') ?? physique),
    cotitulaires,
    personnesACharge: all(child(physique, 'listePersonneACharge'), 'personneACharge').map(personneACharge),
    logementActuel: compact({
      modelesLogement: all(child(actuel, 'listeModeleLogement'), 'modeleLogement').map(code),
      montantMensuelLoyer: num(opt(actuel, 'montantMensuelLoyer')),
      nombreHabitant: num(opt(actuel, 'nombreHabitant')),
    }),
    motifs: all(child(el, 'listeMotif'), 'motif').map(code),
    logementRecherche: compact({
      categorieLogement: child(recherche, 'categorieLogement')?.attributes.code,
      typesLogement: all(child(recherche, 'listeTypeLogement'), 'typeLogement').map(code),
      communesSouhaitees: all(child(recherche, 'listeLocalisationSouhaite'), 'localisationSouhaite').map((l) =>
        commune(child(l, 'commune') ?? l),
      ),
    }),
  });
}

function radiation(el: PlainElement): Radiation {
  return compact({
    numUnique: req(el, 'numUnique'),
    motif: code(child(el, 'motif')),
    sousMotif: child(el, 'sousMotif')?.attributes.code,
    dateEffet: opt(el, 'dateEffet'),
  });
}

/** What each typeFichier carries: RAD a radiation, COP a copie, the others a demandeLogement. */
const CONTENU: Readonly<Record<string, string>> = { RAD: 'radiation', COP: 'copie' };

/** The co-constraints between typeFichier, its content, numUnique and the radiation motif. */
function coConstraints(el: PlainElement, typeFichier: string, base: string): DemandeError[] {
  const logement = child(el, 'demandeLogement');
  const rad = child(el, 'radiation');
  const attendu = CONTENU[typeFichier] ?? 'demandeLogement';
  const recu = el.children.find((c) => c.name === 'demandeLogement' || c.name === 'radiation' || c.name === 'copie');
  if (recu !== undefined && recu.name !== attendu) {
    return [schemaError(`${base}/${recu.name}`, `Une demande de typeFichier ${typeFichier} contient <${attendu}>, pas <${recu.name}>.`)];
  }
  if (typeFichier === 'COP') return [];
  if (typeFichier === 'RAD') {
    if (rad === undefined) return [];
    const motif = code(child(rad, 'motif'));
    const sousMotif = child(rad, 'sousMotif');
    if (motif === 'RADIRR' && sousMotif === undefined) {
      return [schemaError(`${base}/radiation`, 'Le motif RADIRR exige <sousMotif code="IRRSEJ"/> ou <sousMotif code="IRRRES"/> après <motif>.', motif)];
    }
    if (motif !== 'RADIRR' && sousMotif !== undefined) {
      return [schemaError(`${base}/radiation/sousMotif`, `<sousMotif> n'est admis qu'avec le motif RADIRR (motif reçu : ${motif}).`, code(sousMotif))];
    }
    return [];
  }
  if (logement === undefined) return [];
  const numUnique = child(logement, 'numUnique');
  if (typeFichier === 'CRE' && numUnique !== undefined) {
    return [schemaError(`${base}/demandeLogement/numUnique`, "Une création (CRE) n'a pas encore de numéro unique : retirez <numUnique>.", text(numUnique))];
  }
  if (typeFichier !== 'CRE' && numUnique === undefined) {
    return [schemaError(`${base}/demandeLogement`, `Élément manquant dans <demandeLogement> : <numUnique>, obligatoire pour typeFichier ${typeFichier}.`)];
  }
  return [];
}

const schemaError = (chemin: string, message: string, valeur?: string): DemandeError =>
  demandeError('DEM_SCHEMA', chemin, { message, valeur });

/** Walk one schema-valid demande (position is 1-based in the lot). */
export function readDemande(el: PlainElement, position: number): DemandeLue {
  const base = demandePath(position);
  const typeFichier = el.attributes.typeFichier ?? '';
  const reference = el.attributes.reference ?? '';
  const errors = coConstraints(el, typeFichier, base);
  if (errors.length > 0) return { ok: false, position, reference, typeFichier, errors };
  const dateReception = el.attributes.dateReception;
  const common = compact({ position, reference, dateReception: dateReception === undefined ? undefined : collapse(dateReception) });
  const demande: Demande =
    typeFichier === 'RAD'
      ? { ...common, typeFichier, radiation: radiation(child(el, 'radiation') ?? el) }
      : typeFichier === 'COP'
      ? { ...common, typeFichier, copie: { numUnique: req(child(el, 'copie') ?? el, 'numUnique') } }
      : {
          ...common,
          typeFichier: typeFichier as 'CRE' | 'REN' | 'MOD',
          demandeLogement: demandeLogement(child(el, 'demandeLogement') ?? el),
        };
  return { ok: true, demande };
}
