import { describe, expect, it } from 'vitest';
import type { Demande } from '../../src/lot/types.js';
import { judgeDemandes } from '../../src/rules/index.js';
import { loadBundledReference } from '../../src/rules/reference/index.js';

const reference = loadBundledReference();
const guichet = { code: 'G1104', departements: ['93', '75'] };

function demande(position: number, communes: readonly string[], reference = `REF-${position}`): Demande {
  return {
    position,
    reference,
    typeFichier: 'CRE',
    demandeLogement: {
      demandeur: {
        civilite: '2',
        nom: 'N',
        prenom: 'P',
        dateNaissance: '1990-01-01',
        nationalite: '1',
        pieceIdentite: { code: 'CNI', numero: 'X4RTBPFW4' },
        situationFamiliale: 'C',
        ressources: [],
      },
      cotitulaires: [],
      personnesACharge: [],
      logementActuel: { modelesLogement: ['LP'] },
      motifs: ['13'],
      logementRecherche: { typesLogement: ['T3'], communesSouhaitees: communes.map((code) => ({ code })) },
    },
  };
}

const judge = (...demandes: Demande[]) => judgeDemandes(demandes, { guichet, receptionDay: '2026-11-26', reference });
const codes = (j: ReturnType<typeof judge>, position: number) => j.get(position)!.errors.map((e) => e.code);

describe('communes souhaitées, territory and habilitation', () => {
  it('accepts communes of one territory the guichet holds, Île-de-France being one territory', () => {
    const j = judge(demande(1, ['93066', '75111', '93001']));
    expect(codes(j, 1)).toEqual([]);
    expect(j.get(1)!.territoire).toBe('111');
  });

  it('refuses a commune outside the first one’s territory, naming it', () => {
    const [error] = judge(demande(2, ['93066', '13055'])).get(2)!.errors;
    expect(error).toMatchObject({
      code: 'DEM_LOCALISATION_TERRITOIRE',
      chemin: '/lot/demande[2]/demandeLogement/logementRecherche/listeLocalisationSouhaite/localisationSouhaite[2]/commune/@code',
      valeur: '13055',
    });
    expect(error!.message).toContain('Marseille');
  });

  it('refuses a département the guichet is not habilitated for, and says how to fix it', () => {
    const [error] = judge(demande(1, ['94028'])).get(1)!.errors;
    expect(error).toMatchObject({ code: 'DEM_GUICHET_NON_HABILITE', valeur: '94028' });
    expect(error!.suggestion).toContain('gestionnaire territorial');
  });

  it('refuses an unknown code, and explains a retired one with its current commune', () => {
    expect(codes(judge(demande(1, ['93999'])), 1)).toEqual(['DEM_COMMUNE_INCONNUE']);
    const [retired] = judge(demande(1, ['93059'])).get(1)!.errors; // Pierrefitte-sur-Seine, now part of Saint-Denis
    expect(retired).toMatchObject({ code: 'DEM_COMMUNE_INCONNUE', valeur: '93059', suggestion: '93066' });
    expect(judge(demande(1, ['93999'])).get(1)!.territoire).toBeUndefined();
  });

  it('refuses two demandes of a lot sharing a reference, both of them', () => {
    const j = judge(demande(1, ['93066'], 'DOS-1'), demande(2, ['93066'], 'DOS-2'), demande(3, ['93066'], 'DOS-1'));
    expect(codes(j, 1)).toEqual(['DEM_REFERENCE_DUPLIQUEE']);
    expect(codes(j, 2)).toEqual([]);
    expect(j.get(3)!.errors[0]).toMatchObject({ chemin: '/lot/demande[3]/@reference', valeur: 'DOS-1' });
  });
});
