/**
 * A real Dovecot (IMAP + LMTP) for tests and benchmarks, in its own temporary directory, on free
 * loopback ports, in its own process group. The traps (FACTS.md): mail is stored as
 * nobody/nogroup (uid 0 is refused), the directory must be mode 755, `port = 0` disables a
 * listener, each instance needs its own base_dir and state_dir, and an outage is simulated by
 * killing the whole process group (killing the master alone leaves sessions alive).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

export interface DovecotOptions {
  /** Also listen for IMAPS with a self-signed certificate made by `openssl req`. */
  readonly tls?: boolean;
  /** Replace the capabilities announced after login (e.g. to drop MOVE and UIDPLUS). */
  readonly imapCapability?: string;
}

export interface Dovecot {
  readonly dir: string;
  readonly imapPort: number;
  /** 0 unless started with `tls`. */
  readonly imapsPort: number;
  readonly lmtpPort: number;
  /** The self-signed certificate (PEM) when started with `tls`: the CA to trust. */
  readonly certFile?: string;
  /** The IMAP account of the gateway's deposit mailbox. */
  readonly user: string;
  readonly password: string;
  /** `imap://depot@127.0.0.1:port/INBOX` (or `imaps://` on the TLS port). */
  url(secure?: boolean): string;
  /** Kills the whole process group (an outage: sessions die with the master). */
  kill(): Promise<void>;
  /** Starts again on the same ports and directory after `kill`. */
  start(): Promise<void>;
  /** The messages in a mailbox (`INBOX`, `Traites`…) of a user, read from the Maildir. */
  messages(folder?: string, user?: string): Buffer[];
  stop(): Promise<void>;
}

const USER = 'depot';
const PASSWORD = 'motdepasse-de-test';

export async function startDovecot(options: DovecotOptions = {}): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'sne-dovecot-'));
  chmodSync(dir, 0o755);
  const mail = join(dir, 'mail');
  mkdirSync(mail);
  chownSync(mail, uid('nobody'), gid('nogroup'));
  writeFileSync(join(dir, 'passwd'), `${USER}:{PLAIN}${PASSWORD}::::::\n`);
  let certFile: string | undefined;
  if (options.tls) {
    certFile = join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', certFile,
    ], { stdio: 'ignore' });
  }
  let imapPort = 0;
  let lmtpPort = 0;
  let imapsPort = 0;
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const started = spawn('dovecot', ['-F', '-c', join(dir, 'dovecot.conf')], { detached: true, stdio: 'ignore' });
    child = started;
    started.unref();
    // A port taken meanwhile by another process makes Dovecot exit at once: fail fast then.
    const exited = new Promise<never>((_, reject) => started.once('exit', (code) => reject(new Error(`dovecot exited (${code}); see ${dir}/dovecot.log`))));
    exited.catch(() => undefined);
    await Promise.race([exited, (async () => {
      await waitForPort(imapPort);
      await waitForPort(lmtpPort);
      if (imapsPort) await waitForPort(imapsPort);
    })()]);
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running?.pid === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    try {
      process.kill(-running.pid, 'SIGKILL');
    } catch {
      return; // already gone
    }
    await exited;
    // The master is gone; wait for the rest of its group, which may still write into `dir`.
    for (let i = 0; i < 100 && groupAlive(running.pid); i++) await new Promise((r) => setTimeout(r, 10));
  };
  for (let attempt = 1; ; attempt++) {
    [imapPort, lmtpPort, imapsPort] = [await freePort(), await freePort(), options.tls ? await freePort() : 0];
    writeFileSync(join(dir, 'dovecot.conf'), renderConfig({ dir, imapPort, imapsPort, lmtpPort, certFile, ...options }));
    try {
      await start();
      break;
    } catch (error) {
      await kill();
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  return {
    dir,
    imapPort,
    imapsPort,
    lmtpPort,
    ...(certFile === undefined ? {} : { certFile }),
    user: USER,
    password: PASSWORD,
    url: (secure = false) => `${secure ? 'imaps' : 'imap'}://${USER}@127.0.0.1:${secure ? imapsPort : imapPort}/INBOX`,
    kill,
    start,
    messages: (folder = 'INBOX', user = USER) => {
      const base = folder === 'INBOX' ? join(mail, user, 'Maildir') : join(mail, user, 'Maildir', `.${folder}`);
      return ['new', 'cur'].flatMap((sub) => {
        try {
          return readdirSync(join(base, sub)).map((name) => readFileSync(join(base, sub, name)));
        } catch {
          return [];
        }
      });
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

/**
 * Under faketime (npm run check:dates) Dovecot's own processes must share the suite's clock: its
 * master filters the environment of the processes it starts, so LMTP would stamp INTERNALDATE (the
 * lot's reception day) on the real clock while the daemons judge on the fake one.
 */
function fakeClockEnvironment(): string {
  if (process.env.FAKETIME === undefined) return '';
  return 'import_environment = TZ CORE_OUTOFMEM CORE_ERROR LISTEN_PID LISTEN_FDS NOTIFY_SOCKET LD_PRELOAD FAKETIME FAKETIME_SHARED';
}

function renderConfig(o: DovecotOptions & { dir: string; imapPort: number; imapsPort: number; lmtpPort: number; certFile?: string | undefined }): string {
  return `
instance_name = sne-test-${o.imapPort}
base_dir = ${o.dir}/run
state_dir = ${o.dir}/state
protocols = imap lmtp
listen = 127.0.0.1
log_path = ${o.dir}/dovecot.log
${fakeClockEnvironment()}
disable_plaintext_auth = no
auth_failure_delay = 0
auth_username_format = %Ln
mail_location = maildir:${o.dir}/mail/%n/Maildir
${o.certFile ? `ssl = yes\nssl_cert = <${o.certFile}\nssl_key = <${o.dir}/key.pem` : 'ssl = no'}
${o.imapCapability ? `imap_capability = ${o.imapCapability}` : ''}
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${o.dir}/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${o.dir}/mail/%n allow_all_users=yes
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    port = ${o.imapPort}
  }
  inet_listener imaps {
    port = ${o.imapsPort}
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${o.lmtpPort}
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
`;
}

function uid(name: string): number {
  return Number(execFileSync('id', ['-u', name]).toString().trim());
}

function gid(name: string): number {
  return Number(execFileSync('getent', ['group', name]).toString().split(':')[2]);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
