/**
 * `sne-gateway outbox list|show|retry` through the real binary. The demo's replies go to an SMTP
 * server that is down: they wait; then the server is up, and `retry` sends them at once instead
 * of after their backoff; a reply given up (ECHEC) gets a new life, and the retry is on record.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpReceiver, type SmtpReceiver } from '../harness/smtp.js';
import { BIN, cliEnv } from '../helpers/cli.js';

const home = mkdtempSync(join(tmpdir(), 'sne-cli-outbox-'));
const run = promisify(execFile);
let smtp: SmtpReceiver;

/** Asynchronous: the SMTP receiver runs in this process and must answer meanwhile. */
async function sneWith(extra: Record<string, string>, ...args: string[]) {
  try {
    const env = cliEnv({ SNE_GATEWAY_SENDER_KIND: 'smtp', SNE_GATEWAY_SENDER_URL: smtp.url(), ...extra });
    const { stdout, stderr } = await run(process.execPath, [BIN, '--home', home, ...args], { env });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { status: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}
const sne = (...args: string[]) => sneWith({}, ...args);

interface Entry {
  id: number;
  statut: string;
  kind: string;
  tentatives: number;
  prochaineTentative?: string;
  derniereErreur?: string;
  relances: { par: string; statutAvant: string }[];
  document?: unknown;
  raw?: unknown;
}

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  await smtp.stop();
  expect((await sne('demo')).status).toBe(0);
}, 120_000);
afterAll(async () => {
  await smtp.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('outbox', () => {
  it('lists what waits, why, since when and the next attempt, like postqueue -p', async () => {
    const list = await sne('outbox', 'list');
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^ +id +état +en file depuis \(UTC\) +essais +prochain essai \(UTC\)/);
    expect(list.stdout).toMatch(/\n +1 +en attente +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +1 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d+ +compte-rendu +retours@g1104\.demo\.localhost/);
    expect(list.stdout).toMatch(/\(.*ECONNREFUSED.*\)/);
    expect(list.stdout).toMatch(/-- \d+ en attente\n$/);

    const json = JSON.parse((await sne('outbox', 'list', '--json')).stdout) as Entry[];
    expect(json.length).toBeGreaterThan(3);
    expect(json.every((e) => e.statut === 'PRET' && e.tentatives === 1 && e.prochaineTentative !== undefined)).toBe(true);
    // Never the document (personal data) nor the encrypted bytes.
    expect(json.some((e) => 'document' in e || 'raw' in e)).toBe(false);
    expect(JSON.parse((await sne('outbox', 'list', '--status', 'sent', '--json')).stdout)).toEqual([]);
    expect((await sne('outbox', 'list', '--status', 'perdues')).status).toBe(2);
  });

  it('shows a reply: its headers, state, attempts', async () => {
    const show = await sne('outbox', 'show', '1');
    expect(show.status).toBe(0);
    expect(show.stdout).toContain('Réponse 1 — compte-rendu du lot 1 (G1104-DEMO-001, guichet G1104) — en attente');
    expect(show.stdout).toContain('From: depot@sne-gateway.localhost');
    expect(show.stdout).toContain('To: retours@g1104.demo.localhost');
    expect(show.stdout).toContain('Subject: Compte rendu du lot G1104-DEMO-001');
    expect(show.stdout).toMatch(/Message-ID: <compte-rendu\.G1104\.G1104-DEMO-001\.lot1\.v1@/);
    expect(show.stdout).toMatch(/essais : 1, le premier le /);
    expect(show.stdout).toMatch(/dernière erreur : .*ECONNREFUSED/);
    expect(show.stdout).toContain('→ pour la renvoyer maintenant : sne-gateway outbox retry 1');
    const missing = await sne('outbox', 'show', '999');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('sne-gateway outbox list --status all');
    expect((await sne('outbox', 'show', 'un')).status).toBe(2);
  });

  it('retry makes waiting replies due now: sent at the next pass, not after their backoff', async () => {
    expect((await sne('outbox', 'retry')).status).toBe(2);
    expect((await sne('outbox', 'retry', '1', '--all')).status).toBe(2);
    await smtp.start();
    // Without retry, the next attempt is a minute away: nothing leaves.
    expect((await sne('run', '--once')).stdout).toMatch(/0 réponse\(s\) envoyée\(s\)/);
    expect(smtp.received).toHaveLength(0);

    const retry = await sne('outbox', 'retry', '1', '2');
    expect(retry.status).toBe(0);
    expect(retry.stdout).toContain('✔ réponse 1 (compte-rendu, lot 1) à envoyer maintenant');
    const pass = await sne('run', '--once');
    expect(pass.stdout).toMatch(/2 réponse\(s\) envoyée\(s\)/);
    expect(smtp.received).toHaveLength(2);

    const sent = JSON.parse((await sne('outbox', 'show', '1', '--json')).stdout) as Entry & { entetes: Record<string, string> };
    expect(sent.statut).toBe('ENVOYE');
    expect(sent.relances).toEqual([expect.objectContaining({ statutAvant: 'PRET', par: expect.stringMatching(/^gestionnaire:/) })]);
    expect(sent.entetes.Subject).toBe('Compte rendu du lot G1104-DEMO-001');

    const again = await sne('outbox', 'retry', '1');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/Réponse 1 déjà envoyée .*\(sne-gateway replay 1\)/);
  });

  it('gives a reply in ECHEC a new life, on record', async () => {
    await smtp.stop();
    // A lifetime of about one second, and the next pass a minute later: it gives the replies up.
    expect((await sne('outbox', 'retry', '--all')).status).toBe(0);
    const failedPass = await sneWith({ SNE_GATEWAY_SENDER_LIFETIME_HOURS: '0.0003', SNE_GATEWAY_NOW: '2026-11-26T10:31:00+01:00' }, 'run', '--once');
    expect(failedPass.status).toBe(1);
    expect(failedPass.stdout).toMatch(/en échec \(durée de vie dépassée\)/);
    const failed = JSON.parse((await sne('outbox', 'list', '--status', 'failed', '--json')).stdout) as Entry[];
    expect(failed.length).toBeGreaterThan(0);
    const list = await sne('outbox', 'list', '--status', 'failed');
    expect(list.stdout).toMatch(/en échec/);

    await smtp.start();
    const revive = await sne('outbox', 'retry', String(failed[0]!.id));
    expect(revive.stdout).toContain('remise en file après échec, pour une nouvelle durée de vie');
    const pass = await sne('run', '--once');
    expect(pass.stdout).toMatch(/[1-9]\d* réponse\(s\) envoyée\(s\)/);
    const revived = JSON.parse((await sne('outbox', 'show', String(failed[0]!.id), '--json')).stdout) as Entry;
    expect(revived.statut).toBe('ENVOYE');
    expect(revived.relances.map((r) => r.statutAvant)).toEqual(['PRET', 'ECHEC']);
  });
});

