/**
 * A gateway home on the embedded edges (deposit Maildir, outgoing Maildir, SQLite or a given
 * PostgreSQL database) with one
 * enrolled guichet, G1104 (93 and 75), whose software encrypts and signs lots as a guichet's
 * would (`sealLotMessage`). Lots over the 4 MiB attachment limit are zipped first, as the spec
 * lets a guichet do.
 */
import { zipSync } from 'fflate';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nationalKeyLocation, openGateway, openRegistry, type Gateway } from '../../src/app.js';
import { initHome } from '../../src/cli/commands/init.js';
import { configPath, homePath, loadConfig } from '../../src/config/load.js';
import { sqlitePath } from '../../src/config/registry-location.js';
import type { Config } from '../../src/config/schema.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { enrolGuichet, guichetKeys, sealLotMessage, type GuichetIdentity, type GuichetKeys } from '../../src/demo/guichet.js';
import { LIMITS } from '../../src/limits.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { GUICHET } from '../../test/harness/gateway.js';

/** The same guichet as the integration tests' harness. */
export const BENCH_GUICHET: GuichetIdentity = GUICHET;

export interface BenchHome {
  readonly home: string;
  readonly config: Readonly<Config>;
  readonly keys: GuichetKeys;
  readonly nationalPublicKeys: readonly string[];
  /** The lot as its guichet mails it: zipped if needed, signed, encrypted, in a MIME message. */
  seal(xml: string, identifiantLot: string): Promise<Buffer>;
  /** Writes the message into the deposit Maildir's new/. */
  deliver(raw: Buffer): Promise<void>;
  /** Replies written by the embedded sender so far. */
  outgoing(): number;
  /** Resolves once `count` replies are in the outgoing Maildir; throws after `timeoutMs`. */
  outgoingReaches(count: number, timeoutMs?: number): Promise<void>;
  /** When the last of them was linked into `new/` (its inode's change time), in ms since the epoch. */
  lastOutgoingAt(): number;
  open(): Promise<Gateway>;
  cleanup(): void;
}

/**
 * `fill`: fills the registry file (e.g. with 2 million demandes) after the guichet's enrolment.
 * `registry`: a PostgreSQL database instead of the home's SQLite file (its password written to a
 * 0600 file of the home).
 */
export async function benchHome(options: { fill?: (registryFile: string) => void; registry?: { url: string; password: string } } = {}): Promise<BenchHome> {
  const home = mkdtempSync(join(tmpdir(), 'sne-bench-'));
  let { config } = await initHome(home);
  if (options.registry) {
    writeFileSync(join(home, 'registry.password'), `${options.registry.password}\n`, { mode: 0o600 });
    const file = JSON.parse(readFileSync(configPath(home), 'utf8')) as Record<string, Record<string, unknown>>;
    file.registry = { url: options.registry.url, passwordFile: 'registry.password' };
    writeFileSync(configPath(home), JSON.stringify(file, null, 2));
    config = loadConfig(home, {});
  }
  const keys = await guichetKeys(join(home, 'guichet-keys'), BENCH_GUICHET);
  const national = nationalPublicKeys(nationalKeyLocation(config));
  const registry = (await openRegistry(config));
  await enrolGuichet(registry, BENCH_GUICHET, keys);
  await registry.close();
  options.fill?.(sqlitePath(config)!);
  const outgoingNew = join(homePath(config, config.sender.path), 'new');
  return {
    home,
    config,
    keys,
    nationalPublicKeys: national,
    seal: (xml, identifiantLot) => {
      const bytes = new TextEncoder().encode(xml);
      const big = bytes.length > LIMITS.attachmentBytes - 64 * 1024;
      return sealLotMessage({
        xml: big ? zipSync({ [`${identifiantLot}.xml`]: bytes }) : bytes,
        fileName: big ? `${identifiantLot}.zip` : `${identifiantLot}.xml`,
        guichet: BENCH_GUICHET,
        keys,
        nationalPublicKeys: national,
        depot: config.gateway.address,
      });
    },
    deliver: async (raw) => void (await deliverToMaildir(homePath(config, config.mailbox.path), raw)),
    outgoing: () => filesIn(outgoingNew),
    outgoingReaches: (count, timeoutMs = 300_000) => outgoingReaches(outgoingNew, count, timeoutMs),
    lastOutgoingAt: () => readdirSync(outgoingNew).reduce((last, name) => Math.max(last, statSync(join(outgoingNew, name)).ctimeMs), 0),
    open: () => openGateway(config, silentLogger()),
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** Files in `dir` (0 before it exists). */
function filesIn(dir: string): number {
  try {
    return readdirSync(dir).length;
  } catch {
    return 0;
  }
}

/**
 * Waits for `count` files in `dir`, woken by the file system's events (inotify), not by a timer:
 * it shares its thread with the daemon it measures, and listing a few thousand files every 100 ms
 * cost that thread ~2 ms a time, more with every lot. `dir` is listed again only once as many
 * events came as files were missing, and every second in case an event was lost.
 */
function outgoingReaches(dir: string, count: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let missing = count;
    let events = 0;
    const finish = (error?: Error) => {
      watcher.close();
      clearInterval(fallback);
      clearTimeout(deadline);
      if (error) reject(error);
      else resolve();
    };
    const check = () => {
      events = 0;
      missing = count - filesIn(dir);
      if (missing <= 0) finish();
    };
    const watcher = watch(dir, () => {
      if (++events >= missing) check();
    });
    const fallback = setInterval(check, 1_000);
    const deadline = setTimeout(() => finish(new Error(`${count} replies not written in ${timeoutMs} ms`)), timeoutMs);
    check();
  });
}
