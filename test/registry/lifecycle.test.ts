/**
 * The lifecycle through the real commitLot (spec 4.2, 4.4, 4.5) on each backend, with a clock
 * the test controls: CRE and its numbering, doublons, the renewal window, MOD, RAD, expiry.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { expireDemandes, selectExpirees } from '../../src/registry/expire.js';
import { issuePreavis } from '../../src/replies/preavis/issue.js';
import type { DemandeLogement } from '../../src/lot/types.js';
import type { ResultatRecord } from '../../src/registry/model.js';
import type { Registry } from '../../src/registry/registry.js';
import { BACKENDS, freshRegistry } from './backends.js';
import { commitDemandes, cre, G1104, G1301, G2000, mod, rad, ren, sampleDemandeLogement, withDemandeur } from './helpers.js';

type Lot = Awaited<ReturnType<typeof commitDemandes>>;

describe.each(BACKENDS)('registry lifecycle on $name', (backend) => {
  let registry: Registry;
  const clock = fixedClock('2026-11-26T10:00:00+01:00');
  const base = sampleDemandeLogement();
  const martin = withDemandeur(base, { nom: 'Martin', prenom: 'Élodie', dateNaissance: '1988-03-14' });

  const resultats = async (lot: Lot): Promise<readonly ResultatRecord[]> => registry.lotResultats(lot.lot.id);
  const only = async (lot: Lot): Promise<ResultatRecord> => {
    const all = await resultats(lot);
    expect(all).toHaveLength(1);
    return all[0]!;
  };
  const send = async (guichet: string, ...demandes: Parameters<typeof commitDemandes>[2]) => commitDemandes(registry, guichet, demandes, clock.now());
  /** A lot the gateway received at `recuAt` and processes now, on `clock`. */
  const receivedAt = async (recuAt: string, guichet: string, ...demandes: Parameters<typeof commitDemandes>[2]) =>
    commitDemandes(registry, guichet, demandes, { recuAt: new Date(recuAt), traiteAt: clock.now() });
  const recue = <D extends Parameters<typeof commitDemandes>[2][number]>(demande: D, dateReception: string): D => ({ ...demande, dateReception });
  const register = async (donnees: DemandeLogement = martin): Promise<string> => (await only(await send('G1104', cre(`R-${Math.random()}`, donnees)))).numeroUnique!;

  beforeEach(async () => {
    registry = await freshRegistry(backend);
    for (const g of [G1104, G2000, G1301]) await registry.addGuichet(g);
    await registry.addGuichet({ ...G1104, code: 'G9999', expediteurs: ['lots@g9999.example'], departements: ['93', '75', '13'] });
    clock.set('2026-11-26T10:00:00+01:00');
  });
  afterEach(async () => {
    await registry.close();
  });

  describe('CRE and numbering (spec 4.4)', () => {
    it('gives territory, MMYY of the Paris day, a gap-free sequence and the guichet', async () => {
      clock.set('2026-11-30T23:30:00Z'); // already 1 December in Paris
      const lot = await send('G1104', cre('A', martin), cre('B', withDemandeur(base, { nom: 'Autre' })));
      expect((await resultats(lot)).map((r) => r.numeroUnique)).toEqual(['1111226000001G1104', '1111226000002G1104']);
      expect(await registry.getDemande('1111226000001G1104')).toMatchObject({
        territoire: '111',
        guichet: 'G1104',
        statut: 'ACTIVE',
        dateDepot: '2026-12-01',
        dateEcheance: '2027-12-01',
      });
    });

    it('dates a CRE from its dateReception (spec 3.2): dateDepot, MMYY, échéance and audit', async () => {
      clock.set('2026-12-03T10:00:00+01:00');
      const lot = await send('G1104', recue(cre('A', martin), '2026-11-20'), cre('B', withDemandeur(base, { nom: 'Autre' })));
      expect((await resultats(lot)).map((r) => [r.numeroUnique, r.dateDepot, r.dateEcheance])).toEqual([
        ['1111126000001G1104', '2026-11-20', '2027-11-20'],
        ['1111226000001G1104', '2026-12-03', '2027-12-03'],
      ]);
      expect(await registry.getDemande('1111126000001G1104')).toMatchObject({ dateDepot: '2026-11-20', dateEcheance: '2027-11-20' });
      expect((await registry.demandeHistory('1111126000001G1104'))[0]).toMatchObject({ at: '2026-12-03T09:00:00.000Z', details: { dateDepot: '2026-11-20' } });
    });

    it('dates a CRE from the Paris day the lot was received, not the day it is processed', async () => {
      clock.set('2026-12-01T09:00:00+01:00');
      const lot = await receivedAt('2026-11-30T22:30:00Z', 'G1104', cre('A', martin)); // 23:30 on 30 November in Paris
      expect(await only(lot)).toMatchObject({ statut: 'ENREGISTREE', numeroUnique: '1111126000001G1104', dateDepot: '2026-11-30', dateEcheance: '2027-11-30' });
      expect(lot.lot).toMatchObject({ recuAt: '2026-11-30T22:30:00.000Z', traiteAt: '2026-12-01T08:00:00.000Z' });
    });

    it('refuses a dateReception out of range of the reception day, whatever the processing day', async () => {
      clock.set('2026-12-01T09:00:00+01:00');
      const lot = await receivedAt('2026-11-30T22:30:00Z', 'G1104', recue(cre('A', martin), '2026-12-01'), recue(cre('B', withDemandeur(base, { nom: 'Autre' })), '2026-10-30'));
      expect((await resultats(lot)).map((r) => [r.statut, r.erreurs.map((e) => e.code).join(), r.dateDepot])).toEqual([
        ['REJETEE', 'DEM_DATE_RECEPTION', undefined],
        ['ENREGISTREE', '', '2026-10-30'],
      ]);
      expect((await resultats(lot))[0]!.erreurs[0]).toMatchObject({ chemin: '/lot/demande[1]/@dateReception', valeur: '2026-12-01', suggestion: expect.stringContaining('du 2026-10-30 au 2026-11-30') });
    });

    it('records who, which lot, when and what in the audit trail', async () => {
      const lot = await send('G1104', cre('DOS-1', martin));
      const numero = (await only(lot)).numeroUnique!;
      expect(await registry.demandeHistory(numero)).toEqual([
        {
          numeroUnique: numero,
          action: 'CRE',
          acteur: 'guichet:G1104',
          lotId: lot.lot.id,
          identifiantLot: lot.lot.identifiantLot,
          at: '2026-11-26T09:00:00.000Z',
          details: { reference: 'DOS-1', territoire: '111', dateDepot: '2026-11-26', dateEcheance: '2027-11-26' },
        },
      ]);
    });
  });

  describe('doublons (spec 4.2)', () => {
    it('refuses the same demandeur in the same territory, ignoring case, accents, spaces and hyphens', async () => {
      const numero = await register(withDemandeur(base, { nom: 'Le Fèvre-Durand', prenom: 'Jean-Pierre', dateNaissance: '1980-01-02' }));
      const again = await only(await send('G1104', cre('B', withDemandeur(base, { nom: 'LEFEVRE DURAND', prenom: 'jean pierre', dateNaissance: '1980-01-02' }))));
      expect(again.statut).toBe('REJETEE');
      expect(again.erreurs).toEqual([
        expect.objectContaining({
          code: 'DEM_DOUBLON',
          chemin: '/lot/demande[1]/demandeLogement/personnePhysique/demandeur',
          suggestion: numero,
          message: expect.stringContaining(numero),
        }),
      ]);
    });

    it('gives the existing numéro only to the guichet that registered it', async () => {
      const numero = await register();
      const other = await only(await send('G2000', cre('X', martin)));
      expect(other.erreurs[0]?.code).toBe('DEM_DOUBLON');
      expect(other.erreurs[0]?.message).toMatch(/contactez votre gestionnaire territorial/);
      expect(JSON.stringify(other)).not.toContain(numero);
      expect(other.erreurs[0]?.suggestion).toBeUndefined();
    });

    it('is no doublon with another birth date, another territory, or a radiated demande', async () => {
      const numero = await register();
      expect((await only(await send('G1104', cre('B', withDemandeur(martin, { dateNaissance: '1988-03-15' }))))).statut).toBe('ENREGISTREE');
      const marseille = { ...martin, logementRecherche: { ...martin.logementRecherche, communesSouhaitees: [{ code: '13001' }] } };
      expect((await only(await send('G1301', cre('C', marseille)))).numeroUnique).toMatch(/^0131126000001G1301$/);
      expect((await only(await send('G1104', rad('D', { numUnique: numero, motif: 'RADABA' })))).statut).toBe('RADIEE');
      expect((await only(await send('G1104', cre('E', martin)))).statut).toBe('ENREGISTREE');
    });

    it('within one lot, the first demande registers and a later one for the same demandeur is its doublon', async () => {
      const lot = await send('G1104', cre('A', martin), cre('B', withDemandeur(martin, { nom: 'MARTIN' })));
      const [first, second] = await resultats(lot);
      expect(first?.statut).toBe('ENREGISTREE');
      expect(second?.erreurs).toEqual([expect.objectContaining({ code: 'DEM_DOUBLON', suggestion: first?.numeroUnique })]);
      expect(lot.lot.statut).toBe('PARTIEL');
    });

    it('a refused doublon takes no number: the sequence stays gap-free', async () => {
      await register();
      await send('G1104', cre('B', martin));
      expect(await register(withDemandeur(base, { nom: 'Suivant' }))).toBe('1111126000002G1104');
    });

    it('REN and MOD are not doublons of themselves, but may not take another demandeur’s identity', async () => {
      const numero = await register();
      const other = await register(withDemandeur(base, { nom: 'Durand', prenom: 'Paul', dateNaissance: '1970-05-05' }));
      expect((await only(await send('G1104', mod('M1', numero, withDemandeur(martin, { nom: 'MARTÍN' }))))).statut).toBe('MODIFIEE');
      const clash = await only(await send('G1104', mod('M2', numero, withDemandeur(base, { nom: 'durand', prenom: 'paul', dateNaissance: '1970-05-05' }))));
      expect(clash.erreurs).toEqual([expect.objectContaining({ code: 'DEM_DOUBLON', suggestion: other })]);
      clock.set('2027-11-20T10:00:00+01:00');
      expect((await only(await send('G1104', ren('R1', numero, martin)))).statut).toBe('RENOUVELEE');
    });
  });

  describe('REN (spec 4.5): one month before to one month after the anniversary', () => {
    it.each([
      ['2027-10-25', false],
      ['2027-10-26', true],
      ['2027-11-26', true],
      ['2027-12-26', true],
      ['2027-12-27', false],
    ])('on %s accepted: %s', async (day, accepted) => {
      const numero = await register();
      clock.set(`${day}T12:00:00+01:00`);
      const r = await only(await send('G1104', ren('R', numero, martin)));
      if (accepted) {
        expect(r).toMatchObject({ statut: 'RENOUVELEE', numeroUnique: numero, dateDepot: '2026-11-26', dateEcheance: `${Number(day.slice(0, 4)) + 1}${day.slice(4)}` });
      } else {
        expect(r.erreurs).toEqual([expect.objectContaining({ code: 'DEM_HORS_PERIODE', valeur: numero })]);
        expect(r.erreurs[0]?.message).toContain('du 2027-10-26 au 2027-12-26');
      }
    });

    it.each([
      ['received in the window, processed after it closes', '2027-12-28T10:00:00+01:00', '2027-12-20', true],
      ['processed in the window, received before it opens', '2027-10-27T10:00:00+01:00', '2027-10-25', false],
    ])('judges the window on the dateReception (spec 3.2): %s', async (_name, processed, dateReception, accepted) => {
      const numero = await register();
      clock.set(processed);
      const r = await only(await send('G1104', recue(ren('R', numero, martin), dateReception)));
      if (accepted) {
        expect(r).toMatchObject({ statut: 'RENOUVELEE', dateDepot: '2026-11-26', dateEcheance: '2028-12-20' });
        expect(await registry.getDemande(numero)).toMatchObject({ dateRenouvellement: '2027-12-20', dateEcheance: '2028-12-20' });
      } else {
        expect(r.erreurs.map((e) => e.code)).toEqual(['DEM_HORS_PERIODE']);
      }
    });

    it('judges the window on the Paris day the lot was received, not the day it is processed', async () => {
      const numero = await register();
      clock.set('2027-12-27T09:00:00+01:00'); // the day after the window closed
      const r = await only(await receivedAt('2027-12-26T22:30:00Z', 'G1104', ren('R', numero, martin))); // 23:30 on its last day
      expect(r).toMatchObject({ statut: 'RENOUVELEE', dateEcheance: '2028-12-26' });
      expect(await registry.getDemande(numero)).toMatchObject({ dateRenouvellement: '2027-12-26' });
    });

    it('keeps the numéro and the date of first registration, moves the anniversary, and owes an attestation', async () => {
      const numero = await register();
      clock.set('2027-12-01T09:00:00+01:00');
      const lot = await send('G1104', ren('R', numero, withDemandeur(martin, {}, { motifs: ['01'] })));
      expect(await registry.getDemande(numero)).toMatchObject({ dateDepot: '2026-11-26', dateRenouvellement: '2027-12-01', dateEcheance: '2028-12-01' });
      expect((await registry.outboxForLot(lot.lot.id)).map((o) => o.kind)).toEqual(['compte-rendu', 'attestation']);
      const event = (await registry.demandeHistory(numero)).at(-1)!;
      expect(event).toMatchObject({ action: 'REN', details: { ancienneEcheance: '2027-11-26', dateEcheance: '2028-12-01', champs: 'motifs' } });
    });
  });

  describe('MOD and RAD', () => {
    it('MOD replaces the data, keeps the dates, sends no attestation, and records which parts changed', async () => {
      const numero = await register();
      clock.set('2027-02-01T10:00:00+01:00');
      const changed = withDemandeur(martin, { telPortable: '0700000000' }, { motifs: ['02'] });
      const lot = await send('G1104', mod('M', numero, changed));
      expect(await only(lot)).toMatchObject({ statut: 'MODIFIEE', dateDepot: '2026-11-26', dateEcheance: '2027-11-26' });
      expect((await registry.getDemande(numero))?.donnees.demandeur.telPortable).toBe('0700000000');
      expect((await registry.outboxForLot(lot.lot.id)).map((o) => o.kind)).toEqual(['compte-rendu']);
      expect((await registry.demandeHistory(numero)).at(-1)).toMatchObject({ action: 'MOD', details: { champs: 'demandeur.telPortable, motifs' } });
    });

    it('refuses a MOD that would move the demande to another territory', async () => {
      const numero = (await only(await send('G9999', cre('A', martin)))).numeroUnique!;
      const marseille = { ...martin, logementRecherche: { ...martin.logementRecherche, communesSouhaitees: [{ code: '13001' }] } };
      const r = await only(await send('G9999', mod('M', numero, marseille)));
      expect(r.erreurs).toEqual([expect.objectContaining({ code: 'DEM_LOCALISATION_TERRITOIRE', valeur: '013' })]);
    });

    it('RAD keeps motif, sous-motif and date d’effet; the demande is then DEM_RADIEE for REN, MOD and RAD', async () => {
      const numero = await register();
      const lot = await send('G1104', rad('D', { numUnique: numero, motif: 'RADIRR', sousMotif: 'IRRSEJ', dateEffet: '2026-11-20' }));
      expect(await only(lot)).toMatchObject({ statut: 'RADIEE', numeroUnique: numero });
      expect(await registry.getDemande(numero)).toMatchObject({ statut: 'RADIEE', motifRadiation: 'RADIRR', sousMotifRadiation: 'IRRSEJ', dateRadiation: '2026-11-20' });
      expect((await registry.demandeHistory(numero)).at(-1)).toMatchObject({
        action: 'RAD',
        acteur: 'guichet:G1104',
        lotId: lot.lot.id,
        details: { reference: 'D', motif: 'RADIRR', sousMotif: 'IRRSEJ', dateEffet: '2026-11-20' },
      });
      for (const again of [ren('R', numero, martin), mod('M', numero, martin), rad('D2', { numUnique: numero, motif: 'RADATT' })]) {
        expect((await only(await send('G1104', again))).erreurs[0]?.code).toBe('DEM_RADIEE');
      }
    });

    it('RAD without dateEffet takes effect on the processing day', async () => {
      const numero = await register();
      await send('G1104', rad('D', { numUnique: numero, motif: 'RADATT' }));
      expect(await registry.getDemande(numero)).toMatchObject({ motifRadiation: 'RADATT', dateRadiation: '2026-11-26' });
      expect((await registry.getDemande(numero))?.sousMotifRadiation).toBeUndefined();
    });

    it('RAD without dateEffet takes effect on the processing day, even for a lot received the day before', async () => {
      const numero = await register();
      clock.set('2026-12-01T09:00:00+01:00');
      await receivedAt('2026-11-30T22:30:00Z', 'G1104', rad('D', { numUnique: numero, motif: 'RADATT' }));
      expect(await registry.getDemande(numero)).toMatchObject({ statut: 'RADIEE', dateRadiation: '2026-12-01' });
    });

    it('DEM_NUMERO_INCONNU for a numéro never given, DEM_TERRITOIRE_NUMERO for a guichet of another territory', async () => {
      const numero = await register();
      expect((await only(await send('G1104', mod('M', '1111126999999G1104', martin)))).erreurs[0]).toMatchObject({ code: 'DEM_NUMERO_INCONNU', valeur: '1111126999999G1104' });
      expect((await only(await send('G1301', rad('D', { numUnique: numero, motif: 'RADATT' })))).erreurs[0]?.code).toBe('DEM_TERRITOIRE_NUMERO');
      expect((await registry.getDemande(numero))?.statut).toBe('ACTIVE');
    });
  });

  describe('expiry: RADREN one month after the anniversary (spec 4.5)', () => {
    /** The préavis owed on `day` issued, and each accepted by a server at `acceptedAt` (spec 5.3). */
    async function preavisAccepted(day: string, acceptedAt: string): Promise<number> {
      const { emis } = await issuePreavis(registry, day, { messageIdDomain: 'sne.test', preavisMois: 1 }, { at: new Date(`${day}T08:00:00Z`) });
      for (const item of (await registry.outboxByStatut('A_PREPARER')).filter((i) => i.kind === 'preavis')) {
        await registry.transaction(async (tx) => void (await tx.markPreavisAccepted(item.id, acceptedAt)));
      }
      return emis;
    }

    it('radiates on the day after the renewal window closes, once, with its audit event', async () => {
      clock.set('2026-01-31T10:00:00+01:00');
      const numero = await register(); // anniversary 2027-01-31, window closes 2027-02-28 (clamped)
      const renewed = await register(withDemandeur(base, { nom: 'Renouvelé' }));
      clock.set('2027-01-15T10:00:00+01:00');
      await send('G1104', ren('R', renewed, withDemandeur(base, { nom: 'Renouvelé' })));
      expect(await preavisAccepted('2026-12-31', '2026-12-31T09:00:00.000Z')).toBe(1);

      clock.set('2027-02-28T23:00:00+01:00');
      expect(await expireDemandes(registry, clock.now())).toEqual({ radiees: 0 });
      clock.set('2027-03-01T00:30:00+01:00');
      expect((await selectExpirees(registry, '2027-03-01')).map((d) => d.numeroUnique)).toEqual([numero]);
      expect(await expireDemandes(registry, clock.now())).toEqual({ radiees: 1 });
      expect(await expireDemandes(registry, clock.now())).toEqual({ radiees: 0 });

      expect(await registry.getDemande(numero)).toMatchObject({ statut: 'RADIEE', motifRadiation: 'RADREN', dateRadiation: '2027-03-01' });
      expect((await registry.getDemande(renewed))?.statut).toBe('ACTIVE');
      expect((await registry.demandeHistory(numero)).at(-1)).toEqual({
        numeroUnique: numero,
        action: 'RAD',
        acteur: 'passerelle',
        at: '2027-02-28T23:30:00.000Z',
        details: { motif: 'RADREN', dateEffet: '2027-03-01', dateEcheance: '2027-01-31' },
      });
      const late = await only(await send('G1104', ren('R2', numero, martin)));
      expect(late.erreurs[0]?.code).toBe('DEM_RADIEE');
    });

    it('catches up after days without a run, dating each radiation from its own window', async () => {
      clock.set('2026-03-10T10:00:00+01:00');
      const first = await register();
      clock.set('2026-03-20T10:00:00+01:00');
      const second = await register(withDemandeur(base, { nom: 'Second' }));
      expect(await preavisAccepted('2027-02-20', '2027-02-20T09:00:00.000Z')).toBe(2);
      const result = await expireDemandes(registry, '2027-06-01', { acteur: 'gestionnaire:alice', at: new Date('2027-06-01T08:00:00Z') });
      expect(result.radiees).toBe(2);
      expect((await registry.getDemande(first))?.dateRadiation).toBe('2027-04-11');
      expect((await registry.getDemande(second))?.dateRadiation).toBe('2027-04-21');
      expect((await registry.demandeHistory(second)).at(-1)?.acteur).toBe('gestionnaire:alice');
    });

    it('waits without a préavis accepted at least one month before, then radiates from that day (spec 5.3)', async () => {
      clock.set('2026-03-10T10:00:00+01:00');
      const numero = await register(); // anniversary 2027-03-10, window closes 2027-04-10
      expect(await expireDemandes(registry, '2027-04-11')).toEqual({ radiees: 0 }); // never issued
      // Issued late (the pass catches up), not yet accepted: still waiting.
      expect(await issuePreavis(registry, '2027-04-11', { messageIdDomain: 'sne.test', preavisMois: 1 })).toEqual({ emis: 1, sansGuichet: 0 });
      expect(await issuePreavis(registry, '2027-04-12', { messageIdDomain: 'sne.test', preavisMois: 1 })).toEqual({ emis: 0, sansGuichet: 0 });
      expect(await expireDemandes(registry, '2027-05-20')).toEqual({ radiees: 0 });
      const [item] = (await registry.outboxByStatut('A_PREPARER')).filter((i) => i.kind === 'preavis');
      await registry.transaction(async (tx) => void (await tx.markPreavisAccepted(item!.id, '2027-04-12T09:00:00.000Z')));
      expect(await expireDemandes(registry, '2027-05-11')).toEqual({ radiees: 0 }); // accepted less than a month ago
      expect(await expireDemandes(registry, '2027-05-12')).toEqual({ radiees: 1 });
      expect(await registry.getDemande(numero)).toMatchObject({ statut: 'RADIEE', motifRadiation: 'RADREN', dateRadiation: '2027-05-12' });
    });
  });
});
