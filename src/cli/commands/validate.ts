/**
 * `sne-gateway validate LOT.xml [--guichet CODE] [--json]`: a plain lot file checked offline, as a
 * guichet's developer would before sending it — the lot-level checks of the XML, the schema, and
 * every rule that needs no registry history; habilitation too when `--guichet` names a registered
 * guichet. Exit status 0 when every demande is valid, 1 otherwise, 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { openRegistry } from '../../app.js';
import { parisDate } from '../../clock.js';
import type { Validation } from '../../pipeline/validate-lot.js';
import type { Guichet } from '../../registry/model.js';
import { loadReference } from '../../rules/reference/index.js';
import type { CliContext, RegisterCommand } from '../context.js';

function render(v: Validation, habilitation: boolean): string[] {
  const lines = [`Lot : ${v.lot.statut}`];
  for (const e of v.erreurs) lines.push(`✘ ${e.code} : ${e.message}`);
  const valides = v.resultats.filter((r) => r.statut === 'VALIDE').length;
  if (v.resultats.length > 0) lines.push(`${valides} demande(s) valide(s), ${v.resultats.length - valides} rejetée(s)`);
  v.resultats.forEach((r, i) => {
    lines.push(`${r.statut === 'VALIDE' ? '✔' : '✘'} demande ${i + 1}${r.reference === null ? '' : ` ${r.reference}`} : ${r.statut}`);
    for (const e of r.erreurs) {
      lines.push(`    ${e.code} ${e.chemin}${e.valeur === null ? '' : ` (valeur « ${e.valeur} »)`}`);
      lines.push(`      ${e.message}`);
      if (e.suggestion !== null) lines.push(`      suggestion : ${e.suggestion}`);
    }
  });
  if (!habilitation) lines.push("Habilitation du guichet non vérifiée : indiquez --guichet CODE d'un guichet enregistré.");
  return lines;
}

/** The registered guichet named by --guichet; a string is the French reason it cannot be used. */
async function findGuichet(context: CliContext, code: string): Promise<Guichet | string> {
  // A home without a registry is refused by context.config(): --guichet needs an initialised one.
  const registry = (await openRegistry(context.config()));
  try {
    return await registry.getGuichet(code) ?? `le guichet ${code} n'est pas enregistré`;
  } finally {
    await registry.close();
  }
}

export const registerValidate: RegisterCommand = (program, context) => {
  program
    .command('validate')
    .description("vérifie hors ligne un fichier de lot en clair (schéma et règles sans historique du registre), comme le ferait la passerelle")
    .argument('<lot.xml>', 'fichier XML du lot, non chiffré')
    .option('--guichet <code>', "guichet expéditeur enregistré : vérifie aussi l'en-tête et l'habilitation")
    .option('--json', 'sortie JSON')
    .action(async (file: string, options: { guichet?: string; json?: boolean }) => {
      let xml: Buffer;
      try {
        xml = readFileSync(file);
      } catch (error) {
        context.err(`erreur : fichier illisible : ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
        return;
      }
      const guichet = options.guichet === undefined ? undefined : await findGuichet(context, options.guichet);
      if (typeof guichet === 'string') {
        context.err(`erreur : ${guichet}`);
        process.exitCode = 1;
        return;
      }
      // libxml2 and the rules are loaded by this command only.
      const { validateLot } = await import('../../pipeline/validate-lot.js');
      const reference = loadReference(context.home());
      const result = validateLot(xml, { ...(guichet ? { guichet } : {}), today: parisDate(context.clock().now()), reference });
      if (options.json) context.out(JSON.stringify(result));
      else render(result, guichet !== undefined).forEach(context.out);
      process.exitCode = result.erreurs.length === 0 && result.resultats.every((r) => r.statut === 'VALIDE') ? 0 : 1;
    });
};
