/**
 * A demande's history in French words: its actions, the names of their details, who acted
 * (`demandes history` and the web console). The trail holds codes, dates and the names of the
 * changed parts, never the demandeur's data.
 */
import type { DemandeRecord, DemandeTrouvee } from './model.js';

export const ACTIONS: Readonly<Record<string, string>> = {
  CRE: 'enregistrement',
  REN: 'renouvellement',
  MOD: 'modification',
  RAD: 'radiation',
  PREAVIS: 'préavis émis',
  PREAVIS_ACCEPTE: 'préavis accepté',
};

export const DETAILS: Readonly<Record<string, string>> = {
  reference: 'référence',
  territoire: 'territoire',
  dateDepot: 'dépôt',
  dateEcheance: 'échéance',
  ancienneEcheance: 'ancienne échéance',
  champs: 'parties modifiées',
  motif: 'motif',
  sousMotif: 'sous-motif',
  dateEffet: "date d'effet",
  anniversaire: 'anniversaire',
  guichet: 'guichet',
  demandeur: 'copie au demandeur',
  destinataire: 'destinataire',
  canal: 'canal',
};

export const PARIS = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });

export function acteurLabel(acteur: string): string {
  const [kind, name] = acteur.split(':', 2);
  if (kind === 'guichet') return `guichet ${name}`;
  if (kind === 'gestionnaire') return `gestionnaire ${name}`;
  if (kind === 'passerelle') return 'passerelle (automatique)';
  return acteur;
}

/** One line on the demande's current state. */
export function demandeHeader(numero: string, d: DemandeRecord | undefined): string {
  if (!d) return `Demande ${numero} : absente du registre (seul son historique subsiste).`;
  const etat =
    d.statut === 'ACTIVE'
      ? `active, échéance ${d.dateEcheance}`
      : `radiée le ${d.dateRadiation ?? '?'} (motif ${[d.motifRadiation, d.sousMotifRadiation].filter(Boolean).join('/')})`;
  const renouvellement = d.dateRenouvellement ? `, renouvelée le ${d.dateRenouvellement}` : '';
  return `Demande ${numero} — territoire ${d.territoire}, guichet ${d.guichet}, déposée le ${d.dateDepot}${renouvellement} ; ${etat}.`;
}


/** A found demande's radiation, `2026-03-01 (RADATT)`, empty while it is active (`demandes search` and the console). */
export const radiationLabel = (d: Pick<DemandeTrouvee, 'dateRadiation' | 'motifRadiation'>): string =>
  d.dateRadiation === undefined ? '' : `${d.dateRadiation}${d.motifRadiation === undefined ? '' : ` (${d.motifRadiation})`}`;
