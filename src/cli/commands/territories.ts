/**
 * `sne-gateway territories set|list`: each département's settings (spec 5.2, 5.3): the "délai
 * anormalement long" and commission de médiation address printed on its attestations, and whether
 * préavis de renouvellement are also mailed to its demandeurs. Per département, even in
 * Île-de-France where numbering is regional (`111`): each département has its own prefectoral
 * order and its own commission. A département left unset gets the default paragraph (see
 * src/replies/territoires.ts), and `list` says so.
 */
import type { Command } from 'commander';
import { openRegistry } from '../../app.js';
import type { TerritorySettings } from '../../registry/model.js';
import { commandeParametrage, departementsOnDefaults } from '../../replies/territoires.js';
import { isDepartement } from '../../rules/reference/index.js';
import { banniereEcole } from '../ecole.js';
import type { CliContext, RegisterCommand } from '../context.js';

/** The registry refuses anything else (migration 2). */
const DELAI_MAX_MOIS = 120;

export const registerTerritories: RegisterCommand = (program, context) => {
  const territories = program
    .command('territories')
    .description('paramètres de chaque département (délai anormalement long, commission de médiation, préavis aux demandeurs)');

  territories
    .command('set')
    .description('fixe le délai anormalement long, l’adresse de la commission de médiation et l’envoi des préavis aux demandeurs d’un département')
    .argument('<departement>', 'département (75, 93, 13, 2A, 971)')
    .option('--delai-anormalement-long <mois>', 'délai anormalement long, en mois (1 à 120), fixé par arrêté préfectoral')
    .option('--commission-adresse <adresse>', 'adresse postale de la commission de médiation (lignes séparées par des retours à la ligne)')
    .option('--preavis-demandeur <oui|non>', 'envoyer aussi le préavis de renouvellement au courriel du demandeur (défaut : non)')
    .action(async (code: string, options: SetOptions, command: Command) => {
      await setTerritory(context, command, code, options);
    });

  territories
    .command('list')
    .hook('preAction', banniereEcole(context))
    .description('liste les départements paramétrés, et ceux de guichets actifs restés sur le texte par défaut')
    .option('--json', 'sortie JSON')
    .action(async (options: { json?: boolean }) => listTerritories(context, options));
};

interface SetOptions {
  delaiAnormalementLong?: string;
  commissionAdresse?: string;
  preavisDemandeur?: string;
}

/** `93` → `93`, `2a` → `2A`, `093` → `93`; undefined for no département. */
export function departementOf(code: string): string | undefined {
  const upper = code.trim().toUpperCase();
  const departement = /^0\d\d$|^02[AB]$/.test(upper) ? upper.slice(1) : upper;
  return isDepartement(departement) ? departement : undefined;
}

/** A usage error: status 2, in French. */
export function usage(command: Command, message: string): never {
  return command.error(`erreur : ${message}`, { exitCode: 2, code: 'sne.usage' });
}

function ouiNon(command: Command, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'oui') return true;
  if (v === 'non') return false;
  return usage(command, `--preavis-demandeur : « oui » ou « non » est attendu (reçu « ${value} »).`);
}

async function setTerritory(context: CliContext, command: Command, code: string, options: SetOptions): Promise<void> {
  const departement = departementOf(code);
  if (departement === undefined) usage(command, `« ${code} » n’est pas un département (75, 93, 13, 2A, 971).`);
  let delai: number | undefined;
  if (options.delaiAnormalementLong !== undefined) {
    delai = Number(options.delaiAnormalementLong);
    if (!/^\d+$/.test(options.delaiAnormalementLong.trim()) || delai < 1 || delai > DELAI_MAX_MOIS) {
      usage(command, `--delai-anormalement-long : un nombre entier de mois entre 1 et ${DELAI_MAX_MOIS} est attendu (reçu « ${options.delaiAnormalementLong} »).`);
    }
  }
  const adresse = options.commissionAdresse?.replace(/\r\n?/g, '\n').trim();
  if (adresse !== undefined && adresse === '') usage(command, '--commission-adresse : l’adresse ne peut pas être vide.');
  const preavis = ouiNon(command, options.preavisDemandeur);

  const registry = await openRegistry(context.config());
  try {
    const known = await registry.getTerritory(departement);
    const delaiAnormalementLongMois = delai ?? known?.delaiAnormalementLongMois;
    const commissionAdresse = adresse ?? known?.commissionAdresse;
    if (delaiAnormalementLongMois === undefined || commissionAdresse === undefined) {
      usage(command, `le département ${departement} n’est pas encore paramétré : donnez --delai-anormalement-long et --commission-adresse.`);
    }
    const settings: TerritorySettings = {
      departement,
      delaiAnormalementLongMois,
      commissionAdresse,
      preavisDemandeur: preavis ?? known?.preavisDemandeur ?? false,
      modifieAt: context.clock().now().toISOString(),
    };
    await registry.setTerritory(settings);
    context.out(`✔ département ${departement} : ${enClair(settings)}`);
  } finally {
    await registry.close();
  }
}

const enLigne = (adresse: string) => adresse.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(', ');

const enClair = (t: TerritorySettings) =>
  `délai anormalement long ${t.delaiAnormalementLongMois} mois ; commission de médiation : ${enLigne(t.commissionAdresse)} ; préavis aux demandeurs : ${t.preavisDemandeur ? 'oui' : 'non'}`;

async function listTerritories(context: CliContext, options: { json?: boolean }): Promise<void> {
  const registry = await openRegistry(context.config());
  try {
    const settings = await registry.listTerritories();
    const defaults = await departementsOnDefaults(registry);
    if (options.json) {
      context.out(
        JSON.stringify(
          [
            ...settings.map((t) => ({ ...t, parDefaut: false })),
            ...defaults.map((departement) => ({ departement, parDefaut: true })),
          ].sort((a, b) => (a.departement < b.departement ? -1 : 1)),
          null,
          2,
        ),
      );
      return;
    }
    if (settings.length === 0 && defaults.length === 0) context.out('Aucun département paramétré, aucun guichet actif.');
    for (const t of settings) context.out(`${t.departement}\t${enClair(t)}\t(modifié le ${t.modifieAt.slice(0, 10)})`);
    for (const departement of defaults) {
      context.out(`${departement}\t⚠ non paramétré : les attestations renvoient au préfet pour le délai et l’adresse de la commission (${commandeParametrage(departement)})`);
    }
  } finally {
    await registry.close();
  }
}
