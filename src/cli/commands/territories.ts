/**
 * `sne-gateway territories set|list`: each territory's "délai anormalement long" and commission de
 * médiation address, printed on its attestations (spec 5.2). A département names its territory
 * (93 → 111 for Île-de-France, 13 → 013, 2A → 02A). A territory left unset gets the default
 * paragraph (see src/replies/territoires.ts), and `list` says so.
 */
import type { Command } from 'commander';
import { openRegistry } from '../../app.js';
import type { TerritorySettings } from '../../registry/model.js';
import { territoriesOnDefaults } from '../../replies/territoires.js';
import { ILE_DE_FRANCE_TERRITORY, territoryOf } from '../../rules/reference/index.js';
import type { CliContext, RegisterCommand } from '../context.js';

/** The registry refuses anything else (migration 2). */
const DELAI_MAX_MOIS = 120;

export const registerTerritories: RegisterCommand = (program, context) => {
  const territories = program
    .command('territories')
    .description('paramètres des territoires imprimés sur les attestations (délai anormalement long, commission de médiation)');

  territories
    .command('set')
    .description('fixe le délai anormalement long et l’adresse de la commission de médiation d’un territoire')
    .argument('<departement>', 'département (93, 13, 2A, 971) ou territoire (111, 013, 02A)')
    .option('--delai-anormalement-long <mois>', 'délai anormalement long, en mois (1 à 120), fixé par arrêté préfectoral')
    .option('--commission-adresse <adresse>', 'adresse postale de la commission de médiation (lignes séparées par des retours à la ligne)')
    .action(async (code: string, options: { delaiAnormalementLong?: string; commissionAdresse?: string }, command: Command) => {
      await setTerritory(context, command, code, options);
    });

  territories
    .command('list')
    .description('liste les territoires paramétrés, et ceux de guichets actifs restés sur le texte par défaut')
    .option('--json', 'sortie JSON')
    .action(async (options: { json?: boolean }) => listTerritories(context, options));
};

/** `93` → `111`, `13` → `013`, `2A` → `02A`; a territory code is accepted as it is. */
export function territoireOf(code: string): string | undefined {
  const upper = code.trim().toUpperCase();
  if (upper === ILE_DE_FRANCE_TERRITORY) return upper;
  return territoryOf(upper) ?? (territoryOf(upper.replace(/^0/, '')) === upper ? upper : undefined);
}

/** A usage error: status 2, in French. */
export function usage(command: Command, message: string): never {
  return command.error(`erreur : ${message}`, { exitCode: 2, code: 'sne.usage' });
}

async function setTerritory(
  context: CliContext,
  command: Command,
  code: string,
  options: { delaiAnormalementLong?: string; commissionAdresse?: string },
): Promise<void> {
  const territoire = territoireOf(code);
  if (territoire === undefined) usage(command, `« ${code} » n’est ni un département (93, 13, 2A, 971) ni un territoire (111, 013, 02A).`);
  let delai: number | undefined;
  if (options.delaiAnormalementLong !== undefined) {
    delai = Number(options.delaiAnormalementLong);
    if (!/^\d+$/.test(options.delaiAnormalementLong.trim()) || delai < 1 || delai > DELAI_MAX_MOIS) {
      usage(command, `--delai-anormalement-long : un nombre entier de mois entre 1 et ${DELAI_MAX_MOIS} est attendu (reçu « ${options.delaiAnormalementLong} »).`);
    }
  }
  const adresse = options.commissionAdresse?.replace(/\r\n?/g, '\n').trim();
  if (adresse !== undefined && adresse === '') usage(command, '--commission-adresse : l’adresse ne peut pas être vide.');

  const registry = (await openRegistry(context.config()));
  try {
    const known = await registry.getTerritory(territoire);
    const delaiAnormalementLongMois = delai ?? known?.delaiAnormalementLongMois;
    const commissionAdresse = adresse ?? known?.commissionAdresse;
    if (delaiAnormalementLongMois === undefined || commissionAdresse === undefined) {
      usage(command, `le territoire ${territoire} n’est pas encore paramétré : donnez --delai-anormalement-long et --commission-adresse.`);
    }
    const settings: TerritorySettings = {
      territoire: territoire,
      delaiAnormalementLongMois: delaiAnormalementLongMois,
      commissionAdresse: commissionAdresse,
      modifieAt: context.clock().now().toISOString(),
    };
    await registry.setTerritory(settings);
    context.out(`✔ territoire ${territoire} : délai anormalement long ${settings.delaiAnormalementLongMois} mois ; commission de médiation : ${enLigne(settings.commissionAdresse)}`);
  } finally {
    await registry.close();
  }
}

const enLigne = (adresse: string) => adresse.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(', ');

async function listTerritories(context: CliContext, options: { json?: boolean }): Promise<void> {
  const registry = (await openRegistry(context.config()));
  try {
    const settings = await registry.listTerritories();
    const defaults = await territoriesOnDefaults(registry);
    if (options.json) {
      context.out(
        JSON.stringify(
          [
            ...settings.map((t) => ({ ...t, parDefaut: false })),
            ...defaults.map((territoire) => ({ territoire, parDefaut: true })),
          ].sort((a, b) => (a.territoire < b.territoire ? -1 : 1)),
          null,
          2,
        ),
      );
      return;
    }
    if (settings.length === 0 && defaults.length === 0) context.out('Aucun territoire paramétré, aucun guichet actif.');
    for (const t of settings) {
      context.out(`${t.territoire}\tdélai anormalement long : ${t.delaiAnormalementLongMois} mois\tcommission : ${enLigne(t.commissionAdresse)}\t(modifié le ${t.modifieAt.slice(0, 10)})`);
    }
    for (const territoire of defaults) {
      context.out(`${territoire}\t⚠ non paramétré : les attestations renvoient au préfet pour le délai et l’adresse de la commission (sne-gateway territories set ${territoire} …)`);
    }
  } finally {
    await registry.close();
  }
}
