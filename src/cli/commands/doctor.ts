/**
 * `sne-gateway doctor`: one line per check, ✔ or ✘ with the fix. Each check is a function in
 * one table; a failing check never stops the others. Exit status 1 when any check fails.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { nationalKeyLocation, openRegistry } from '../../app.js';
import { homePath, loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { inspectPublicKey } from '../../crypto/index.js';
import { describeNationalKeys, loadNationalKeyring } from '../../crypto/national-keys.js';
import { MIGRATIONS } from '../../registry/sqlite/migrations.js';
import type { Registry } from '../../registry/types.js';
import { loadBundledReference } from '../../rules/reference/index.js';
import type { RegisterCommand } from '../context.js';
import { EXPIRY_WARNING_DAYS, expiryNote } from './keys.js';

export interface CheckResult {
  readonly ok: boolean;
  /** What was checked and what was found, in French. */
  readonly label: string;
  /** What to do when it failed. */
  readonly fix?: string;
  /** A warning: passes, but deserves attention (✔ with ⚠). */
  readonly warning?: boolean;
}

interface DoctorContext {
  readonly config: Readonly<Config>;
  readonly registry: Registry;
  readonly now: Date;
}

type Check = (context: DoctorContext) => Promise<readonly CheckResult[]> | readonly CheckResult[];

const soon = (expiresAt: Date | null, now: Date) =>
  expiresAt !== null && expiresAt.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * 86_400_000;

const registryCheck: Check = ({ registry }) => [
  registry.schemaVersion === MIGRATIONS.length
    ? { ok: true, label: `registre : schéma version ${registry.schemaVersion}` }
    : {
        ok: false,
        label: `registre : schéma version ${registry.schemaVersion}, ${MIGRATIONS.length} attendue`,
        fix: 'mettez sne-gateway à jour : le registre a été écrit par une version plus récente',
      },
];

const nationalKeysCheck: Check = async ({ config, now }) => {
  const location = nationalKeyLocation(config);
  const keys = await describeNationalKeys(location).catch(() => []);
  if (keys.length === 0) return [{ ok: false, label: 'clé nationale : absente', fix: 'sne-gateway init, ou sne-gateway keys national create' }];
  const results: CheckResult[] = [];
  try {
    const keyring = await loadNationalKeyring(location);
    results.push({ ok: true, label: `clé nationale : ${keys.length} en service, la phrase secrète les ouvre ; ${keyring.signingFingerprint} signe` });
  } catch (error) {
    results.push({
      ok: false,
      label: `clé nationale : ne s'ouvre pas (${error instanceof Error ? error.message : String(error)})`,
      fix: 'vérifiez SNE_GATEWAY_KEY_PASSPHRASE ou le fichier de phrase secrète (keys.passphraseFile)',
    });
  }
  const newest = keys[0]!;
  if (newest.expiresAt !== null && newest.expiresAt <= now) {
    results.push({ ok: false, label: `clé nationale ${newest.fingerprint} : ${expiryNote(newest.expiresAt, now)}`, fix: 'sne-gateway keys national create, puis diffusez-la aux guichets' });
  } else if (soon(newest.expiresAt, now)) {
    results.push({ ok: true, warning: true, label: `clé nationale ${newest.fingerprint} : ${expiryNote(newest.expiresAt, now)}`, fix: 'créez la suivante (keys national create) et diffusez-la aux guichets' });
  }
  return results;
};

const guichetKeysCheck: Check = async ({ registry, now }) => {
  const results: CheckResult[] = [];
  for (const guichet of registry.listGuichets().filter((g) => g.actif)) {
    const infos = await Promise.all(guichet.cles.map((k) => inspectPublicKey(k.armored).catch(() => undefined)));
    const usable = infos.filter((i) => i?.canEncrypt);
    if (usable.length === 0) {
      results.push({ ok: false, label: `guichet ${guichet.code} : aucune clé utilisable pour chiffrer ses réponses`, fix: `sne-gateway guichets keys add ${guichet.code} FICHIER` });
    } else if (usable.every((i) => soon(i!.expiresAt, now))) {
      results.push({ ok: true, warning: true, label: `guichet ${guichet.code} : ${expiryNote(usable[0]!.expiresAt, now)}`, fix: `demandez-lui sa prochaine clé (guichets keys add ${guichet.code} FICHIER)` });
    } else {
      results.push({ ok: true, label: `guichet ${guichet.code} : ${usable.length} clé(s) valide(s)` });
    }
  }
  return results.length > 0 ? results : [{ ok: true, warning: true, label: 'guichets : aucun guichet actif', fix: 'sne-gateway guichets add …' }];
};

const maildirCheck = (label: string, path: string): CheckResult => {
  try {
    for (const sub of ['new', 'cur', 'tmp']) accessSync(`${path}/${sub}`, constants.R_OK | constants.W_OK);
    return { ok: true, label: `${label} : Maildir ${path}` };
  } catch {
    return { ok: false, label: `${label} : Maildir ${path} absent ou non inscriptible`, fix: 'sne-gateway init (crée les dossiers), ou corrigez les droits' };
  }
};

const edgesCheck: Check = ({ config }) => [
  maildirCheck('boîte de dépôt', homePath(config, config.mailbox.path)),
  maildirCheck("boîte d'envoi", homePath(config, config.sender.path)),
];

const referenceCheck: Check = () => {
  const edition = loadBundledReference().edition();
  return [{ ok: true, label: `référentiel : ${edition.source} ${edition.version}${edition.date ? ` (${edition.date})` : ''}, ${edition.communes} communes, ${edition.codesPostaux} codes postaux` }];
};

/** The checks, in the order they are printed. */
export const CHECKS: readonly Check[] = [registryCheck, nationalKeysCheck, guichetKeysCheck, edgesCheck, referenceCheck];

export async function runChecks(config: Readonly<Config>, now: Date = new Date()): Promise<CheckResult[]> {
  const registry = openRegistry(config);
  try {
    const results: CheckResult[] = [];
    for (const check of CHECKS) {
      try {
        results.push(...(await check({ config, registry, now })));
      } catch (error) {
        results.push({ ok: false, label: `vérification interrompue : ${error instanceof Error ? error.message : String(error)}` });
      }
    }
    return results;
  } finally {
    registry.close();
  }
}

export const registerDoctor: RegisterCommand = (program, context) => {
  program
    .command('doctor')
    .description('vérifie la configuration, le registre, les clés, les boîtes et le référentiel ; une ligne par point, avec le remède')
    .option('--json', 'sortie JSON')
    .action(async (options: { json?: boolean }) => {
      const results: CheckResult[] = [];
      let config: Readonly<Config> | undefined;
      try {
        config = loadConfig(context.home());
        results.push({ ok: existsSync(homePath(config, '.')), label: `configuration : ${context.home()}` });
      } catch (error) {
        results.push({ ok: false, label: `configuration : ${error instanceof Error ? error.message : String(error)}`, fix: 'corrigez le paramètre nommé (fichier ou variable d’environnement)' });
      }
      if (config) results.push(...(await runChecks(config)));
      if (options.json) context.out(JSON.stringify(results, null, 2));
      else for (const r of results) context.out(`${r.ok ? (r.warning ? '⚠' : '✔') : '✘'} ${r.label}${r.fix && (!r.ok || r.warning) ? `\n    → ${r.fix}` : ''}`);
      process.exitCode = results.every((r) => r.ok) ? 0 : 1;
    });
};
