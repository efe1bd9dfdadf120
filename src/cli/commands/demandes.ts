/**
 * `sne-gateway demandes history <numéro>`: every change of a demande — who (guichet,
 * gestionnaire or the gateway itself), which lot, when, what — from the audit trail. The trail
 * holds codes, dates and the names of the changed parts, never the demandeur's data.
 */
import { NUMERO_UNIQUE } from '../../registry/numero-unique.js';
import type { AuditEntry, DemandeRecord } from '../../registry/model.js';
import type { RegisterCommand } from '../context.js';
import { withRegistry } from './lots.js';

const ACTIONS: Readonly<Record<string, string>> = {
  CRE: 'enregistrement',
  REN: 'renouvellement',
  MOD: 'modification',
  RAD: 'radiation',
  PREAVIS: 'préavis émis',
  PREAVIS_ACCEPTE: 'préavis accepté',
};

const DETAILS: Readonly<Record<string, string>> = {
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

const PARIS = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });

function acteurLabel(acteur: string): string {
  const [kind, name] = acteur.split(':', 2);
  if (kind === 'guichet') return `guichet ${name}`;
  if (kind === 'gestionnaire') return `gestionnaire ${name}`;
  if (kind === 'passerelle') return 'passerelle (automatique)';
  return acteur;
}

function historyLine(e: AuditEntry): string {
  const details = Object.entries(e.details ?? {})
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${DETAILS[k] ?? k} ${v}`)
    .join(' ; ');
  return [
    PARIS.format(new Date(e.at)),
    `${ACTIONS[e.action] ?? e.action} (${e.action})`.padEnd(22),
    acteurLabel(e.acteur).padEnd(26),
    (e.lotId === undefined ? 'sans lot' : `lot ${e.lotId} ${e.identifiantLot ?? ''}`.trim()).padEnd(30),
    details,
  ].join('  ');
}

function header(numero: string, d: DemandeRecord | undefined): string {
  if (!d) return `Demande ${numero} : absente du registre (seul son historique subsiste).`;
  const etat =
    d.statut === 'ACTIVE'
      ? `active, échéance ${d.dateEcheance}`
      : `radiée le ${d.dateRadiation ?? '?'} (motif ${[d.motifRadiation, d.sousMotifRadiation].filter(Boolean).join('/')})`;
  const renouvellement = d.dateRenouvellement ? `, renouvelée le ${d.dateRenouvellement}` : '';
  return `Demande ${numero} — territoire ${d.territoire}, guichet ${d.guichet}, déposée le ${d.dateDepot}${renouvellement} ; ${etat}.`;
}

export const registerDemandes: RegisterCommand = (program, context) => {
  const demandes = program.command('demandes').description('consulte les demandes du registre');
  demandes
    .command('history')
    .argument('<numero>', 'numéro unique de la demande (18 caractères)')
    .description("historique d'une demande : qui l'a changée, par quel lot, quand, et quoi")
    .option('--json', 'sortie JSON')
    .action(async (numero: string, options: { json?: boolean }) => {
      if (!NUMERO_UNIQUE.test(numero)) {
        context.err(`« ${numero} » n'est pas un numéro unique : 18 caractères, par exemple 1111126000001G1104.`);
        process.exitCode = 2;
        return;
      }
      const { demande, history } = await withRegistry(context, async (r) => ({ demande: await r.getDemande(numero), history: await r.demandeHistory(numero) }));
      if (!demande && history.length === 0) {
        context.err(`Demande ${numero} inconnue du registre : vérifiez le numéro (« sne-gateway lots show LOT » affiche ceux de chaque lot).`);
        process.exitCode = 1;
        return;
      }
      if (options.json) return context.out(JSON.stringify({ numeroUnique: numero, demande: demande && summary(demande), evenements: history }, null, 2));
      context.out(header(numero, demande));
      history.forEach((e) => context.out(historyLine(e)));
    });
};

/** The demande's state without its personal data (the history is about changes, not contents). */
function summary(d: DemandeRecord) {
  const { donnees: _donnees, ...state } = d;
  return state;
}
