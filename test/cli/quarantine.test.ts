/**
 * `sne-gateway quarantine list|release|delete` through the real binary. A guichet not yet
 * enrolled sends a real lot (signed, encrypted to the national key): it is quarantined; once the
 * gestionnaire enrols it, `release` registers its demandes. A stray message is deleted: its
 * original is gone, the trace of the deletion stays.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { guichetKeys, sealLotMessage, type GuichetIdentity } from '../../src/demo/guichet.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { BIN, cliEnv } from '../helpers/cli.js';

const LOT = new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url);
const home = mkdtempSync(join(tmpdir(), 'sne-cli-quarantine-'));

const NOUVEAU: GuichetIdentity = {
  code: 'G1105',
  nom: 'Seine-Saint-Denis Habitat (test)',
  adresse: '1 rue du Test\n93000 Bobigny',
  expediteur: 'lots@g1105.test.localhost',
  destinataire: 'retours@g1105.test.localhost',
  departements: ['93', '75'],
};

function sne(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, '--home', home, ...args], { encoding: 'utf8', env: cliEnv() });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Entry {
  lot: number;
  expediteur?: string;
  messageId?: string;
  taille: number;
  guichetActuel?: string;
  supprimeAt?: string;
  supprimePar?: string;
}

const quarantined = () => JSON.parse(sne('quarantine', 'list', '--json').stdout) as Entry[];

beforeAll(async () => {
  expect(sne('init').status).toBe(0);
  const config = loadConfig(home, {});
  const keys = await guichetKeys(join(home, 'nouveau'), NOUVEAU);
  const xml = readFileSync(LOT, 'utf8').replaceAll('G1104', NOUVEAU.code);
  const lot = await sealLotMessage({
    xml: new TextEncoder().encode(xml),
    fileName: 'lot-g1105.xml',
    guichet: NOUVEAU,
    keys,
    nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(config)),
    depot: config.gateway.address,
    messageId: '<lot-g1105@g1105.test.localhost>',
  });
  const stray = Buffer.from('From: inconnu@ailleurs.example\r\nTo: depot@sne-gateway.localhost\r\nSubject: bonjour\r\nMessage-ID: <egare@ailleurs.example>\r\n\r\nRien.\r\n');
  const mailbox = join(home, 'mailbox');
  await deliverToMaildir(mailbox, lot);
  await deliverToMaildir(mailbox, stray);
  expect(sne('run', '--once').status).toBe(0);
}, 60_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('quarantine', () => {
  it('lists the messages of unknown senders: when, from, Message-ID, size', () => {
    const list = sne('quarantine', 'list');
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/\s1 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d{4,} +lots@g1105\.test\.localhost\n +<lot-g1105@g1105\.test\.localhost>/);
    expect(list.stdout).toMatch(/\s2 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d+ +inconnu@ailleurs\.example\n +<egare@ailleurs\.example>/);
    const json = quarantined();
    expect(json.map((q) => q.expediteur)).toEqual(['lots@g1105.test.localhost', 'inconnu@ailleurs.example']);
    expect(json[0]!.taille).toBeGreaterThan(1000);
  });

  it('release refuses while the sender is unknown, and says what to do', () => {
    const early = sne('quarantine', 'release', '1');
    expect(early.status).toBe(1);
    expect(early.stderr).toContain("L'expéditeur lots@g1105.test.localhost n'est l'adresse d'aucun guichet actif : enrôlez-le d'abord");
    expect(sne('quarantine', 'release', '99').status).toBe(1); // not found: a failed operation
    expect(sne('quarantine', 'release', 'abc').status).toBe(2); // not a lot number: a usage error
  });

  it('release registers the lot once the sender is enrolled', () => {
    const add = sne(
      'guichets', 'add', NOUVEAU.code, '--name', NOUVEAU.nom, '--address', NOUVEAU.adresse,
      '--sender', NOUVEAU.expediteur, '--reply', NOUVEAU.destinataire,
      '--key', join(home, 'nouveau', `${NOUVEAU.code}.pub.asc`), '--departments', NOUVEAU.departements.join(','),
    );
    expect(add.status).toBe(0);
    expect(quarantined()[0]!.guichetActuel).toBe(NOUVEAU.code);
    expect(sne('quarantine', 'list').stdout).toContain('→ expéditeur désormais du guichet G1105 : sne-gateway quarantine release 1');

    const release = sne('quarantine', 'release', '1');
    expect(release.stderr).toBe('');
    expect(release.status).toBe(0);
    expect(release.stdout).toMatch(/Lot 1 \(G1105-DEMO-001, guichet G1105\) : QUARANTAINE → ACCEPTE/);
    expect(release.stdout).toContain('✔ lot 1 sorti de quarantaine (guichet G1105)');
    expect(release.stdout).toMatch(/[1-9]\d* réponse\(s\) envoyée\(s\)/); // sent at once: no daemon holds the registry
    expect(quarantined().map((q) => q.lot)).toEqual([2]);

    const show = JSON.parse(sne('lots', 'show', '1', '--json').stdout) as { lot: { statut: string }; resultats: { numeroUnique?: string }[]; rejeux: { par: string }[] };
    expect(show.lot.statut).toBe('ACCEPTE');
    // The release is in the lot's trail under the gestionnaire running the command.
    expect(show.rejeux).toEqual([expect.objectContaining({ par: `gestionnaire:${userInfo().username}`, statut: 'ACCEPTE', version: 1 })]);
    expect(sne('lots', 'show', '1').stdout).toMatch(new RegExp(`\\n  rejoué le \\S+ par gestionnaire ${userInfo().username} : ACCEPTE \\(version 1\\)\\n`));
    expect(show.resultats.every((r) => /^\d{3}\d{4}\d{6}G1105$/.test(r.numeroUnique ?? ''))).toBe(true);
    expect(sne('run', '--once').stdout).toMatch(/ 0 réponse\(s\) envoyée\(s\)/); // nothing left to send
    expect(sne('quarantine', 'release', '1').status).toBe(1);
  });

  it('delete forgets the message and keeps the trace', () => {
    const deleted = sne('quarantine', 'delete', '2');
    expect(deleted.status).toBe(0);
    expect(deleted.stdout).toMatch(/✔ message du lot 2 \(inconnu@ailleurs\.example, \d+ octets\) supprimé/);
    expect(quarantined()).toEqual([]);
    const all = JSON.parse(sne('quarantine', 'list', '--all', '--json').stdout) as Entry[];
    expect(all).toEqual([expect.objectContaining({ lot: 2, taille: 0, supprimeAt: expect.any(String), supprimePar: expect.stringMatching(/^gestionnaire:/) })]);
    expect(sne('quarantine', 'list', '--all').stdout).toMatch(/supprimé le .* par gestionnaire:/);
    expect(sne('lots', 'export', '2', '--original').status).toBe(1);
    const twice = sne('quarantine', 'delete', '2');
    expect(twice.status).toBe(1);
    expect(twice.stderr).toMatch(/a été supprimé le/);
  });
});
