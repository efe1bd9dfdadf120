/**
 * `sne-gateway demandes search --nom … --prenom … --naissance AAAA-MM-JJ [--territoire …] [--json]`:
 * a gestionnaire investigating a suspected doublon finds a demandeur's demandes, ACTIVE and
 * RADIEE, compared as the doublon rule compares (the same key, `cleRecherche`). It prints where
 * each demande is and how it stands, never the demandeur's data: the gestionnaire asked with it.
 */
import type { Command } from 'commander';
import { radiationLabel } from '../../registry/audit-labels.js';
import { cleRecherche } from '../../registry/doublon.js';
import type { DemandeTrouvee } from '../../registry/model.js';
import { ILE_DE_FRANCE_TERRITORY, territoryOf } from '../../rules/reference/index.js';
import { banniereEcole } from '../ecole.js';
import type { CliContext, RegisterCommand } from '../context.js';
import { withRegistry } from './lots.js';
import { usage } from './territories.js';

interface Options {
  nom: string;
  prenom: string;
  naissance: string;
  territoire?: string;
  json?: boolean;
}

/** The numbering territory of a département (`93` → `093`) or a territory code itself (`111`, `013`). */
function territoireOf(code: string): string | undefined {
  const upper = code.trim().toUpperCase();
  if (upper === ILE_DE_FRANCE_TERRITORY) return upper;
  return territoryOf(upper) ?? (territoryOf(upper.replace(/^0/, '')) === upper ? upper : undefined);
}

const COLONNES = ['numéro unique', 'statut', 'territoire', 'guichet', 'dépôt', 'renouvellement', 'échéance', 'radiation'] as const;

function ligne(d: DemandeTrouvee): string[] {
  return [d.numeroUnique, d.statut, d.territoire, d.guichet, d.dateDepot, d.dateRenouvellement ?? '', d.dateEcheance, radiationLabel(d)];
}

/** Columns padded to their widest cell, the last one left as it is. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

export const registerDemandesSearch: RegisterCommand = (program, context) => {
  // `demandes` is registered by demandes.ts (history): share it.
  const demandes = program.commands.find((c) => c.name() === 'demandes') ?? program.command('demandes').description('consulte les demandes du registre');
  demandes
    .command('search')
    .hook('preAction', banniereEcole(context))
    .description(
      "demandes d'un demandeur, actives et radiées, comparées comme la règle des doublons (sans casse, accents, espaces ni tirets)",
    )
    .requiredOption('--nom <nom>', 'nom du demandeur')
    .requiredOption('--prenom <prenom>', 'prénom du demandeur')
    .requiredOption('--naissance <date>', 'date de naissance AAAA-MM-JJ')
    .option('--territoire <code>', 'seulement ce territoire : département (93, 13, 2A) ou territoire (111, 013, 02A)')
    .option('--json', 'sortie JSON')
    .action(async (options: Options, command: Command) => search(context, command, options));
};

async function search(context: CliContext, command: Command, options: Options): Promise<void> {
  const key = cleRecherche(options.nom, options.prenom, options.naissance);
  if ('invalide' in key) {
    usage(
      command,
      key.invalide === 'naissance'
        ? `--naissance : date « ${options.naissance} » invalide, attendu AAAA-MM-JJ.`
        : '--nom et --prenom doivent contenir au moins une lettre ou un chiffre.',
    );
  }
  let territoire: string | undefined;
  if (options.territoire !== undefined) {
    territoire = territoireOf(options.territoire);
    if (territoire === undefined) usage(command, `--territoire : « ${options.territoire} » n’est ni un département (93, 13, 2A, 971) ni un territoire (111, 013, 02A).`);
  }
  const found = await withRegistry(context, (registry) => registry.searchDemandes(key.cle, territoire));
  if (options.json) {
    context.out(JSON.stringify({ territoire: territoire ?? null, demandes: found }, null, 2));
    return;
  }
  const ou = territoire === undefined ? 'tous territoires' : `territoire ${territoire}`;
  if (found.length === 0) {
    context.out(`Aucune demande pour ce demandeur (${ou}).`);
    return;
  }
  const actives = found.filter((d) => d.statut === 'ACTIVE').length;
  context.out(`${found.length} demande(s) pour ce demandeur (${ou}), dont ${actives} active(s) :`);
  for (const row of table([COLONNES, ...found.map(ligne)])) context.out(row);
}
