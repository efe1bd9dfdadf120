/**
 * Certificates for the HTTPS channel's tests, made by `openssl` (a client the project did not
 * write): a CA, the server's certificate for localhost, and guichets' client certificates, with
 * explicit validity dates (the gateway's clock is fixed in 2026, whatever today is).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CA_CONFIG = `[ca]
default_ca = ca
[ca]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
[any]
commonName = supplied
`;

/**
 * In `dir`: `ca.pem`, `server.pem`/`.key` (localhost, 127.0.0.1), and `<name>.pem`/`.key` for
 * each client: `g1104`, `g2000`, `expired` (valid in January 2020 only), `unknown` by default.
 */
export async function makeCertificates(dir: string, clients: readonly string[] = ['g1104', 'g2000', 'expired', 'unknown']): Promise<void> {
  const ssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  await ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Test CA', '-days', '9000');
  const issue = async (name: string, cn: string, start: string, end: string, san?: string) => {
    await ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`, ...(san ? ['-addext', `subjectAltName=${san}`] : []));
    await ssl('ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `${name}.csr`, '-out', `${name}.pem`, '-startdate', start, '-enddate', end, '-notext');
  };
  await issue('server', 'localhost', '20200101000000Z', '20491231000000Z', 'DNS:localhost,IP:127.0.0.1');
  for (const name of clients) {
    if (name === 'expired') await issue(name, 'G1104 ancien', '20200101000000Z', '20200201000000Z');
    else await issue(name, name === 'unknown' ? 'Personne' : name.toUpperCase(), '20200101000000Z', '20491231000000Z');
  }
}

export interface CurlAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/**
 * `curl` on the channel at `port`, with the client certificate `<cert>.pem` of `dir` (or none),
 * posting `file` when given: status, headers (lower-case names), body.
 */
export async function curlChannel(
  dir: string,
  port: number,
  args: { cert?: string; file?: string; path?: string; type?: string; out: string; maxTime?: number },
): Promise<CurlAnswer> {
  const { stdout } = await run('curl', [
    '-sS', '--cacert', join(dir, 'ca.pem'),
    ...(args.maxTime === undefined ? [] : ['--max-time', String(args.maxTime)]),
    ...(args.cert ? ['--cert', join(dir, `${args.cert}.pem`), '--key', join(dir, `${args.cert}.key`)] : []),
    ...(args.file ? ['--data-binary', `@${args.file}`, '-H', `Content-Type: ${args.type ?? 'application/octet-stream'}`] : []),
    '-D', '-', '-o', args.out, '-w', '%{http_code}',
    `https://localhost:${port}${args.path ?? '/v1/lots'}`,
  ], { maxBuffer: 16 * 1024 * 1024 });
  const status = Number(stdout.slice(-3));
  const headers = Object.fromEntries(stdout.split(/\r\n/).filter((l) => l.includes(': ')).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 2)]));
  return { status, headers, body: readFileSync(args.out) };
}
