/**
 * `sne-gateway reference status` and `reference import`: which INSEE / La Poste edition the rules
 * use, and loading a newer one — checked whole before it replaces the current data.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InvalidArgumentError } from 'commander';
import {
  forgetReference,
  importReference,
  loadReferenceWithOrigin,
  saveReference,
  type Edition,
  ReferenceIndex,
} from '../../rules/reference/index.js';
import type { CliContext, RegisterCommand } from '../context.js';
import { startProgress } from '../progress.js';

const nombre = (n: number) => n.toLocaleString('fr-FR').replace(/\u202f/g, ' ');

function describe(edition: Edition): string[] {
  return [
    `  source : ${edition.source}, version ${edition.version}${edition.date ? `, communes au ${edition.date}` : ''}`,
    `  ${nombre(edition.communes)} communes, ${nombre(edition.arrondissements)} arrondissements municipaux, ${nombre(edition.codesPostaux)} codes postaux de distribution, ${nombre(edition.codesRetires)} codes retirés`,
  ];
}

function status(context: CliContext, options: { json?: boolean }): void {
  const { index, file, importedAt } = loadReferenceWithOrigin(context.home());
  const edition = index.edition();
  if (options.json) {
    context.out(JSON.stringify({ ...edition, origine: file === undefined ? 'livre' : 'importe', ...(file ? { fichier: file, importeLe: importedAt } : {}) }));
    return;
  }
  context.out(file === undefined ? 'Référentiel des communes : édition livrée avec la passerelle' : `Référentiel des communes : édition importée le ${importedAt ?? '?'} (${file})`);
  describe(edition).forEach(context.out);
}

function millesime(value: string): string {
  if (!/^\d{4}$/.test(value)) throw new InvalidArgumentError('année sur 4 chiffres attendue (ex. 2027)');
  return value;
}

function runImport(context: CliContext, options: { cog: string; codesPostaux: string; millesime?: string }): number {
  const year = options.millesime ?? /(?:19|20)\d{2}/.exec(basename(options.cog))?.[0];
  if (year === undefined) {
    context.err("erreur : millésime introuvable dans le nom du fichier COG : indiquez --millesime AAAA");
    process.exitCode = 2;
    return 2;
  }
  // The edition is saved in the home: a mistyped --home must be refused, not created.
  context.config();
  let cog: Buffer;
  let postal: Buffer;
  try {
    cog = readFileSync(options.cog);
    postal = readFileSync(options.codesPostaux);
  } catch (error) {
    context.err(`erreur : ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const progress = startProgress('lignes lues');
  const result = importReference(cog, postal, { millesime: year, onProgress: progress.update });
  progress.end();
  if (!result.ok) {
    context.err('Import refusé, le référentiel en place est conservé :');
    result.problems.forEach((p) => context.err(`  ✘ ${p}`));
    return 1;
  }
  // Built once here too, so that data the index cannot take is refused before it is saved.
  const edition = new ReferenceIndex(result.data).edition();
  const file = saveReference(context.home(), result.data, context.clock().now());
  forgetReference(context.home());
  context.out(`✔ référentiel importé : ${file}`);
  describe(edition).forEach(context.out);
  result.notes.forEach((n) => context.out(`  note : ${n}`));
  context.out('Il sera utilisé au prochain démarrage de la passerelle (relancez « sne-gateway run »).');
  return 0;
}

export const registerReference: RegisterCommand = (program, context) => {
  const reference = program.command('reference').description('référentiel INSEE des communes et codes postaux La Poste');
  reference
    .command('status')
    .description("affiche l'édition en service, ses effectifs et sa date")
    .option('--json', 'sortie JSON')
    .action((options: { json?: boolean }) => status(context, options));
  reference
    .command('import')
    .description('importe une édition plus récente (COG INSEE des communes + fichier La Poste des codes postaux), vérifiée avant de remplacer la précédente')
    .requiredOption('--cog <fichier>', 'fichier CSV des communes du COG INSEE (v_commune_AAAA.csv)')
    .requiredOption('--codes-postaux <fichier>', 'fichier CSV La Poste des codes postaux (019HexaSmal.csv, base officielle des codes postaux)')
    .option('--millesime <année>', 'année du COG (par défaut : lue dans le nom du fichier COG)', millesime)
    .action((options: { cog: string; codesPostaux: string; millesime?: string }) => {
      process.exitCode = runImport(context, options);
    });
};
