/**
 * A throw-away PostgreSQL 15 cluster for tests and benchmarks, in its own temporary directory,
 * on a free loopback port. The traps (FACTS.md): initdb refuses root, so the cluster runs as the
 * `postgres` user, and its directory and password file must be owned by it; the server outlives
 * pg_ctl, so `stop` must be called (immediate: nothing in it is worth keeping).
 *
 * With `tls`, the server speaks TLS with a certificate for 127.0.0.1/localhost from a CA of its
 * own (`caFile`), and its pg_hba.conf accepts TCP connections over TLS only (`hostssl`), as a
 * production server may: a client that does not trust that CA cannot connect at all.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { makeCertificates } from '../helpers/certificates.js';
import { freePort } from './ports.js';

const BIN = '/usr/lib/postgresql/15/bin';
const SUPERUSER = 'postgres';
const PASSWORD = 'motdepasse-de-test';

export interface PostgresCluster {
  readonly port: number;
  /** The superuser's password (never in a URL). */
  readonly password: string;
  /** With `tls`: the CA that signed the server's certificate (PEM), else undefined. */
  readonly caFile: string | undefined;
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

/**
 * `durable`: fsync and synchronous commits on, as in production (benchmarks); tests skip them.
 * `tls`: TLS required on TCP (see above).
 */
export async function startPostgres(options: { durable?: boolean; tls?: boolean } = {}): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sne-postgres-'));
  const { uid, gid } = postgresIds();
  chownSync(dir, uid, gid);
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  chownSync(passwordFile, uid, gid);
  const data = join(dir, 'data');
  const cleanup = () => rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  const tls = options.tls ? join(dir, 'tls') : undefined;
  try {
    await asPostgres('initdb', ['-D', data, '-A', 'scram-sha-256', `--pwfile=${passwordFile}`, '-U', SUPERUSER, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    if (tls !== undefined) await requireTls(tls, data, uid, gid);
  } catch (error) {
    cleanup();
    throw error;
  }
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const settings = [
      `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}`,
      ...(options.durable ? [] : ['-c fsync=off -c synchronous_commit=off -c full_page_writes=off']),
      ...(tls !== undefined ? [`-c ssl=on -c ssl_cert_file=${join(tls, 'server.pem')} -c ssl_key_file=${join(tls, 'server.key')}`] : []),
    ].join(' ');
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
  const caFile = tls !== undefined ? join(tls, 'ca.pem') : undefined;
  const admin = new pg.Pool({
    host: '127.0.0.1',
    port,
    user: SUPERUSER,
    database: 'postgres',
    password: PASSWORD,
    max: 1,
    ...(caFile !== undefined ? { ssl: { ca: readFileSync(caFile) } } : {}),
  });
  admin.on('error', () => undefined);
  let databases = 0;
  return {
    port,
    password: PASSWORD,
    caFile,
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

/**
 * A CA and the server's certificate and key in `tls` (made as root, then given to `postgres`:
 * the server refuses a key others can read), and a pg_hba.conf that accepts TCP over TLS only.
 */
async function requireTls(tls: string, data: string, uid: number, gid: number): Promise<void> {
  mkdirSync(tls, { mode: 0o700 });
  await makeCertificates(tls, []);
  for (const file of ['', 'server.pem', 'server.key']) chownSync(join(tls, file), uid, gid);
  chmodSync(join(tls, 'server.key'), 0o600);
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n');
}

function postgresIds(): { uid: number; gid: number } {
  const [, , uid, gid] = execFileSync('getent', ['passwd', 'postgres']).toString().trim().split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
