/**
 * `sne-gateway demandes history <numéro>`: every change of a demande — who (guichet,
 * gestionnaire or the gateway itself), which lot, when, what — from the audit trail. The trail
 * holds codes, dates and the names of the changed parts, never the demandeur's data.
 */
import { NUMERO_UNIQUE } from '../../registry/numero-unique.js';
import { ACTIONS, acteurLabel, DETAILS, demandeHeader as header, PARIS } from '../../registry/audit-labels.js';
import type { AuditEntry, DemandeRecord } from '../../registry/model.js';
import { banniereEcole } from '../ecole.js';
import type { RegisterCommand } from '../context.js';
import { withRegistry } from './lots.js';

const actionLabel = (action: string): string => `${ACTIONS[action] ?? action} (${action})`;
/** The action column fits the longest known label (« préavis accepté (PREAVIS_ACCEPTE) »), so lines stay aligned. */
const ACTION_WIDTH = Math.max(...Object.keys(ACTIONS).map((action) => actionLabel(action).length));

function historyLine(e: AuditEntry): string {
  const details = Object.entries(e.details ?? {})
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${DETAILS[k] ?? k} ${v}`)
    .join(' ; ');
  return [
    PARIS.format(new Date(e.at)),
    actionLabel(e.action).padEnd(ACTION_WIDTH),
    acteurLabel(e.acteur).padEnd(26),
    (e.lotId === undefined ? 'sans lot' : `lot ${e.lotId} ${e.identifiantLot ?? ''}`.trim()).padEnd(30),
    details,
  ].join('  ');
}

export const registerDemandes: RegisterCommand = (program, context) => {
  const demandes = program.command('demandes').description('consulte les demandes du registre');
  demandes
    .command('history')
    .hook('preAction', banniereEcole(context))
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
