/**
 * The dispatching digest and the copie numérique (spec 8), valid against
 * schemas/dispatching-1.xsd: one `entree` per demande event, with the demande's statut and dates
 * and, for CRE/REN/MOD, its `demandeLogement` as it now stands, written in the lot's own format
 * (the lot schema's type, its elements in the lot's namespace) so that a bailleur reads it with
 * the parser of its lots. Pure.
 */
import type { CommuneRef, Cotitulaire, DemandeLogement, Personne } from '../lot/types.js';
import { formatDateTime, xmlDocument, xmlValue } from './compte-rendu.js';
import { replyRootAttributes, type ReplyMode } from './ecole.js';
import type { CopieData, DispatchingData, EntreeDispatching } from './types.js';

export const DISPATCHING_NAMESPACE = 'urn:sne-gateway:dispatching:1';
const LOT_NAMESPACE = 'urn:sne-gateway:lot:1';

type Element = ReturnType<typeof xmlDocument>['root'];

export function buildDispatching(data: DispatchingData, mode: ReplyMode = {}): string {
  const doc = xmlDocument(DISPATCHING_NAMESPACE, 'dispatching', {
    version: '1.0',
    guichet: data.guichet,
    sequence: String(data.sequence),
    jour: data.jour,
    genere: formatDateTime(new Date(data.genere)),
    ...replyRootAttributes(mode),
  });
  for (const entree of data.entrees ?? []) writeEntree(doc.root, entree);
  return doc.end();
}

export function buildCopie(data: CopieData, mode: ReplyMode = {}): string {
  const doc = xmlDocument(DISPATCHING_NAMESPACE, 'copieNumerique', {
    version: '1.0',
    guichet: data.guichet,
    reference: xmlValue(data.reference),
    genere: formatDateTime(new Date(data.genere)),
    ...replyRootAttributes(mode),
  });
  writeEntree(doc.root, data.entree);
  return doc.end();
}

function writeEntree(parent: Element, e: EntreeDispatching): void {
  const attributes: Record<string, string> = { numUnique: e.numUnique, evenement: e.evenement, date: formatDateTime(new Date(e.date)), origine: e.origine };
  if (e.guichet !== undefined) attributes.guichet = e.guichet;
  attributes.statut = e.statut;
  attributes.dateDepot = e.dateDepot;
  if (e.dateRenouvellement !== undefined) attributes.dateRenouvellement = e.dateRenouvellement;
  attributes.dateEcheance = e.dateEcheance;
  if (e.dateRadiation !== undefined) attributes.dateRadiation = e.dateRadiation;
  const el = parent.ele(DISPATCHING_NAMESPACE, 'entree', attributes);
  if (e.radiation !== undefined) {
    const r: Record<string, string> = { motif: e.radiation.motif };
    if (e.radiation.sousMotif !== undefined) r.sousMotif = e.radiation.sousMotif;
    if (e.radiation.dateEffet !== undefined) r.dateEffet = e.radiation.dateEffet;
    el.ele(DISPATCHING_NAMESPACE, 'radiation', r);
  }
  if (e.demandeLogement !== undefined) writeDemandeLogement(el.ele(DISPATCHING_NAMESPACE, 'demandeLogement'), e.numUnique, e.demandeLogement);
}

// ----- demandeLogement in the lot's format (schemas/lot-1.xsd, element order of its types) -----

const ele = (parent: Element, name: string, attributes: Record<string, string> = {}): Element => parent.ele(LOT_NAMESPACE, name, attributes);
const text = (parent: Element, name: string, value: string | number | undefined): void => {
  if (value !== undefined) ele(parent, name).txt(xmlValue(String(value)));
};
const coded = (parent: Element, name: string, code: string): void => void ele(parent, name, { code });
const commune = (parent: Element, name: string, c: CommuneRef): void => {
  const el = ele(parent, name, c.code === undefined ? {} : { code: c.code });
  if (c.nom !== undefined) el.txt(xmlValue(c.nom));
};

function writeDemandeLogement(el: Element, numUnique: string, d: DemandeLogement): void {
  text(el, 'numUnique', numUnique);
  const physique = ele(el, 'personnePhysique');
  writePersonne(ele(physique, 'demandeur'), d.demandeur);
  for (const c of d.cotitulaires.slice(0, 1)) writePersonne(ele(ele(physique, 'listeCotitulaire'), 'cotitulaire'), c);
  if (d.personnesACharge.length > 0) {
    const liste = ele(physique, 'listePersonneACharge');
    for (const p of d.personnesACharge) {
      const pe = ele(liste, 'personneACharge');
      text(pe, 'nom', p.nom);
      text(pe, 'prenom', p.prenom);
      text(pe, 'dateNaissance', p.dateNaissance);
      coded(pe, 'sexe', p.sexe);
      coded(pe, 'lienParente', p.lienParente);
    }
  }
  const actuel = ele(physique, 'logementActuel');
  const modeles = ele(actuel, 'listeModeleLogement');
  for (const m of d.logementActuel.modelesLogement) coded(modeles, 'modeleLogement', m);
  text(actuel, 'montantMensuelLoyer', d.logementActuel.montantMensuelLoyer);
  text(actuel, 'nombreHabitant', d.logementActuel.nombreHabitant);
  const motifs = ele(el, 'listeMotif');
  for (const m of d.motifs) coded(motifs, 'motif', m);
  const recherche = ele(el, 'logementRecherche');
  if (d.logementRecherche.categorieLogement !== undefined) coded(recherche, 'categorieLogement', d.logementRecherche.categorieLogement);
  const types = ele(recherche, 'listeTypeLogement');
  for (const t of d.logementRecherche.typesLogement) coded(types, 'typeLogement', t);
  const localisations = ele(recherche, 'listeLocalisationSouhaite');
  for (const c of d.logementRecherche.communesSouhaitees) commune(ele(localisations, 'localisationSouhaite'), 'commune', c);
}

function writePersonne(el: Element, p: Personne | Cotitulaire): void {
  coded(el, 'civilite', p.civilite);
  text(el, 'nom', p.nom);
  text(el, 'nomPatronymique', p.nomPatronymique);
  text(el, 'prenom', p.prenom);
  text(el, 'dateNaissance', p.dateNaissance);
  coded(el, 'nationalite', p.nationalite);
  if (p.pieceIdentite !== undefined) ele(el, 'pieceIdentite', { code: p.pieceIdentite.code, numero: xmlValue(p.pieceIdentite.numero) });
  coded(el, 'situationFamiliale', p.situationFamiliale);
  text(el, 'telPortable', p.telPortable);
  text(el, 'mel', p.mel);
  const a = p.adressePostale;
  if (a !== undefined) {
    const ae = ele(el, 'adressePostale');
    text(ae, 'etranger', String(a.etranger));
    text(ae, 'numero', a.numero);
    text(ae, 'voie', a.voie);
    text(ae, 'complement', a.complement);
    text(ae, 'codePostal', a.codePostal);
    commune(ae, 'commune', a.commune);
  }
  const s = p.situationProfessionnelle;
  if (s !== undefined) {
    const se = ele(el, 'situationProfessionnelle');
    text(se, 'profession', s.profession);
    coded(se, 'typeContratTravail', s.typeContratTravail);
    text(se, 'nomEmployeurPrincipal', s.nomEmployeurPrincipal);
    text(se, 'etranger', s.etranger === undefined ? undefined : String(s.etranger));
    text(se, 'voie', s.voie);
    text(se, 'codePostal', s.codePostal);
    if (s.commune !== undefined) commune(se, 'commune', s.commune);
  }
  const r = p.revenuFiscal;
  if (r !== undefined) {
    const re = ele(el, 'revenuFiscal');
    text(re, 'anneeMoins1', r.anneeMoins1);
    text(re, 'montantMoins1', r.montantMoins1);
    text(re, 'anneeMoins2', r.anneeMoins2);
    text(re, 'montantMoins2', r.montantMoins2);
  }
  if (p.ressources.length > 0) {
    const liste = ele(el, 'listeRessourceRecue');
    for (const d of p.ressources) {
      const de = ele(liste, 'detailRessource');
      coded(de, 'ressource', d.code);
      text(de, 'montant', d.montant);
    }
  }
  if ('lienDemandeur' in p) coded(el, 'lienDemandeur', p.lienDemandeur);
}
