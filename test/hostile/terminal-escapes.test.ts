/**
 * Escape sequences from a message never reach the operator's terminal nor the replies' headers
 * (issue 15, item 7). A registered guichet's lot whose Message-ID and Subject hold ANSI/OSC
 * sequences, C1 controls and bidi overrides, and whose XML holds a value with a C1 CSI and a
 * right-to-left override; an unknown sender's message of the same kind. After `run --once`,
 * `lots list`, `lots show` and `quarantine list` print none of those characters, and the reply's
 * In-Reply-To and Subject hold none either.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openRegistry } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { enrolGuichet, guichetKeys, sealLotMessage } from '../../src/demo/guichet.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { readIdentifyingHeaders } from '../../src/mail/mime-in.js';
import { cliIn } from '../helpers/cli.js';
import { G1104 } from '../helpers/guichets.js';

/** ESC, C1 (CSI U+009B, OSC U+009D), BEL, DEL, bidi overrides and isolates (tab, CR and LF are the text's own). */
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const HOSTILE_ID = '<\x1b]8;;http://evil.example\x07clic\x1b]8;;\x07\x1b[2J\u202e@evil.example>';
const HOSTILE_SUBJECT = '\x1b[31mLot\x1b[0m \u009b2J \u202egnp.exe';
const FIXTURE = new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url);

const home = mkdtempSync(join(tmpdir(), 'sne-hostile-escapes-'));
const cli = cliIn(home);

/** The message's Message-ID and Subject lines replaced by raw hostile bytes (as a raw SMTP client could send). */
function withHostileHeaders(raw: Buffer): Buffer {
  return Buffer.from(
    raw
      .toString('latin1')
      .replace(/^Message-ID: .*$/im, `Message-ID: ${Buffer.from(HOSTILE_ID, 'utf8').toString('latin1')}`)
      .replace(/^Subject: .*$/im, `Subject: ${Buffer.from(HOSTILE_SUBJECT, 'utf8').toString('latin1')}`),
    'latin1',
  );
}

beforeAll(async () => {
  expect(cli('init').status).toBe(0);
  const config = loadConfig(home, {});
  const keys = await guichetKeys(join(home, 'guichet'), G1104);
  const registry = (await openRegistry(config));
  await enrolGuichet(registry, G1104, keys);
  await registry.close();
  // A value the schema refuses, holding a C1 CSI and a right-to-left override: lots show quotes it.
  const xml = readFileSync(FIXTURE, 'utf8').replace('<civilite code="2"/>', '<civilite code="9\u009b2J\u202e"/>');
  const lot = await sealLotMessage({
    xml: new TextEncoder().encode(xml),
    fileName: 'lot.xml',
    guichet: G1104,
    keys,
    nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(config)),
    depot: config.gateway.address,
    messageId: '<placeholder@g1104.example>',
  });
  const stray = Buffer.from(`From: inconnu@ailleurs.example\r\nTo: depot@sne-gateway.localhost\r\nSubject: x\r\nMessage-ID: <x@y>\r\n\r\nRien.\r\n`);
  await deliverToMaildir(join(home, 'mailbox'), withHostileHeaders(lot));
  await deliverToMaildir(join(home, 'mailbox'), withHostileHeaders(stray));
  expect(cli('run', '--once').status).toBe(0);
}, 60_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('escape sequences from a message', () => {
  it('are printed by no listing: lots list, lots show, quarantine list (text and JSON)', () => {
    const runs = [cli('lots', 'list'), cli('lots', 'list', '--json'), cli('lots', 'show', 'G1104-DEMO-001'), cli('lots', 'show', 'G1104-DEMO-001', '--json'), cli('quarantine', 'list'), cli('quarantine', 'list', '--json')];
    for (const run of runs) {
      expect(run.status).toBe(0);
      expect(run.stdout).not.toMatch(UNSAFE);
      expect(run.stderr).not.toMatch(UNSAFE);
    }
    // The refused value is still shown, its odd characters visibly escaped.
    expect(runs[2]!.stdout).toContain('valeur « 9\\u009b2J\\u202e »');
    expect(runs[4]!.stdout).toContain('inconnu@ailleurs.example');
  });

  it('are echoed in no header of the reply: no In-Reply-To from an invalid Message-ID, a clean Subject', async () => {
    const dir = join(home, 'outgoing', 'new');
    const replies = readdirSync(dir).map((name) => readFileSync(join(dir, name)));
    expect(replies.length).toBeGreaterThan(0);
    for (const raw of replies) {
      const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1');
      expect(head).not.toMatch(UNSAFE);
      expect(head).not.toMatch(/^(In-Reply-To|References):/im);
      const headers = await readIdentifyingHeaders(raw);
      for (const h of headers) expect(h.value).not.toMatch(UNSAFE);
    }
  });
});
