/**
 * A throw-away PostgreSQL 15 cluster for tests and benchmarks, in its own temporary directory,
 * on a free loopback port. The traps (FACTS.md): initdb refuses root, so the cluster runs as the
 * `postgres` user, and its directory and password file must be owned by it; the server outlives
 * pg_ctl, so `stop` must be called (immediate: nothing in it is worth keeping).
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.js';

const BIN = '/usr/lib/postgresql/15/bin';
const SUPERUSER = 'postgres';
const PASSWORD = 'motdepasse-de-test';

export interface PostgresCluster {
  readonly port: number;
  /** The superuser's password (never in a URL). */
  readonly password: string;
  /** `postgres://postgres@127.0.0.1:port/database`, without the password. */
  url(database?: string): string;
  /**
   * A new empty database, its URL. Its locale is French (ICU): the registry must sort as SQLite
   * does whatever the database's collation.
   */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

function asPostgres(command: string, args: readonly string[]) {
  return run('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args]);
}

/** `durable`: fsync and synchronous commits on, as in production (benchmarks); tests skip them. */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sne-postgres-'));
  const { uid, gid } = postgresIds();
  chownSync(dir, uid, gid);
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  chownSync(passwordFile, uid, gid);
  const data = join(dir, 'data');
  const cleanup = () => rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  try {
    await asPostgres('initdb', ['-D', data, '-A', 'scram-sha-256', `--pwfile=${passwordFile}`, '-U', SUPERUSER, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  } catch (error) {
    cleanup();
    throw error;
  }
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const settings = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}${options.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off'}`;
    try {
      await asPostgres('pg_ctl', ['-D', data, '-o', settings, '-l', join(dir, 'postgres.log'), '-w', '-t', '30', 'start']);
      break;
    } catch (error) {
      // A port taken meanwhile by another process: the server exits at once, try another.
      if (attempt >= 3) {
        cleanup();
        throw error;
      }
    }
  }
  const url = (database = 'postgres') => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
  const admin = new pg.Pool({ host: '127.0.0.1', port, user: SUPERUSER, database: 'postgres', password: PASSWORD, max: 1 });
  admin.on('error', () => undefined);
  let databases = 0;
  return {
    port,
    password: PASSWORD,
    url,
    createDatabase: async () => {
      const name = `registre_${++databases}`;
      await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'fr-FR' LOCALE 'C.UTF-8'`);
      return url(name);
    },
    stop: async () => {
      await admin.end().catch(() => undefined);
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
      cleanup();
    },
  };
}

function postgresIds(): { uid: number; gid: number } {
  const [, , uid, gid] = execFileSync('getent', ['passwd', 'postgres']).toString().trim().split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
