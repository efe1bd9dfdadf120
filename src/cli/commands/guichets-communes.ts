/**
 * `sne-gateway guichets communes CODE [--set|--add|--remove LISTE] [--json]`: the communes where a
 * bailleur holds housing stock. The attestation names the bailleurs of the communes souhaitées
 * (CCH R.441-2-4) from these lists. Codes are checked against the INSEE reference; a retired code
 * is answered with the commune it belongs to now.
 */
import type { Command } from 'commander';
import { openRegistry } from '../../app.js';
import { loadBundledReference, type ReferenceIndex } from '../../rules/reference/index.js';
import { banniereEcole } from '../ecole.js';
import type { CliContext, RegisterCommand } from '../context.js';
import { usage } from './territories.js';

interface Options {
  set?: string;
  add?: string;
  remove?: string;
  json?: boolean;
}

export const registerGuichetsCommunes: RegisterCommand = (program, context) => {
  // `guichets` may be registered by another module (its other sub-commands): share it.
  const guichets =
    program.commands.find((c) => c.name() === 'guichets') ?? program.command('guichets').description('les guichets enregistreurs');
  guichets
    .command('communes')
    .hook('preAction', banniereEcole(context))
    .description('communes (codes INSEE) où un bailleur dispose de logements : affiche, remplace, ajoute ou retire')
    .argument('<code>', 'code du guichet (G1104)')
    .option('--set <codes>', 'remplace la liste (codes INSEE séparés par des virgules ; vide pour tout retirer)')
    .option('--add <codes>', 'ajoute ces communes')
    .option('--remove <codes>', 'retire ces communes')
    .option('--json', 'sortie JSON')
    .action(async (code: string, options: Options, command: Command) => communes(context, command, code, options));
};

const codesOf = (list: string): string[] =>
  list
    .split(/[\s,;]+/)
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c !== '');

/** Every unknown code at once, each with what it became when the reference knows it. */
function checkCodes(reference: ReferenceIndex, codes: readonly string[]): string[] {
  return codes.flatMap((code) => {
    if (reference.communeByCode(code) !== undefined) return [];
    const retired = reference.retiredCode(code);
    return [retired ? `${code} n’est plus une commune : utilisez ${retired.currentCode} (${retired.currentNom})` : `${code} : commune inconnue du référentiel INSEE`];
  });
}

async function communes(context: CliContext, command: Command, code: string, options: Options): Promise<void> {
  if (options.set !== undefined && (options.add !== undefined || options.remove !== undefined)) {
    usage(command, '--set remplace la liste : il ne se combine pas avec --add ou --remove.');
  }
  const changes = { set: options.set, add: options.add, remove: options.remove };
  const reference = loadBundledReference();
  const given = [changes.set, changes.add].flatMap((list) => (list === undefined ? [] : codesOf(list)));
  const problems = checkCodes(reference, given);
  if (problems.length > 0) usage(command, `codes INSEE refusés :\n  ${problems.join('\n  ')}`);

  const registry = (await openRegistry(context.config()));
  try {
    const guichet = await registry.getGuichet(code);
    if (guichet === undefined) {
      context.err(`erreur : guichet inconnu : ${code} ; voyez « sne-gateway guichets list », ou enrôlez-le avec « guichets add ».`);
      process.exitCode = 1;
      return;
    }
    const before = await registry.guichetCommunes(guichet.code);
    const changing = changes.set !== undefined || changes.add !== undefined || changes.remove !== undefined;
    if (changing) {
      const removed = new Set(changes.remove === undefined ? [] : codesOf(changes.remove));
      const base = changes.set === undefined ? before : codesOf(changes.set);
      const after = [...new Set([...base, ...(changes.add === undefined ? [] : codesOf(changes.add))])].filter((c) => !removed.has(c));
      await registry.setGuichetCommunes(guichet.code, after);
    }
    const now = await registry.guichetCommunes(guichet.code);
    const rows = now.map((c) => ({ code: c, nom: reference.communeByCode(c)?.nom ?? '' }));
    if (options.json) {
      context.out(JSON.stringify({ guichet: guichet.code, nom: guichet.nom, communes: rows }, null, 2));
      return;
    }
    if (changing) context.out(`✔ ${guichet.code} : ${now.length} commune(s) (${before.length} avant)`);
    if (rows.length === 0) context.out(`${guichet.code} (${guichet.nom}) : aucune commune ; il n’est cité comme bailleur sur aucune attestation.`);
    for (const row of rows) context.out(`${row.code}\t${row.nom}`);
  } finally {
    await registry.close();
  }
}
