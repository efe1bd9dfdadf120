/**
 * What the CLI says of a base école (spec 9): a gestionnaire reading a listing must never take
 * its test data for real ones. The banner heads every listing in text mode; JSON is unchanged
 * (docs/decisions.md).
 */
import type { Command } from 'commander';
import type { CliContext } from './context.js';

export const BANNIERE_ECOLE = 'BASE ÉCOLE — données de test, sans valeur';

/** What `init` and `doctor` say of a base école. */
export const BASE_ECOLE_LIGNE =
  'base école : oui — réponses marquées « SPÉCIMEN » et [ÉCOLE], aucun courriel aux demandeurs ; son registre ne vaut que pour les essais des guichets';

/**
 * The `preAction` hook of a listing: the banner first, when the home is a base école and the
 * output is text. `command.hook('preAction', banniereEcole(context))`.
 */
export function banniereEcole(context: CliContext): (command: Command, action: Command) => void {
  return (_command, action) => {
    // With globals: a parent command may hold --json (`dispatch --json list`).
    if (action.optsWithGlobals<{ json?: boolean }>().json === true) return;
    if (context.config().gateway.ecole) context.out(BANNIERE_ECOLE);
  };
}
