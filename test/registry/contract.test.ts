/**
 * The registry contract (src/registry/registry.ts): every case runs on each backend, on new
 * empty storage, and must give the same answers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DemandeError } from '../../src/errors.js';
import { cleDoublon, cleIdentite } from '../../src/registry/doublon.js';
import type { DemandeRecord } from '../../src/registry/model.js';
import { SCHEMA_VERSION, type Registry } from '../../src/registry/registry.js';
import { POSTGRES_SCHEMA_VERSION } from '../../src/registry/postgres/migrations.js';
import { MIGRATIONS } from '../../src/registry/sqlite/migrations.js';
import { BACKENDS } from './backends.js';
import { sampleDemandeLogement, withDemandeur } from './helpers.js';

const GUICHET = {
  code: 'G1104',
  nom: 'Bailleur',
  adresse: '1 rue A\n93200 Saint-Denis',
  expediteurs: ['Lots@G1104.example'],
  destinataires: ['retours@g1104.example'],
  cles: [{ fingerprint: 'ABCD', armored: '-----BEGIN PGP PUBLIC KEY BLOCK-----' }],
  departements: ['93', '75'],
};

describe.each(BACKENDS)('$name registry', (backend) => {
  let storage: string;
  let registry: Registry;
  beforeEach(async () => {
    storage = await backend.storage();
    registry = await backend.open(storage);
  });
  afterEach(async () => {
    await registry.close();
  });

  it('applies every migration once and records the version, shared by both backends', async () => {
    expect([MIGRATIONS.length, POSTGRES_SCHEMA_VERSION]).toEqual([SCHEMA_VERSION, SCHEMA_VERSION]);
    expect(registry.schemaVersion).toBe(SCHEMA_VERSION);
    await registry.close();
    registry = await backend.open(storage);
    expect(registry.schemaVersion).toBe(SCHEMA_VERSION);
    expect(registry.server).toMatch(/^(SQLite|PostgreSQL) \d+\.\d+/);
  });

  it('gives a lease to one holder at a time, to another once it expired or was released', async () => {
    const t0 = new Date('2026-11-26T10:00:00.000Z');
    const later = (s: number) => new Date(t0.getTime() + s * 1000);
    expect(await registry.takeLease('pass:expiry', 'a', t0, later(30))).toBe(true);
    expect(await registry.takeLease('pass:expiry', 'b', later(10), later(40))).toBe(false);
    expect(await registry.takeLease('pass:expiry', 'a', later(10), later(40))).toBe(true); // renewed
    expect(await registry.takeLease('pass:expiry', 'b', later(35), later(65))).toBe(false);
    expect(await registry.takeLease('pass:expiry', 'b', later(40), later(70))).toBe(true); // expired: taken over
    await registry.releaseLease('pass:expiry', 'a'); // no longer a's: nothing happens
    expect(await registry.takeLease('pass:expiry', 'a', later(41), later(71))).toBe(false);
    await registry.releaseLease('pass:expiry', 'b');
    expect(await registry.takeLease('pass:expiry', 'a', later(42), later(72))).toBe(true);
  });

  it('claims replies for one instance until its claim expires; sending renews it, an outcome ends it', async () => {
    const t0 = new Date('2026-11-26T10:00:00.000Z');
    const at = (holder: string, s: number) => ({ holder, now: new Date(t0.getTime() + s * 1000), until: new Date(t0.getTime() + (s + 30) * 1000) });
    const lotId = await registry.transaction(async (tx) =>
      tx.insertLot({ messageSha256: 'sha', statut: 'ACCEPTE', recuAt: 'r', traiteAt: 't', erreurs: [], original: Buffer.from('x') }),
    );
    const ids = await registry.transaction(async (tx) =>
      Promise.all(['a', 'b', 'c'].map(async (n) => tx.queueReply({ lotId, kind: 'attestation', messageId: `<${n}@sne.test>`, destinataires: ['a@x.example'], document: '{}', queuedAt: 't' }))),
    );
    expect((await registry.outboxToPrepare(at('A', 0))).map((o) => o.id)).toEqual(ids);
    expect(await registry.outboxToPrepare(at('B', 1))).toEqual([]); // held by A
    expect(await registry.outboxToPrepare(at('A', 1))).toEqual([]); // A's own: not again in the same pass
    await registry.markPrepared(ids[0]!, Buffer.from('scellé'));
    expect(await registry.outboxDue(at('B', 2))).toEqual([]); // prepared by A, A sends it
    expect((await registry.outboxDue(at('A', 2))).map((o) => o.id)).toEqual([ids[0]]);
    // A stalled past its claim: B takes the reply over, and A may no longer send it.
    expect(await registry.outboxDue(at('B', 31))).toEqual([]);
    expect((await registry.outboxDue(at('B', 33))).map((o) => o.raw?.toString())).toEqual(['scellé']);
    expect(await registry.renewOutboxClaim(ids[0]!, at('A', 34))).toBe(false);
    expect(await registry.renewOutboxClaim(ids[0]!, at('B', 34))).toBe(true);
    await registry.markAttemptFailed(ids[0]!, { at: t0, error: 'refusé', nextAttempt: new Date(t0.getTime() + 35_000) });
    expect((await registry.outboxDue(at('A', 36))).map((o) => o.id)).toEqual([ids[0]]); // the next attempt is anyone's
    await registry.markSent(ids[0]!, new Date(t0.getTime() + 36_000));
    expect(await registry.renewOutboxClaim(ids[0]!, at('A', 37))).toBe(false); // sent: nothing to claim
    expect((await registry.outboxToPrepare(at('B', 31))).map((o) => o.id)).toEqual([ids[1], ids[2]]);
  });

  it('finds an active guichet by its sender address, whatever its case', async () => {
    await registry.addGuichet(GUICHET);
    expect((await registry.guichetBySender('lots@g1104.example'))?.code).toBe('G1104');
    expect((await registry.guichetBySender('LOTS@G1104.EXAMPLE'))?.departements).toEqual(['75', '93']);
    expect(await registry.guichetBySender('retours@g1104.example')).toBeUndefined();
  });

  it('ignores a disabled guichet', async () => {
    await registry.addGuichet({ ...GUICHET, actif: false });
    expect(await registry.guichetBySender('lots@g1104.example')).toBeUndefined();
  });

  it('numbers gap-free per territory and month, and rolls a failed transaction back whole', async () => {
    const take = async (territoire: string, mmyy: string) => registry.transaction(async (tx) => tx.nextSequence(territoire, mmyy));
    expect([await take('111', '1126'), await take('111', '1126'), await take('093', '1126'), await take('111', '1226')]).toEqual([1, 2, 1, 1]);
    await expect(
      registry.transaction(async (tx) => {
        await tx.nextSequence('111', '1126');
        throw new Error('crash in the middle of a lot');
      }),
    ).rejects.toThrow('crash');
    expect(await take('111', '1126')).toBe(3);
  });

  it('runs transactions one at a time, even when their work awaits', async () => {
    const order: string[] = [];
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const lot = (name: string) =>
      registry.transaction(async (tx) => {
        order.push(`${name} begins`);
        const first = await tx.nextSequence('111', '1126');
        await tick(); // the other transaction may not start here
        const second = await tx.nextSequence('111', '1126');
        order.push(`${name} ends`);
        return [first, second];
      });
    expect(await Promise.all([lot('A'), lot('B')])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(order).toEqual(['A begins', 'A ends', 'B begins', 'B ends']);
  });

  it('never shows uncommitted work to a call made outside the open transaction', async () => {
    let opened!: () => void;
    const isOpen = new Promise<void>((resolve) => (opened = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const open = registry.transaction(async (tx) => {
      await tx.insertLot({ messageSha256: 'sha', statut: 'QUARANTAINE', recuAt: 'hier', traiteAt: 'hier', erreurs: [], original: Buffer.from('x') });
      opened();
      await held;
      throw new Error('rolled back');
    });
    await isOpen;
    const outside = registry.listLots(); // the transaction is open, its lot written: not seen
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await expect(open).rejects.toThrow('rolled back');
    expect(await outside).toEqual([]);
  });

  it('answers a read made outside an open transaction without waiting for it, from the last commit (issue 17)', async () => {
    await registry.addGuichet(GUICHET);
    let opened!: () => void;
    const isOpen = new Promise<void>((resolve) => (opened = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const events: string[] = [];
    const open = registry.transaction(async (tx) => {
      await tx.insertLot({ messageSha256: 'sha', statut: 'QUARANTAINE', recuAt: 'hier', traiteAt: 'hier', erreurs: [], original: Buffer.from('x') });
      opened();
      await held;
    });
    await isOpen;
    const read = Promise.all([registry.listLots(), registry.getGuichet('G1104'), registry.outboxNextAttempt()]);
    // Released by the read's answer; by the timer only if the read waits for the transaction,
    // which then fails the test instead of hanging it.
    const unstick = setTimeout(release, 5_000);
    const [lots, guichet] = await read.finally(() => (events.push('read'), release()));
    await open.then(() => events.push('commit'));
    clearTimeout(unstick);
    expect(events).toEqual(['read', 'commit']);
    expect(lots).toEqual([]);
    expect(guichet?.code).toBe('G1104');
    expect(await registry.listLots()).toHaveLength(1);
  });

  it('keeps a département’s settings, replaced by the next ones, apart from its neighbours’', async () => {
    expect(await registry.getTerritory('93')).toBeUndefined();
    await registry.setTerritory({ departement: '93', delaiAnormalementLongMois: 36, commissionAdresse: 'A', preavisDemandeur: false, modifieAt: '2026-11-26T10:00:00Z' });
    await registry.setTerritory({ departement: '93', delaiAnormalementLongMois: 48, commissionAdresse: 'B', preavisDemandeur: true, modifieAt: '2026-11-27T10:00:00Z' });
    await registry.setTerritory({ departement: '75', delaiAnormalementLongMois: 120, commissionAdresse: 'P', preavisDemandeur: false, modifieAt: '2026-11-27T10:00:00Z' });
    expect(await registry.getTerritory('93')).toMatchObject({ delaiAnormalementLongMois: 48, commissionAdresse: 'B', preavisDemandeur: true });
    expect(await registry.getTerritory('75')).toMatchObject({ delaiAnormalementLongMois: 120, preavisDemandeur: false });
    expect((await registry.listTerritories()).map((t) => t.departement)).toEqual(['75', '93']);
  });

  it('keeps gestionnaires’ accounts: added once, their password, territoires and state changed', async () => {
    const compte = { nom: 'amartin', territoires: ['93', '94'], motDePasse: 'scrypt$1$8$1$c2Vs$aGFzaA==', actif: true, creeAt: '2026-11-26T10:00:00Z', modifieAt: '2026-11-26T10:00:00Z' };
    expect(await registry.getGestionnaire('amartin')).toBeUndefined();
    expect(await registry.addGestionnaire(compte)).toBe(true);
    expect(await registry.addGestionnaire({ ...compte, territoires: ['13'] })).toBe(false); // kept as it was
    await registry.addGestionnaire({ ...compte, nom: 'Bdurand', territoires: ['2A'] });
    expect(await registry.getGestionnaire('amartin')).toEqual(compte);
    expect(await registry.updateGestionnaire('amartin', { actif: false, modifieAt: '2026-11-27T10:00:00Z' })).toBe(true);
    expect(await registry.updateGestionnaire('amartin', { motDePasse: 'scrypt$autre', territoires: ['971'], modifieAt: '2026-11-28T10:00:00Z' })).toBe(true);
    expect(await registry.getGestionnaire('amartin')).toEqual({ ...compte, actif: false, motDePasse: 'scrypt$autre', territoires: ['971'], modifieAt: '2026-11-28T10:00:00Z' });
    expect(await registry.updateGestionnaire('inconnu', { actif: false, modifieAt: 'x' })).toBe(false);
    expect((await registry.listGestionnaires()).map((g) => g.nom)).toEqual(['Bdurand', 'amartin']);
  });

  it('lists the active bailleurs holding stock in any of the communes', async () => {
    await registry.addGuichet(GUICHET);
    await registry.addGuichet({ ...GUICHET, code: 'G2000', nom: 'Autre bailleur', expediteurs: ['b@x.example'] });
    await registry.addGuichet({ ...GUICHET, code: 'G3000', nom: 'Bailleur inactif', expediteurs: ['c@x.example'], actif: false });
    await registry.setGuichetCommunes('G1104', ['93066', '93001']);
    await registry.setGuichetCommunes('G2000', ['93048']);
    await registry.setGuichetCommunes('G3000', ['93066']);
    expect(await registry.guichetCommunes('G1104')).toEqual(['93001', '93066']);
    expect(await registry.bailleursIn(['93066', '93048'])).toEqual(['Autre bailleur', 'Bailleur']);
    expect(await registry.bailleursIn(['75111'])).toEqual([]);
  });

  it('reads the CRE/REN/MOD/RAD events of a window with their communes, and records passes and digests with the outbox row', async () => {
    await registry.addGuichet(GUICHET);
    await registry.addGuichet({ ...GUICHET, code: 'G2000', nom: 'Autre', expediteurs: ['b@x.example'] });
    await registry.addGuichet({ ...GUICHET, code: 'G3000', nom: 'Inactif', expediteurs: ['c@x.example'], actif: false });
    await registry.setGuichetCommunes('G2000', ['93066', '93048']);
    await registry.setGuichetCommunes('G3000', ['93066']);
    expect([...(await registry.bailleursCommunes())]).toEqual([['G2000', ['93048', '93066']]]);
    const donnees = sampleDemandeLogement();
    const numero = '1110126000001G1104';
    await registry.transaction(async (tx) => {
      await tx.insertDemande({ numeroUnique: numero, territoire: '111', guichet: 'G1104', statut: 'ACTIVE', dateDepot: '2026-01-05', dateEcheance: '2027-01-05', donnees }, { guichet: 'G1104', identifiantLot: 'L', reference: 'R' });
      for (const action of ['CRE', 'PREAVIS', 'MOD']) await tx.insertEvent({ numeroUnique: numero, action, acteur: 'guichet:G1104', at: '2026-01-05T10:00:00.000Z', details: { motif: 'X' } });
    });
    const last = await registry.lastEventId();
    const events = await registry.dispatchEvents(0, last, 10);
    expect(events.map((e) => e.action)).toEqual(['CRE', 'MOD']);
    expect(events[0]!.communes).toEqual(donnees.logementRecherche.communesSouhaitees.map((c) => c.code));
    expect(await registry.dispatchEvents(events[0]!.id, last, 10)).toHaveLength(1);
    expect(await registry.dispatchEvents(0, last, 1)).toHaveLength(1);
    const entries = await registry.dispatchEntries(events.map((e) => e.id));
    expect(entries.map((e) => [e.event.action, e.event.at, e.event.details, e.demande.numeroUnique])).toEqual([
      ['CRE', '2026-01-05T10:00:00.000Z', { motif: 'X' }, numero],
      ['MOD', '2026-01-05T10:00:00.000Z', { motif: 'X' }, numero],
    ]);
    expect(await registry.lastDispatchPass()).toBeUndefined();
    const outboxId = await registry.transaction(async (tx) => {
      await tx.insertDispatchPass({ jour: '2026-01-06', apres: 0, jusqua: last, at: '2026-01-06T05:00:00.000Z' });
      expect(await tx.nextDispatchSequence('G2000')).toBe(1);
      const id = await tx.queueReply({ kind: 'dispatching', messageId: '<d@x>', destinataires: [], document: '{}', queuedAt: '2026-01-06T05:00:00.000Z' });
      await tx.insertDispatch({ guichet: 'G2000', sequence: 1, jour: '2026-01-06', apres: 0, jusqua: last, evenements: 2, outboxId: id, messageId: '<d@x>', at: '2026-01-06T05:00:00.000Z' });
      expect(await tx.nextDispatchSequence('G2000')).toBe(2);
      return id;
    });
    expect(await registry.lastDispatchPass()).toEqual({ jour: '2026-01-06', apres: 0, jusqua: last, at: '2026-01-06T05:00:00.000Z' });
    expect((await registry.getDispatchPass('2026-01-06'))?.jusqua).toBe(last);
    expect((await registry.listDispatches('G2000')).map((d) => [d.sequence, d.outboxId])).toEqual([[1, outboxId]]);
    const item = (await registry.getOutbox(outboxId))!;
    expect([item.kind, item.lotId]).toEqual(['dispatching', undefined]);
    // The same day twice: refused by the store itself, whatever the caller checked.
    await expect(registry.transaction((tx) => tx.insertDispatchPass({ jour: '2026-01-06', apres: last, jusqua: last, at: 'x' }))).rejects.toThrow();
  });

  it('sorts as SQLite does, byte by byte, whatever the database’s locale', async () => {
    for (const [code, nom] of [['g3', 'béta'], ['G2', 'Zeta'], ['G1', 'alpha'], ['G4', 'Éric']] as const) {
      await registry.addGuichet({ ...GUICHET, code, nom, expediteurs: [`${code}@x.example`] });
      await registry.setGuichetCommunes(code, ['93066']);
    }
    expect(await registry.bailleursIn(['93066'])).toEqual(['Zeta', 'alpha', 'béta', 'Éric']);
    expect((await registry.listGuichets()).map((g) => g.code)).toEqual(['G1', 'G2', 'G4', 'g3']);
  });

  it('changes a guichet’s fields and lists whole, and its keys one by one', async () => {
    await registry.addGuichet(GUICHET);
    expect(await registry.updateGuichet('G9999', { nom: 'Personne' })).toBe(false);
    expect(await registry.updateGuichet('G1104', { nom: 'Renommé', actif: false, expediteurs: ['Nouveau@G1104.example'], departements: ['13'] })).toBe(true);
    expect(await registry.getGuichet('G1104')).toMatchObject({
      nom: 'Renommé',
      adresse: GUICHET.adresse,
      actif: false,
      expediteurs: ['nouveau@g1104.example'],
      destinataires: ['retours@g1104.example'],
      departements: ['13'],
    });
    await registry.addGuichetKey('G1104', { fingerprint: 'ABCD', armored: 'remplacée' });
    await registry.addGuichetKey('G1104', { fingerprint: '0123', armored: 'nouvelle' });
    expect((await registry.getGuichet('G1104'))?.cles).toEqual([
      { fingerprint: '0123', armored: 'nouvelle' },
      { fingerprint: 'ABCD', armored: 'remplacée' },
    ]);
    expect(await registry.removeGuichetKey('G1104', 'ABCD')).toBe(true);
    expect(await registry.removeGuichetKey('G1104', 'ABCD')).toBe(false);
    expect((await registry.getGuichet('G1104'))?.cles.map((k) => k.fingerprint)).toEqual(['0123']);
  });

  it('keeps a lot with its original, receptions and resultats; a replay replaces its outcome, recorded under who made it', async () => {
    const lot = { statut: 'ACCEPTE' as const, recuAt: '2026-11-26T09:00:00.000Z', traiteAt: '2026-11-26T09:00:01.000Z', erreurs: [], original: Buffer.from([0, 1, 2, 255]) };
    const erreur = { code: 'DEM_SCHEMA', message: 'illisible « \\ " » {', chemin: '/lot/demande[2]' } as unknown as DemandeError;
    const first = await registry.transaction(async (tx) => {
      const id = await tx.insertLot({ ...lot, messageSha256: 'sha-1', guichet: 'G1104', identifiantLot: 'LOT-1', empreinte: 'sha256:aa', source: 'b-copie' });
      await tx.recordReception(id, 'a-copie', '2026-11-27T09:00:00.000Z');
      await tx.recordReception(id, 'b-copie', '2026-11-28T09:00:00.000Z'); // already recorded: kept as first seen
      await tx.insertResultats(id, [
        { position: 1, reference: 'R1', typeFichier: 'CRE', statut: 'ENREGISTREE', numeroUnique: '1111126000001G1104', dateDepot: '2026-11-26', dateEcheance: '2027-11-26', erreurs: [] },
        { position: 2, statut: 'REJETEE', erreurs: [erreur] },
      ]);
      return id;
    });
    const redelivered = await registry.transaction(async (tx) =>
      tx.insertLot({ ...lot, messageSha256: 'sha-2', guichet: 'G1104', identifiantLot: 'LOT-1', empreinte: 'sha256:aa', doublonDe: first }),
    );
    expect(await registry.lotSources(first)).toEqual(['b-copie', 'a-copie']);
    expect(await registry.lotOriginal(first)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(await registry.lotOriginalSize(first)).toBe(4);
    expect((await registry.lotByIdentifiant('G1104', 'LOT-1'))?.id).toBe(first);
    expect(await registry.getLot(redelivered)).toMatchObject({ doublonDe: first, version: 1 });
    expect((await registry.lotByMessageSha256('sha-2'))?.id).toBe(redelivered);
    expect(await registry.lotResultats(first)).toEqual([
      { position: 1, reference: 'R1', typeFichier: 'CRE', statut: 'ENREGISTREE', numeroUnique: '1111126000001G1104', dateDepot: '2026-11-26', dateEcheance: '2027-11-26', erreurs: [] },
      { position: 2, statut: 'REJETEE', erreurs: [erreur] },
    ]);

    expect(await registry.lotRejeux(first)).toEqual([]);
    await registry.transaction(async (tx) => {
      await tx.setLotStatut(first, 'PARTIEL');
      await tx.replaceLotOutcome(first, { statut: 'REJETE', version: 2, erreurs: [], traiteAt: '2026-12-01T09:00:00.000Z', rejouePar: 'gestionnaire:alice' }, [{ position: 1, statut: 'REJETEE', erreurs: [] }]);
    });
    expect(await registry.getLot(first)).toMatchObject({ statut: 'REJETE', version: 2, traiteAt: '2026-12-01T09:00:00.000Z', guichet: 'G1104', identifiantLot: 'LOT-1', empreinte: 'sha256:aa' });
    expect(await registry.lotResultats(first)).toEqual([{ position: 1, statut: 'REJETEE', erreurs: [] }]);
    // Each replay is kept, in order, with who made it; a rolled-back one (a dry run) leaves none.
    await registry.transaction(async (tx) => {
      await tx.replaceLotOutcome(first, { statut: 'ACCEPTE', version: 3, erreurs: [], traiteAt: '2026-12-01T09:00:00.000Z', rejouePar: 'gestionnaire:bob' }, []);
    });
    await expect(
      registry.transaction(async (tx) => {
        await tx.replaceLotOutcome(first, { statut: 'REJETE', version: 4, erreurs: [], traiteAt: '2026-12-02T09:00:00.000Z', rejouePar: 'gestionnaire:eve' }, []);
        throw new Error('dry run');
      }),
    ).rejects.toThrow('dry run');
    expect(await registry.lotRejeux(first)).toEqual([
      { at: '2026-12-01T09:00:00.000Z', par: 'gestionnaire:alice', version: 2, statut: 'REJETE' },
      { at: '2026-12-01T09:00:00.000Z', par: 'gestionnaire:bob', version: 3, statut: 'ACCEPTE' },
    ]);
    expect(await registry.lotRejeux(redelivered)).toEqual([]);
    expect((await registry.listLots()).map((l) => l.id)).toEqual([first, redelivered]);
  });

  it('forgets a quarantined message once, keeping its lot row', async () => {
    const [accepted, quarantined] = await registry.transaction(async (tx) => [
      await tx.insertLot({ messageSha256: 'a', statut: 'ACCEPTE', recuAt: 'r', traiteAt: 't', erreurs: [], original: Buffer.from('accepté') }),
      await tx.insertLot({ messageSha256: 'q', statut: 'QUARANTAINE', recuAt: 'r', traiteAt: 't', erreurs: [], original: Buffer.from('illisible') }),
    ]);
    const at = new Date('2026-11-26T10:00:00Z');
    expect(await registry.deleteQuarantined(accepted!, at, 'gestionnaire:alice')).toBe(false);
    expect(await registry.deleteQuarantined(quarantined!, at, 'gestionnaire:alice')).toBe(true);
    expect(await registry.deleteQuarantined(quarantined!, at, 'gestionnaire:alice')).toBe(false);
    expect(await registry.getLot(quarantined!)).toMatchObject({ supprimeAt: at.toISOString(), supprimePar: 'gestionnaire:alice' });
    expect(await registry.lotOriginal(quarantined!)).toBeUndefined();
    expect(await registry.lotOriginalSize(quarantined!)).toBe(0);
    expect(await registry.lotOriginalSize(999)).toBeUndefined();
  });

  const claim = (now: Date) => ({ holder: 'instance', now, until: new Date(now.getTime() + 30_000) });

  it('prepares, sends, defers, gives up, retries and queues replies again', async () => {
    const T_PREPARE = new Date('2026-11-26T09:59:00.000Z');
    const lotId = await registry.transaction(async (tx) =>
      tx.insertLot({ messageSha256: 'sha', statut: 'ACCEPTE', recuAt: 'r', traiteAt: 't', erreurs: [], original: Buffer.from('x') }),
    );
    const [cr, att] = await registry.transaction(async (tx) => [
      await tx.queueReply({ lotId, kind: 'compte-rendu', messageId: '<cr@sne.test>', destinataires: ['a@x.example'], document: '{"cr":1}', queuedAt: 't' }),
      await tx.queueReply({ lotId, kind: 'attestation', messageId: '<att@sne.test>', destinataires: ['a@x.example', 'b@x.example'], document: '{"att":1}', queuedAt: 't' }),
    ]);
    expect((await registry.outboxToPrepare(claim(T_PREPARE))).map((o) => [o.id, o.document])).toEqual([[cr, '{"cr":1}'], [att, '{"att":1}']]);
    expect(await registry.markPrepared(cr!, Buffer.from('scellé'))).toBe(true);
    expect(await registry.markPrepared(cr!, Buffer.from('encore'))).toBe(false);
    const t0 = new Date('2026-11-26T10:00:00.000Z');
    expect(await registry.outboxNextAttempt()).toEqual(new Date(0));
    expect((await registry.outboxDue(claim(t0))).map((o) => [o.id, o.raw?.toString(), o.document])).toEqual([[cr, 'scellé', undefined]]);
    expect((await registry.outboxForLot(lotId)).map((o) => o.raw)).toEqual([undefined, undefined]);

    // Queued again for another lot: the sealed one as it is, the other to prepare from its document.
    const lot2 = await registry.transaction(async (tx) =>
      tx.insertLot({ messageSha256: 'sha2', statut: 'ACCEPTE', recuAt: 'r', traiteAt: 't', erreurs: [], original: Buffer.from('y') }),
    );
    const [crAgain, attAgain] = await registry.transaction(async (tx) => [await tx.requeueReply(cr!, lot2, 'u'), await tx.requeueReply(att!, lot2, 'u')]);
    expect(await registry.getOutbox(crAgain!)).toMatchObject({ lotId: lot2, statut: 'PRET', messageId: '<cr@sne.test>', raw: Buffer.from('scellé'), tentatives: 0, queuedAt: 'u' });
    expect(await registry.getOutbox(attAgain!)).toMatchObject({ lotId: lot2, statut: 'A_PREPARER', document: '{"att":1}', destinataires: ['a@x.example', 'b@x.example'] });

    const t1 = new Date('2026-11-26T10:05:00.000Z');
    const refus = [{ adresse: 'b@x.example', reponse: '550 inconnu', at: t0.toISOString() }];
    await registry.markAttemptFailed(cr!, { at: t0, error: 'connexion refusée', nextAttempt: t1, restants: ['a@x.example'], refus });
    expect(await registry.getOutbox(cr!)).toMatchObject({ tentatives: 1, derniereErreur: 'connexion refusée', prochaineTentative: t1.toISOString(), premiereTentative: t0.toISOString(), restants: ['a@x.example'], refus });
    expect((await registry.outboxDue(claim(t0))).map((o) => o.id)).toEqual([crAgain]);
    expect((await registry.outboxDue(claim(t1))).map((o) => o.id)).toEqual([cr, crAgain]);
    await registry.markSent(crAgain!, t1);
    expect(await registry.getOutbox(crAgain!)).toMatchObject({ statut: 'ENVOYE', envoyeAt: t1.toISOString(), premiereTentative: t1.toISOString(), tentatives: 1, refus: [] });
    expect(await registry.outboxNextAttempt()).toEqual(t1);

    const t2 = new Date('2026-11-29T10:00:00.000Z');
    await registry.markOutboxFailed(crAgain!, t2, 'déjà envoyé'); // only a PRET reply is given up
    await registry.markOutboxFailed(cr!, t2, 'délai dépassé');
    expect(await registry.getOutbox(cr!)).toMatchObject({ statut: 'ECHEC', echecAt: t2.toISOString(), derniereErreur: 'délai dépassé' });
    expect(await registry.getOutbox(crAgain!)).toMatchObject({ statut: 'ENVOYE' });
    expect(await registry.outboxNextAttempt()).toBeUndefined();
    expect((await registry.outboxByStatut('ECHEC')).map((o) => o.id)).toEqual([cr]);
    expect(await registry.retryOutbox(crAgain!, t2, 'alice')).toBeUndefined();
    expect(await registry.retryOutbox(cr!, t2, 'alice')).toBe('PRET');
    const retried = (await registry.getOutbox(cr!))!;
    expect(retried).toMatchObject({ statut: 'PRET', prochaineTentative: t2.toISOString(), relances: [{ at: t2.toISOString(), par: 'alice', statutAvant: 'ECHEC' }] });
    expect(retried.premiereTentative).toBeUndefined();
    expect(retried.echecAt).toBeUndefined();
    await registry.markSent(cr!, t2, refus);
    expect(await registry.getOutbox(cr!)).toMatchObject({ statut: 'ENVOYE', refus, premiereTentative: t2.toISOString(), tentatives: 2 });
    expect(await registry.getOutbox(cr!)).not.toHaveProperty('restants');
  });

  it('counts the waiting and given-up replies per statut with the oldest one\'s queue time, sent ones aside, of some guichets or all', async () => {
    expect(await registry.outboxDepth()).toEqual([]);
    const lotId = await registry.transaction(async (tx) =>
      tx.insertLot({ messageSha256: 'sha', statut: 'ACCEPTE', recuAt: 'r', traiteAt: 't', erreurs: [], original: Buffer.from('x') }),
    );
    const queuedAt = ['2026-11-26T10:00:03.000Z', '2026-11-26T10:00:01.000Z', '2026-11-26T10:00:02.000Z', '2026-11-26T10:00:04.000Z', '2026-11-26T10:00:00.000Z'];
    const ids = await registry.transaction(async (tx) => {
      const ids: number[] = [];
      for (const [n, at] of queuedAt.entries()) {
        ids.push(await tx.queueReply({ lotId, kind: 'attestation', messageId: `<${n}@sne.test>`, destinataires: ['a@x.example'], document: '{}', queuedAt: at }));
      }
      return ids;
    });
    const t0 = new Date('2026-11-26T10:01:00.000Z');
    await registry.outboxToPrepare({ holder: 'A', now: t0, until: new Date(t0.getTime() + 30_000) });
    for (const id of ids.slice(0, 4)) await registry.markPrepared(id, Buffer.from('scellé'));
    await registry.markSent(ids[0]!, t0);
    await registry.markOutboxFailed(ids[1]!, t0, 'délai dépassé');
    // A_PREPARER: ids[4]; PRET: ids[2], ids[3]; ECHEC: ids[1]; ENVOYE (not counted): ids[0].
    expect(await registry.outboxDepth()).toEqual([
      { statut: 'A_PREPARER', replies: 1, oldestQueuedAt: queuedAt[4] },
      { statut: 'ECHEC', replies: 1, oldestQueuedAt: queuedAt[1] },
      { statut: 'PRET', replies: 2, oldestQueuedAt: queuedAt[2] },
    ]);
    // Scoped to guichets: only their lots' replies.
    await registry.addGuichet(GUICHET);
    const [ofG1104, ofNone] = await registry.transaction(async (tx) => [
      await tx.insertLot({ messageSha256: 'sha-g', guichet: 'G1104', statut: 'ACCEPTE', recuAt: 'r', traiteAt: 't', erreurs: [], original: Buffer.from('x') }),
      await tx.insertLot({ messageSha256: 'sha-n', statut: 'REJETE', recuAt: 'r', traiteAt: 't', erreurs: [], original: Buffer.from('x') }),
    ]);
    await registry.transaction(async (tx) => {
      for (const [n, id] of [ofG1104, ofG1104, ofNone].entries()) {
        await tx.queueReply({ lotId: id!, kind: 'compte-rendu', messageId: `<g${n}@sne.test>`, destinataires: ['a@x.example'], document: '{}', queuedAt: `2026-11-26T11:00:0${n}.000Z` });
      }
    });
    expect(await registry.outboxDepth(['G1104', 'G9999'])).toEqual([{ statut: 'A_PREPARER', replies: 2, oldestQueuedAt: '2026-11-26T11:00:00.000Z' }]);
    expect(await registry.outboxDepth(['G9999'])).toEqual([]);
    expect(await registry.outboxDepth([])).toEqual([]);
    expect((await registry.outboxDepth()).find((d) => d.statut === 'A_PREPARER')?.replies).toBe(4);
  });

  it('finds doublons among the active demandes only, and the demandes past their anniversary', async () => {
    const donnees = withDemandeur(sampleDemandeLogement(), { nom: 'Dupont', prenom: 'Zoé', dateNaissance: '1975-06-30' });
    const demande = (numeroUnique: string, statut: 'ACTIVE' | 'RADIEE', dateEcheance: string): DemandeRecord => ({
      numeroUnique,
      territoire: '111',
      guichet: 'G1104',
      statut,
      dateDepot: '2026-01-05',
      dateEcheance,
      donnees,
    });
    const demandes = [
      ['1110126000002G1104', 'ACTIVE', '2027-01-05'],
      ['1110126000001G1104', 'ACTIVE', '2027-01-05'],
      ['1110126000003G1104', 'RADIEE', '2026-12-01'],
      ['1110126000004G1104', 'ACTIVE', '2027-02-01'],
    ] as const;
    await registry.transaction(async (tx) => {
      for (const [n, statut, echeance] of demandes) await tx.insertDemande(demande(n, statut, echeance), { guichet: 'G1104', identifiantLot: 'LOT-1', reference: n });
      expect(await tx.numeroForSource('G1104', 'LOT-1', '1110126000003G1104')).toBe('1110126000003G1104');
      expect(await tx.numeroForSource('G1104', 'LOT-2', '1110126000003G1104')).toBeUndefined();
      await tx.insertEvent({ numeroUnique: '1110126000001G1104', action: 'CRE', acteur: 'guichet:G1104', at: '2026-01-05T09:00:00.000Z', details: { reference: 'R', n: 1 } });
      await tx.insertEvent({ numeroUnique: '1110126000001G1104', action: 'RAD', acteur: 'passerelle', at: '2027-02-06T09:00:00.000Z' });
      await tx.updateDemande({ ...demande('1110126000004G1104', 'RADIEE', '2027-02-01'), motifRadiation: 'RADIRR', sousMotifRadiation: 'IRRSEJ', dateRadiation: '2027-01-10' });
    });
    const cle = cleDoublon(donnees)!;
    expect(await registry.findDoublon('111', cle, '1110126000001G1104')).toEqual({ numeroUnique: '1110126000002G1104', guichet: 'G1104' });
    expect(await registry.findDoublon('111', cle, '1110126000002G1104')).toEqual({ numeroUnique: '1110126000001G1104', guichet: 'G1104' });
    expect(await registry.findDoublon('093', cle)).toBeUndefined();
    expect((await registry.demandesEchues('2027-01-05')).map((d) => d.numeroUnique)).toEqual(['1110126000001G1104', '1110126000002G1104']);
    expect(await registry.demandesEchues('2027-01-04')).toEqual([]);
    expect(await registry.getDemande('1110126000004G1104')).toMatchObject({ statut: 'RADIEE', motifRadiation: 'RADIRR', sousMotifRadiation: 'IRRSEJ', dateRadiation: '2027-01-10' });
    expect(await registry.getDemande('1110126000002G1104')).toEqual(demande('1110126000002G1104', 'ACTIVE', '2027-01-05'));
    expect(await registry.demandeHistory('1110126000001G1104')).toEqual([
      { numeroUnique: '1110126000001G1104', action: 'CRE', acteur: 'guichet:G1104', at: '2026-01-05T09:00:00.000Z', details: { reference: 'R', n: 1 } },
      { numeroUnique: '1110126000001G1104', action: 'RAD', acteur: 'passerelle', at: '2027-02-06T09:00:00.000Z' },
    ]);
  });

  it('keeps one préavis per demande and anniversary, selects the demandes owed one, and keeps its first acceptance', async () => {
    const demande = (numeroUnique: string, dateEcheance: string, statut: 'ACTIVE' | 'RADIEE' = 'ACTIVE'): DemandeRecord => ({
      numeroUnique,
      territoire: '111',
      guichet: 'G1104',
      statut,
      dateDepot: '2026-01-05',
      dateEcheance,
      donnees: withDemandeur(sampleDemandeLogement(), { nom: `Nom ${numeroUnique.slice(12, 13)}` }),
    });
    const [a, b, c, d] = ['1110126000001G1104', '1110126000002G1104', '1110126000003G1104', '1110126000004G1104'];
    const lotId = await registry.transaction(async (tx) => {
      await tx.insertDemande(demande(a!, '2027-01-05'), { guichet: 'G1104', identifiantLot: 'LOT-P', reference: 'a' });
      await tx.insertDemande(demande(b!, '2027-01-04'), { guichet: 'G1104', identifiantLot: 'LOT-P', reference: 'b' });
      await tx.insertDemande(demande(c!, '2027-01-05', 'RADIEE'), { guichet: 'G1104', identifiantLot: 'LOT-P', reference: 'c' });
      await tx.insertDemande(demande(d!, '2027-01-06'), { guichet: 'G1104', identifiantLot: 'LOT-P', reference: 'd' });
      return tx.insertLot({ messageSha256: 'sha', statut: 'ACCEPTE', recuAt: 'r', traiteAt: 't', erreurs: [], original: Buffer.from('x') });
    });
    // ACTIVE, anniversary on or before the day, no préavis for it: oldest anniversary first.
    expect(await registry.demandesSansPreavis('2027-01-05')).toEqual([
      { numeroUnique: b, dateEcheance: '2027-01-04' },
      { numeroUnique: a, dateEcheance: '2027-01-05' },
    ]);
    const queue = (tx: Parameters<Parameters<Registry['transaction']>[0]>[0], n: string) =>
      tx.queueReply({ lotId, kind: 'preavis', messageId: `<preavis-${n}@sne.test>`, destinataires: ['retours@g1104.example'], document: '{}', queuedAt: 't' });
    const first = { numeroUnique: a!, anniversaire: '2027-01-05', guichet: 'G1104', emisAt: '2026-12-05T08:00:00.000Z' };
    const [outboxGuichet, outboxDemandeur, other] = await registry.transaction(async (tx) => {
      const ids = [await queue(tx, 'g'), await queue(tx, 'd'), await queue(tx, 'x')];
      expect(await tx.insertPreavis({ ...first, outboxGuichet: ids[0]!, outboxDemandeur: ids[1]! })).toBe(true);
      // Never two for one anniversary: the second is refused and the first left as it was.
      expect(await tx.insertPreavis({ ...first, emisAt: '2026-12-06T08:00:00.000Z', outboxGuichet: ids[2]! })).toBe(false);
      return ids;
    });
    expect(await registry.getPreavis(a!, '2027-01-05')).toEqual({ ...first, outboxGuichet, outboxDemandeur });
    expect(await registry.getPreavis(a!, '2028-01-05')).toBeUndefined();
    expect(await registry.demandesSansPreavis('2027-01-05')).toEqual([{ numeroUnique: b, dateEcheance: '2027-01-04' }]);

    // The first server acceptance is the one kept, whichever copy comes next; another reply is no préavis.
    await registry.transaction(async (tx) => {
      expect(await tx.markPreavisAccepted(outboxDemandeur!, '2026-12-05T09:00:00.000Z')).toEqual({
        preavis: { ...first, outboxGuichet, outboxDemandeur, accepteAt: '2026-12-05T09:00:00.000Z' },
        copie: 'demandeur',
      });
      expect(await tx.markPreavisAccepted(outboxGuichet!, '2026-12-05T10:00:00.000Z')).toEqual({
        preavis: { ...first, outboxGuichet, outboxDemandeur, accepteAt: '2026-12-05T09:00:00.000Z' },
        copie: 'guichet',
      });
      expect(await tx.markPreavisAccepted(other!, '2026-12-05T10:00:00.000Z')).toBeUndefined();
    });
    expect((await registry.getPreavis(a!, '2027-01-05'))?.accepteAt).toBe('2026-12-05T09:00:00.000Z');

    // Renewed: the next anniversary is owed a préavis of its own.
    await registry.transaction(async (tx) => tx.updateDemande({ ...demande(a!, '2028-01-05'), dateRenouvellement: '2027-01-05' }));
    expect((await registry.demandesSansPreavis('2028-01-05')).map((e) => e.numeroUnique)).toEqual([b, d, a]);
  });

  it('searches a demandeur’s demandes, ACTIVE and RADIEE, by the doublon key, in one territory or all', async () => {
    const dupont = withDemandeur(sampleDemandeLogement(), { nom: 'Dupont-Léger', prenom: 'Zoé', dateNaissance: '1975-06-30' });
    const autre = withDemandeur(sampleDemandeLogement(), { nom: 'Dupont-Léger', prenom: 'Zoé', dateNaissance: '1975-06-29' });
    const demande = (numeroUnique: string, donnees: DemandeRecord['donnees'], extra: Partial<DemandeRecord> = {}): DemandeRecord => ({
      numeroUnique,
      territoire: numeroUnique.slice(0, 3),
      guichet: numeroUnique.slice(13),
      statut: 'ACTIVE',
      dateDepot: `20${numeroUnique.slice(5, 7)}-${numeroUnique.slice(3, 5)}-05`,
      dateEcheance: '2027-01-05',
      donnees,
      ...extra,
    });
    await registry.transaction(async (tx) => {
      const source = (reference: string) => ({ guichet: 'G1104', identifiantLot: 'LOT-S', reference });
      await tx.insertDemande(demande('0930126000001G1104', dupont), source('a'));
      await tx.insertDemande(demande('0130325000007G1301', dupont, { statut: 'RADIEE', motifRadiation: 'RADREN', dateRadiation: '2026-04-05', dateRenouvellement: '2026-03-05' }), source('b'));
      await tx.insertDemande(demande('0930226000002G1104', autre), source('c'));
    });
    // Compared as the doublon rule compares: case, accents, spaces and hyphens do not count.
    const cle = cleIdentite('DUPONT LEGER', 'zoe', '1975-06-30');
    expect(cle).toBe(cleDoublon(dupont));
    expect(await registry.searchDemandes(cle)).toEqual([
      {
        numeroUnique: '0130325000007G1301',
        statut: 'RADIEE',
        territoire: '013',
        guichet: 'G1301',
        dateDepot: '2025-03-05',
        dateRenouvellement: '2026-03-05',
        dateEcheance: '2027-01-05',
        dateRadiation: '2026-04-05',
        motifRadiation: 'RADREN',
      },
      { numeroUnique: '0930126000001G1104', statut: 'ACTIVE', territoire: '093', guichet: 'G1104', dateDepot: '2026-01-05', dateEcheance: '2027-01-05' },
    ]);
    expect((await registry.searchDemandes(cle, '093')).map((d) => d.numeroUnique)).toEqual(['0930126000001G1104']);
    expect(await registry.searchDemandes(cle, '111')).toEqual([]);
    expect(await registry.searchDemandes(cleIdentite('Dupont', 'Zoé', '1975-06-30'))).toEqual([]);
  });
});
