/**
 * The console's handlers through `fastify.inject`: the login (CSRF, wrong password, rate limit),
 * sessions, what a gestionnaire sees (another territory's lot is 404), the pages, a dry-run replay
 * then the replay, a quarantine release and delete, each in the trail under the gestionnaire's name,
 * the search for a demandeur's demandes.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation } from '../../src/app.js';
import { homePath } from '../../src/config/load.js';
import { escapeHtml, html, safe } from '../../src/console/html.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { runOnce } from '../../src/daemon.js';
import { enrolGuichet, guichetKeys, sealLotMessage, type GuichetIdentity } from '../../src/demo/guichet.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import type { DemandeRecord } from '../../src/registry/model.js';
import { sampleDemandeLogement, withDemandeur } from '../registry/helpers.js';
import { consoleFixture, PASSWORD, type ConsoleFixture } from './fixture.js';

/** A guichet of 93 not enrolled yet: its lot waits in quarantine. */
const G1105: GuichetIdentity = { code: 'G1105', nom: 'Nouveau bailleur', adresse: '2 rue B\n93000 Bobigny', expediteur: 'lots@g1105.example', destinataire: 'retours@g1105.example', departements: ['93', '75'] };

let f: ConsoleFixture;
beforeAll(async () => {
  f = await consoleFixture();
}, 60_000);
afterAll(async () => f.close());

/** A browser's cookies and the CSRF token of the last page. */
class Client {
  constructor(private readonly app = f.app) {}
  private readonly jar = new Map<string, string>();
  csrf = '';
  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>) {
    const res = await this.app.inject({
      method,
      url,
      headers: { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    for (const c of res.cookies as { name: string; value: string }[]) {
      if (c.value === '') this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (token) this.csrf = token[1]!;
    return res;
  }
  async login(nom = 'amartin', motDePasse = PASSWORD) {
    await this.request('GET', '/');
    return this.request('POST', '/connexion', { _csrf: this.csrf, nom, motDePasse });
  }
}

describe('html templates', () => {
  it('escape every interpolation unless marked safe', () => {
    expect(html`<p title="${'"x"'}">${'<script>&'}${safe('<b>ok</b>')}${[html`<i>${'<'}</i>`, undefined, false]}</p>`.text).toBe(
      '<p title="&quot;x&quot;">&lt;script&gt;&amp;<b>ok</b><i>&lt;</i></p>',
    );
    expect(escapeHtml("l'a")).toBe('l&#39;a');
  });
});

describe('console access', () => {
  it('shows the login page at the root, and sends anyone not logged in there', async () => {
    const client = new Client();
    const root = await client.request('GET', '/');
    expect(root.statusCode).toBe(200);
    expect(root.body).toContain('<form method="post" action="/connexion">');
    expect((await client.request('GET', `/lots/${f.rejected}`)).headers.location).toBe('/');
    expect((await client.request('GET', '/nulle-part')).headers.location).toBe('/');
  });

  it('keeps the signing key in the home, readable by its owner only', () => {
    expect(statSync(join(f.home, 'console.secret')).mode & 0o777).toBe(0o600);
  });

  it('refuses a wrong password and a form without its CSRF token; logs in with HttpOnly, SameSite=Strict cookies', async () => {
    const client = new Client();
    expect((await client.login('amartin', 'pas le bon mot de passe')).statusCode).toBe(401);
    await client.request('GET', '/');
    const noToken = await client.request('POST', '/connexion', { nom: 'amartin', motDePasse: PASSWORD });
    expect(noToken.statusCode).toBe(403);
    const ok = await client.login();
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/activite');
    const session = String(ok.headers['set-cookie']).split(/,(?=\s*\w+=)/).find((c) => c.includes('sne_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).not.toMatch(/Secure/); // plain HTTP here
    // A POST of the logged-in gestionnaire without the token is refused too.
    expect((await client.request('POST', `/lots/${f.rejected}/simulation`, {})).statusCode).toBe(403);
  });

  it('answers 404 for another territory’s lot, and hides it from the lists', async () => {
    const client = new Client();
    await client.login();
    expect((await client.request('GET', `/lots/${f.other}`)).statusCode).toBe(404);
    expect((await client.request('POST', `/lots/${f.other}/simulation`, { _csrf: client.csrf })).statusCode).toBe(404);
    const lots = await client.request('GET', '/lots');
    expect(lots.body).toContain('G1104-DEMO-001');
    expect(lots.body).not.toContain('G1301-SUD-001');
    expect((await client.request('GET', '/guichets')).body).not.toContain('G1301');
  });

  it('ends the sessions of a disabled account', async () => {
    const client = new Client();
    await client.login();
    await f.gateway.registry.addGestionnaire({ ...(await f.gateway.registry.getGestionnaire('amartin'))!, nom: 'bdurand' });
    const other = new Client();
    expect((await other.login('bdurand')).statusCode).toBe(303);
    await f.gateway.registry.updateGestionnaire('bdurand', { actif: false, modifieAt: '2026-11-26T09:45:00.000Z' });
    expect((await other.request('GET', '/activite')).headers.location).toBe('/');
    expect((await client.request('GET', '/activite')).statusCode).toBe(200);
  });
});

describe('console pages', () => {
  it('shows today’s activity: the lot, its outcome, rejections by code, the outbox', async () => {
    const client = new Client();
    await client.login();
    const page = await client.request('GET', '/activite');
    expect(page.body).toContain('Activité du 26/11/2026');
    expect(page.body).toContain('G1104-DEMO-001');
    expect(page.body).toMatch(/<td>DEM_GUICHET_NON_HABILITE<\/td><td><span class="bar" style="width:300px"><\/span> 3<\/td>/);
    expect(page.body).toContain('File d’envoi des réponses de vos guichets');
  });

  it('counts in the activity page’s outbox the replies of the gestionnaire’s guichets only', async () => {
    const client = new Client();
    await client.login();
    const outbox = async () => (await client.request('GET', '/activite')).body.split('<h2>File d’envoi')[1];
    const before = await outbox();
    // A reply of G1301 (département 13), queued six days ago and given up: not amartin's.
    const id = await f.gateway.registry.transaction((tx) =>
      tx.queueReply({ lotId: f.other, kind: 'compte-rendu', messageId: '<cr-g1301@sne.test>', destinataires: ['r@g1301.example'], document: '{}', queuedAt: '2026-11-20T09:00:00.000Z' }),
    );
    expect(await f.gateway.registry.markPrepared(id, Buffer.from('scellé'))).toBe(true);
    await f.gateway.registry.markOutboxFailed(id, new Date('2026-11-26T09:00:00.000Z'), 'délai dépassé');
    expect(await f.gateway.registry.outboxDepth()).toContainEqual({ statut: 'ECHEC', replies: 1, oldestQueuedAt: '2026-11-20T09:00:00.000Z' });
    const after = await outbox();
    expect(after).not.toContain('20/11/2026');
    expect(after).toBe(before);
  });

  it('filters the lots by statut and day, and searches by identifiant', async () => {
    const client = new Client();
    await client.login();
    expect((await client.request('GET', '/lots?statut=ACCEPTE')).body).toContain('0 lot(s)');
    expect((await client.request('GET', '/lots?statut=REJETE&date=2026-11-26&identifiant=demo-001')).body).toContain('1 lot(s)');
    expect((await client.request('GET', '/lots?date=2026-11-25')).body).toContain('0 lot(s)');
  });

  it('shows a lot’s errors with their paths; a dry run as a diff, then the replay, a new compte rendu version', async () => {
    const client = new Client();
    await client.login();
    const lot = await client.request('GET', `/lots/${f.rejected}`);
    expect(lot.body).toContain('DEM_GUICHET_NON_HABILITE</strong> à <span class="chemin">/lot/demande[1]/');
    expect(lot.body).toContain('compte rendu version <span id="version">1</span>');

    await f.gateway.registry.updateGuichet('G1104', { departements: ['93', '75'] });
    const dry = await client.request('POST', `/lots/${f.rejected}/simulation`, { _csrf: client.csrf });
    expect(dry.statusCode).toBe(200);
    expect(dry.body).toContain('REJETE → ACCEPTE [simulation');
    expect(dry.body).toContain('passerait : ENREGISTREE');
    expect((await f.gateway.registry.getLot(f.rejected))!.version).toBe(1);
    expect(await f.gateway.registry.lotRejeux(f.rejected)).toEqual([]); // a dry run is no replay

    const done = await client.request('POST', `/lots/${f.rejected}/rejeu`, { _csrf: client.csrf });
    expect(done.headers.location).toBe(`/lots/${f.rejected}`);
    expect(f.queued.count).toBe(1);
    const after = await client.request('GET', `/lots/${f.rejected}`);
    expect(after.body).toContain('compte rendu version <span id="version">2</span>');
    expect(after.body).toContain('ACCEPTE');
    // The replay is in the lot's trail under the gestionnaire's name, and shown on its page.
    expect(await f.gateway.registry.lotRejeux(f.rejected)).toEqual([{ at: '2026-11-26T09:30:00.000Z', par: 'gestionnaire:amartin', version: 2, statut: 'ACCEPTE' }]);
    expect(after.body).toContain('Rejoué le 26/11/2026 10:30:00 par gestionnaire amartin : <span class="ACCEPTE">ACCEPTE</span>, compte rendu version 2');
  });

  it('releases a quarantined lot once its sender is a guichet of the territories, under the gestionnaire’s name', async () => {
    const { config } = f.gateway;
    const keys = await guichetKeys(join(f.home, 'g1105'), G1105);
    const xml = new TextEncoder().encode(readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url), 'utf8').replaceAll('G1104', G1105.code));
    const raw = await sealLotMessage({ xml, fileName: 'lot-g1105.xml', guichet: G1105, keys, nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(config)), depot: 'depot@x' });
    await deliverToMaildir(homePath(config, config.mailbox.path), raw);
    const outcome = (await runOnce(f.gateway)).outcomes[0]!;
    if (outcome.kind !== 'committed') throw new Error('lot not committed');
    expect(outcome.lot.statut).toBe('QUARANTAINE');
    await enrolGuichet(f.gateway.registry, G1105, keys);

    const client = new Client();
    await client.login();
    expect((await client.request('GET', '/quarantaine')).body).toContain(`action="/quarantaine/${outcome.lot.id}/liberer"`);
    const released = await client.request('POST', `/quarantaine/${outcome.lot.id}/liberer`, { _csrf: client.csrf });
    expect(released.headers.location).toBe(`/lots/${outcome.lot.id}`);
    // Judged now, out of quarantine (accepted, or rejected as doublons once the G1104 lot was replayed).
    const lot = (await f.gateway.registry.getLot(outcome.lot.id))!;
    expect(lot.guichet).toBe('G1105');
    expect(lot.statut).not.toBe('QUARANTAINE');
    expect(await f.gateway.registry.lotRejeux(lot.id)).toEqual([{ at: '2026-11-26T09:30:00.000Z', par: 'gestionnaire:amartin', version: 1, statut: lot.statut }]);
    expect((await client.request('GET', `/lots/${lot.id}`)).body).toContain(`par gestionnaire amartin : <span class="${lot.statut}">${lot.statut}</span>`);
  }, 30_000);

  it('shows a demande’s history by numéro, and 404 for a numéro outside the territories', async () => {
    const client = new Client();
    await client.login();
    const numero = (await f.gateway.registry.lotResultats(f.rejected))[0]!.numeroUnique!;
    const page = await client.request('GET', `/demandes?numero=${numero}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('enregistrement (CRE)');
    expect(page.body).toContain('guichet G1104');
    expect((await client.request('GET', '/demandes?numero=0131126000001G1301')).statusCode).toBe(404);
  });

  it('finds a demandeur’s demandes as demandes search does, those of the gestionnaire’s guichets and territories only', async () => {
    const dupont = withDemandeur(sampleDemandeLogement(), { nom: 'Dupont-Léger', prenom: 'Zoé', dateNaissance: '1975-06-30' });
    const demande = (numeroUnique: string, extra: Partial<DemandeRecord> = {}): DemandeRecord => ({
      numeroUnique,
      territoire: numeroUnique.slice(0, 3),
      guichet: numeroUnique.slice(13),
      statut: 'ACTIVE',
      dateDepot: '2026-01-05',
      dateEcheance: '2027-01-05',
      donnees: dupont,
      ...extra,
    });
    await f.gateway.registry.transaction(async (tx) => {
      const source = (reference: string) => ({ guichet: 'G1104', identifiantLot: 'LOT-RECHERCHE', reference });
      await tx.insertDemande(demande('1110126900001G1104'), source('a')); // their guichet
      await tx.insertDemande(demande('1110126900002G1301', { statut: 'RADIEE', dateRadiation: '2026-04-05', motifRadiation: 'RADATT' }), source('b')); // their territory (111)
      await tx.insertDemande(demande('0130126900003G1301'), source('c')); // neither
    });
    const client = new Client();
    await client.login();
    expect((await client.request('GET', '/recherche')).body).toContain('<form method="post" action="/recherche">');
    const found = await client.request('POST', '/recherche', { _csrf: client.csrf, nom: 'DUPONT LEGER', prenom: 'zoe', naissance: '1975-06-30' });
    expect(found.statusCode).toBe(200);
    expect(found.body).toContain('2 demande(s) pour ce demandeur sur vos territoires, dont 1 active(s)');
    expect(found.body).toContain('<a href="/demandes?numero=1110126900001G1104">1110126900001G1104</a></td><td>ACTIVE</td><td>111</td><td>G1104</td>');
    expect(found.body).toContain('<td>RADIEE</td><td>111</td><td>G1301</td>\n<td>2026-01-05</td><td></td><td>2027-01-05</td><td>2026-04-05 (RADATT)</td>');
    expect(found.body).not.toContain('0130126900003G1301');
    const nobody = await client.request('POST', '/recherche', { _csrf: client.csrf, nom: 'Dupont-Léger', prenom: 'Zoé', naissance: '1975-06-29' });
    expect(nobody.body).toContain('Aucune demande pour ce demandeur sur vos territoires.');
    expect((await client.request('POST', '/recherche', { _csrf: client.csrf, nom: 'Dupont', prenom: 'Zoé', naissance: '1975-02-30' })).statusCode).toBe(400);
    expect((await client.request('POST', '/recherche', { _csrf: client.csrf, nom: '--', prenom: 'Zoé', naissance: '1975-06-30' })).statusCode).toBe(400);
    expect((await client.request('POST', '/recherche', { nom: 'Dupont-Léger', prenom: 'Zoé', naissance: '1975-06-30' })).statusCode).toBe(403);
  });

  it('deletes a quarantined message under the gestionnaire’s name', async () => {
    const id = await f.gateway.registry.transaction((tx) =>
      tx.insertLot({ messageSha256: 'sha-q', expediteur: 'inconnu@x.example', statut: 'QUARANTAINE', recuAt: '2026-11-26T08:00:00.000Z', traiteAt: '2026-11-26T08:00:00.000Z', erreurs: [], original: Buffer.from('y') }),
    );
    const client = new Client();
    await client.login();
    expect((await client.request('GET', '/quarantaine')).body).toContain('inconnu@x.example');
    const deleted = await client.request('POST', `/quarantaine/${id}/supprimer`, { _csrf: client.csrf });
    expect(deleted.statusCode).toBe(303);
    expect(await f.gateway.registry.getLot(id)).toMatchObject({ supprimePar: 'gestionnaire:amartin' });
  });

  it('rate-limits login attempts', async () => {
    const limited = await f.withLoginLimit(3);
    const client = new Client(limited);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await client.login('amartin', 'mauvais mot de passe')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    await limited.close();
  }, 30_000);
});
