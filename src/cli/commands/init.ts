/** `sne-gateway init`: the home directory, its config, registry, mailboxes and national key. Idempotent. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { nationalKeyLocation, openRegistry } from '../../app.js';
import { configPath, homePath, loadConfig } from '../../config/load.js';
import { describeRegistry } from '../../config/registry-location.js';
import { DEFAULTS, type Config } from '../../config/schema.js';
import { ensureNationalKey } from '../../crypto/national-keys.js';
import { ensureMaildir, ensureMaildirPlusPlus } from '../../mail/maildir.js';
import { BASE_ECOLE_LIGNE } from '../ecole.js';
import { OperationError, type RegisterCommand } from '../context.js';

export interface InitReport {
  readonly config: Readonly<Config>;
  readonly lines: readonly string[];
}

export const registerInit: RegisterCommand = (program, context) => {
  program
    .command('init')
    .description('crée la configuration, le registre, les boîtes Maildir et la clé nationale si absents (idempotent)')
    .option('--address <adresse>', 'adresse de dépôt de la passerelle (à la création de la configuration)')
    .option('--ecole', 'base école : passerelle de test des logiciels des guichets, réponses marquées « SPÉCIMEN », aucun courriel aux demandeurs (à la création)')
    .action(async (options: { address?: string; ecole?: boolean }) => {
      const overrides = { ...(options.address ? { address: options.address } : {}), ...(options.ecole ? { ecole: true } : {}) };
      const report = await initHome(context.home(), overrides, context.configFile().path);
      report.lines.forEach(context.out);
      nextSteps(context.home()).forEach(context.out);
    });
};

/** What a newcomer does next, with the home spelled out so that each line runs as written. */
export function nextSteps(home: string): string[] {
  const sne = `npx sne-gateway --home ${home}`;
  return [
    '',
    'Étapes suivantes :',
    `  1. enrôlez un guichet avec sa clé publique : ${sne} guichets add G1104 --name "Bailleur" --address "1 rue A, 93200 Saint-Denis" --sender lots@guichet.example --reply retours@guichet.example --key cle-guichet.asc --departments 93`,
    `  2. donnez au guichet la clé publique nationale : ${sne} keys national export > cle-nationale.asc`,
    `  3. lancez la passerelle : ${sne} run  (vérifiez d'abord : ${sne} doctor)`,
  ];
}

/** What `init` writes into a new configuration: the deposit address, a base école (spec 9). */
export interface InitOverrides {
  readonly address?: string;
  readonly ecole?: boolean;
}

/** `file`: the configuration file (`--config`), created there when missing; by default the home's. */
export async function initHome(home: string, overrides: InitOverrides = {}, file: string = configPath(home)): Promise<InitReport> {
  const lines: string[] = [];
  // Personal data lives here: the home is its owner's alone (0700), every file in it 0600.
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const existing = existsSync(file);
  if (existing) {
    lines.push(`✔ configuration existante : ${file}`);
  } else {
    const gateway = { ...DEFAULTS.gateway, ...(overrides.address ? { address: overrides.address } : {}), ...(overrides.ecole ? { ecole: true } : {}) };
    writeFileSync(file, `${JSON.stringify({ ...DEFAULTS, gateway }, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    lines.push(`✔ configuration créée : ${file}`);
  }
  const config = loadConfig(home, process.env, { file: { path: file, explicit: true } });
  // A base école's registry is its own (spec 9): a real home is never turned into one.
  if (existing && overrides.ecole === true && !config.gateway.ecole) {
    throw new OperationError(
      `${home} est déjà le dossier de travail d'une passerelle réelle : une base école a son propre dossier et son propre registre (« sne-gateway --home AUTRE_DOSSIER init --ecole »).`,
    );
  }
  if (config.gateway.ecole) lines.push(`✔ ${BASE_ECOLE_LIGNE}`);

  const registry = (await openRegistry(config));
  lines.push(`✔ registre : ${describeRegistry(config)} (schéma version ${registry.schemaVersion})`);
  await registry.close();

  await ensureMaildirPlusPlus(homePath(config, config.mailbox.path));
  lines.push(`✔ boîte de dépôt (Maildir) : ${homePath(config, config.mailbox.path)}`);
  await ensureMaildir(homePath(config, config.sender.path));
  lines.push(`✔ boîte d'envoi (Maildir) : ${homePath(config, config.sender.path)}`);

  mkdirSync(homePath(config, config.keys.dir), { recursive: true, mode: 0o700 });
  const key = await ensureNationalKey(nationalKeyLocation(config));
  lines.push(`✔ clé nationale ${key.created ? 'créée' : 'existante'} : ${key.fingerprint}`);
  return { config, lines };
}
