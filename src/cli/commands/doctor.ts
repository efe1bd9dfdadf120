/**
 * `sne-gateway doctor`: one line per check, ✔ or ✘ with the fix. Each check is a function in
 * one table; a failing check never stops the others. Exit status 1 when any check fails.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { nationalKeyLocation, openRegistry } from '../../app.js';
import { homePath } from '../../config/load.js';
import { describeRegistry, sqlitePath } from '../../config/registry-location.js';
import { findLooseModes } from '../../config/home-modes.js';
import type { Config } from '../../config/schema.js';
import { serverPassword } from '../../config/secrets.js';
import { inspectPublicKey } from '../../crypto/index.js';
import { describeNationalKeys, loadNationalKeyring } from '../../crypto/national-keys.js';
import { readCertificate } from '../../https/certificates.js';
import { senderConflicts } from '../../registry/sender-conflicts.js';
import type { OutboxItem } from '../../registry/model.js';
import { SCHEMA_VERSION, type Registry } from '../../registry/registry.js';
import { avertissementNonParametre, commandeParametrage, departementsOnDefaults } from '../../replies/territoires.js';
import { loadReference } from '../../rules/reference/index.js';
import { OperationError, type RegisterCommand } from '../context.js';
import { BASE_ECOLE_LIGNE } from '../ecole.js';
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

const registryCheck: Check = ({ config, registry }) => [
  registry.schemaVersion === SCHEMA_VERSION
    ? { ok: true, label: `registre : ${registry.server}, ${describeRegistry(config)}, schéma version ${registry.schemaVersion}` }
    : {
        ok: false,
        label: `registre : ${registry.server}, ${describeRegistry(config)}, schéma version ${registry.schemaVersion}, ${SCHEMA_VERSION} attendue`,
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
  for (const guichet of (await registry.listGuichets()).filter((g) => g.actif)) {
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

/** A connection to a mail server is given this long to connect, authenticate and close. */
export const PROBE_TIMEOUT_MS = 5_000;

/** The server's URL as shown: never a password (the configuration refuses one anyway). */
const shown = (url: string) => url.replace(/\/\/[^@/]*:[^@/]*@/, '//');

async function serverCheck(config: Readonly<Config>, owner: 'mailbox' | 'sender'): Promise<CheckResult> {
  const label = owner === 'mailbox' ? 'boîte de dépôt : IMAP' : "boîte d'envoi : SMTP";
  const url = config[owner].url;
  const fix =
    owner === 'mailbox'
      ? 'vérifiez mailbox.url, le mot de passe (SNE_GATEWAY_MAILBOX_PASSWORD ou mailbox.passwordFile), mailbox.caFile, et que le serveur est joignable'
      : 'vérifiez sender.url, le mot de passe (SNE_GATEWAY_SENDER_PASSWORD ou sender.passwordFile), sender.caFile, et que le serveur est joignable';
  try {
    const ca = config[owner].caFile === '' ? undefined : readFileSync(homePath(config, config[owner].caFile));
    const options = { url, password: serverPassword(config, owner), ca, timeoutMs: PROBE_TIMEOUT_MS };
    // The server edges are imported only to probe them (imapflow alone weighs ~25 MB).
    if (owner === 'sender') {
      const { probeSmtp } = await import('../../mail/smtp.js');
      await probeSmtp(options);
      return { ok: true, label: `${label} ${shown(url)} : connexion et authentification réussies` };
    }
    const { probeImap } = await import('../../mail/imap.js');
    const { mailbox, messages } = await probeImap(options);
    return { ok: true, label: `${label} ${shown(url)} : connexion et authentification réussies ; ${messages} message(s) dans ${mailbox}` };
  } catch (error) {
    return { ok: false, label: `${label} ${shown(url)} : ${error instanceof Error ? error.message : String(error)}`, fix };
  }
}

/** A sender address of two guichets: its lots would be attributed to whichever the lookup finds. */
const sendersCheck: Check = async ({ registry }) => {
  const conflicts = senderConflicts(await registry.listGuichets());
  if (conflicts.length === 0) return [{ ok: true, label: "adresses d'envoi : chacune désigne un seul guichet" }];
  return conflicts.map((c) => ({
    ok: false,
    label: `adresse d'envoi ${c.adresse} : attribuée aux guichets ${c.guichets.join(', ')}`,
    fix: `gardez-la à un seul guichet : sne-gateway guichets update CODE --sender … pour les autres`,
  }));
};

const edgesCheck: Check = async ({ config }) => [
  config.mailbox.kind === 'imap' ? await serverCheck(config, 'mailbox') : maildirCheck('boîte de dépôt', homePath(config, config.mailbox.path)),
  config.sender.kind === 'smtp' ? await serverCheck(config, 'sender') : maildirCheck("boîte d'envoi", homePath(config, config.sender.path)),
];

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** The listeners `run` opens, off unless their port is set: the HTTPS channel and the operations endpoints (spec 7). */
const listenersCheck: Check = ({ config, now }) => [httpsListener(config, now), opsListener(config)];

function opsListener(config: Readonly<Config>): CheckResult {
  const { port, host } = config.ops;
  if (port === 0) return { ok: true, label: "points d'accès d'exploitation : désactivés (ops.port vaut 0)" };
  const label = `points d'accès d'exploitation : http://${hostPort(host, port)}/livez, /readyz, /metrics (ouverts par sne-gateway run)`;
  return LOOPBACK.has(host)
    ? { ok: true, label }
    : { ok: true, warning: true, label: `${label}, joignables hors de cette machine, sans authentification`, fix: "limitez l'accès (pare-feu) aux seuls serveurs de supervision, ou ops.host 127.0.0.1" };
}

/** The HTTPS channel: `run` would fail to start it without a readable certificate and its key. */
function httpsListener(config: Readonly<Config>, now: Date): CheckResult {
  const { port, host, certFile, keyFile } = config.http;
  if (port === 0) return { ok: true, label: 'canal HTTPS : désactivé (http.port vaut 0)' };
  const label = `canal HTTPS : https://${hostPort(host, port)}/v1/lots (ouvert par sne-gateway run)`;
  const fix = 'http.certFile : le certificat du serveur en PEM (sa chaîne à la suite) ; http.keyFile : sa clé privée en PEM, non chiffrée';
  // Both are set: the configuration requires them with http.port.
  const read = (setting: string, file: string): Buffer | string => {
    try {
      return readFileSync(homePath(config, file));
    } catch {
      return `${setting} : ${homePath(config, file)} illisible`;
    }
  };
  const cert = read('http.certFile', certFile);
  const key = read('http.keyFile', keyFile);
  for (const found of [cert, key]) if (typeof found === 'string') return { ok: false, label: `${label} : ${found}`, fix };
  let info;
  try {
    info = readCertificate(cert as Buffer);
  } catch {
    return { ok: false, label: `${label} : http.certFile ne contient pas de certificat lisible`, fix };
  }
  try {
    if (!new X509Certificate(cert as Buffer).checkPrivateKey(createPrivateKey(key as Buffer))) {
      return { ok: false, label: `${label} : la clé de http.keyFile n'est pas celle du certificat`, fix };
    }
  } catch {
    return { ok: false, label: `${label} : http.keyFile ne contient pas de clé privée lisible (PEM non chiffré)`, fix };
  }
  const day = (d: Date) => d.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });
  const certificate = `certificat ${info.subject}, valable du ${day(info.validFrom)} au ${day(info.validTo)}`;
  if (info.validTo < now || info.validFrom > now) return { ok: false, label: `${label}, ${certificate}`, fix: 'renouvelez le certificat du serveur (http.certFile)' };
  if (soon(info.validTo, now)) return { ok: true, warning: true, label: `${label}, ${certificate}`, fix: 'renouvelez le certificat du serveur (http.certFile)' };
  return { ok: true, label: `${label}, ${certificate}` };
}

const territoriesCheck: Check = async ({ registry }) =>
  (await departementsOnDefaults(registry)).map((departement) => ({
    ok: true,
    warning: true,
    label: avertissementNonParametre(departement),
    fix: commandeParametrage(departement),
  }));

/** A reply waiting longer than this deserves a look (the retry delay tops out at one hour). */
export const OUTBOX_WAIT_WARNING_MS = 3_600_000;

const since = async (item: OutboxItem, registry: Registry): Promise<string | undefined> => item.premiereTentative ?? item.queuedAt ?? (item.lotId === undefined ? undefined : (await registry.getLot(item.lotId))?.traiteAt);

const outboxCheck: Check = async ({ registry, now }) => {
  const results: CheckResult[] = (await registry.outboxByStatut('ECHEC')).map((item) => ({
    ok: false,
    label: `réponse ${item.id} (${item.kind}, lot ${item.lotId}) en échec depuis le ${item.echecAt ?? '?'} : ${item.derniereErreur ?? 'raison inconnue'}`,
    fix: `sne-gateway outbox show ${item.id}, corrigez la cause, puis sne-gateway outbox retry ${item.id}`,
  }));
  const waiting = [...await registry.outboxByStatut('A_PREPARER'), ...await registry.outboxByStatut('PRET')];
  for (const item of waiting) {
    const from = await since(item, registry);
    if (from === undefined || now.getTime() - new Date(from).getTime() <= OUTBOX_WAIT_WARNING_MS) continue;
    results.push({
      ok: true,
      warning: true,
      label: `réponse ${item.id} (${item.kind}, lot ${item.lotId}) en attente depuis le ${from}, ${item.tentatives} tentative(s)${item.derniereErreur ? ` : ${item.derniereErreur}` : ''}`,
      fix: `sne-gateway outbox show ${item.id} ; une fois la cause corrigée : sne-gateway outbox retry ${item.id}`,
    });
  }
  return results.length > 0 ? results : [{ ok: true, label: "file d'envoi : aucune réponse en échec ni en attente depuis plus d'une heure" }];
};

const referenceCheck: Check = ({ config }) => {
  // The edition the gateway will use: an imported one (reference import) over the bundled one.
  const edition = loadReference(config.home).edition();
  return [{ ok: true, label: `référentiel : ${edition.source} ${edition.version}${edition.date ? ` (${edition.date})` : ''}, ${edition.communes} communes, ${edition.codesPostaux} codes postaux` }];
};

/** Loose modes listed one by one up to this many; the rest are counted on one line. */
export const LOOSE_MODES_LISTED = 10;

const quote = (path: string) => (/^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`);

/** The home and whatever the configuration puts outside it: nothing but their owner may read them. */
const modesCheck: Check = ({ config }) => {
  const home = resolve(homePath(config, '.'));
  const configured = [sqlitePath(config) ?? '', config.mailbox.kind === 'maildir' ? config.mailbox.path : '', config.sender.kind === 'maildir' ? config.sender.path : '', config.keys.dir, config.keys.passphraseFile]
    .filter((path) => path !== '')
    .map((path) => resolve(homePath(config, path)));
  const outside = configured.filter((path) => relative(home, path).startsWith('..'));
  const loose = [...new Set([home, ...outside])].flatMap((root) => (existsSync(root) ? findLooseModes(root) : []));
  if (loose.length === 0) return [{ ok: true, label: 'droits : dossier de travail réservé à son propriétaire (dossiers 0700, fichiers 0600)' }];
  const results: CheckResult[] = loose.slice(0, LOOSE_MODES_LISTED).map(({ path, directory, mode }) => ({
    ok: false,
    label: `droits : ${directory ? 'le dossier' : 'le fichier'} ${path} est accessible à d'autres utilisateurs que son propriétaire (mode ${mode.toString(8).padStart(4, '0')}) ; il contient ou mène à des données personnelles`,
    fix: `chmod ${directory ? '700' : '600'} ${quote(path)}`,
  }));
  if (loose.length > LOOSE_MODES_LISTED) {
    results.push({
      ok: false,
      label: `droits : ${loose.length - LOOSE_MODES_LISTED} autre(s) fichier(s) ou dossier(s) accessibles à d'autres utilisateurs`,
      fix: `chmod -R go= ${quote(home)}`,
    });
  }
  return results;
};

/** Said only of a base école (spec 9), as a warning: nothing it holds is real. */
const ecoleCheck: Check = ({ config }) =>
  config.gateway.ecole
    ? [{ ok: true, warning: true, label: BASE_ECOLE_LIGNE, fix: 'une passerelle réelle a son propre dossier de travail, initialisé sans --ecole' }]
    : [];

/** The checks, in the order they are printed. */
export const CHECKS: readonly Check[] = [ecoleCheck, registryCheck, modesCheck, nationalKeysCheck, guichetKeysCheck, sendersCheck, edgesCheck, listenersCheck, outboxCheck, referenceCheck, territoriesCheck];

export async function runChecks(config: Readonly<Config>, now: Date = new Date()): Promise<CheckResult[]> {
  const registry = (await openRegistry(config));
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
    await registry.close();
  }
}

export const registerDoctor: RegisterCommand = (program, context) => {
  program
    .command('doctor')
    .description("vérifie la configuration, le registre, les droits du dossier de travail, les clés, les boîtes et serveurs de courrier, la file d'envoi, le référentiel et les territoires ; une ligne par point, avec le remède")
    .option('--json', 'sortie JSON')
    .action(async (options: { json?: boolean }) => {
      const results: CheckResult[] = [];
      let config: Readonly<Config> | undefined;
      try {
        config = context.config();
        const file = context.configFile();
        results.push({
          ok: existsSync(homePath(config, '.')),
          label: `configuration : ${existsSync(file.path) ? file.path : 'valeurs par défaut (pas de fichier)'}, dossier de travail ${context.home()}`,
          fix: 'sne-gateway init',
        });
      } catch (error) {
        // A home without a registry is reported, never created here.
        const fix = error instanceof OperationError ? 'vérifiez --home, ou sne-gateway init' : 'corrigez le paramètre nommé (fichier ou variable d’environnement)';
        results.push({ ok: false, label: `configuration : ${error instanceof Error ? error.message : String(error)}`, fix });
      }
      if (config) results.push(...(await runChecks(config, context.clock().now())));
      if (options.json) context.out(JSON.stringify(results, null, 2));
      else for (const r of results) context.out(`${r.ok ? (r.warning ? '⚠' : '✔') : '✘'} ${r.label}${r.fix && (!r.ok || r.warning) ? `\n    → ${r.fix}` : ''}`);
      process.exitCode = results.every((r) => r.ok) ? 0 : 1;
    });
};
