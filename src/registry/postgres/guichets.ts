/** The guichets part on PostgreSQL (src/registry/guichets.ts). */
import type { GuichetsReads, GuichetsRegistry } from '../guichets.js';
import type { Canal, Guichet } from '../model.js';
import type { PostgresConnection, Row, Sql } from './connection.js';

/**
 * A guichet with its lists, in one statement: one snapshot (a gestionnaire's change, applied
 * whole, is seen whole) and one round trip (the sender is looked up for every message).
 */
const GUICHET = `SELECT g.code, g.nom, g.adresse, g.actif, g.canal,
    ARRAY(SELECT adresse FROM guichet_adresses WHERE guichet = g.code AND usage = 'EXPEDITEUR' ORDER BY adresse) AS expediteurs,
    ARRAY(SELECT adresse FROM guichet_adresses WHERE guichet = g.code AND usage = 'DESTINATAIRE' ORDER BY adresse) AS destinataires,
    ARRAY(SELECT fingerprint FROM guichet_cles WHERE guichet = g.code ORDER BY fingerprint) AS fingerprints,
    ARRAY(SELECT armored FROM guichet_cles WHERE guichet = g.code ORDER BY fingerprint) AS armoreds,
    ARRAY(SELECT departement FROM guichet_departements WHERE guichet = g.code ORDER BY departement) AS departements,
    ARRAY(SELECT empreinte FROM guichet_certificats WHERE guichet = g.code ORDER BY empreinte) AS certificats
  FROM guichets g`;

function toGuichet(row: Row): Guichet {
  const armoreds = row.armoreds as string[];
  return {
    code: String(row.code),
    nom: String(row.nom),
    adresse: String(row.adresse),
    actif: row.actif === 1,
    expediteurs: row.expediteurs as string[],
    destinataires: row.destinataires as string[],
    cles: (row.fingerprints as string[]).map((fingerprint, i) => ({ fingerprint, armored: armoreds[i]! })),
    departements: row.departements as string[],
    canal: String(row.canal) as Canal,
    certificats: row.certificats as string[],
  };
}

export function guichetsReads(sql: Sql): GuichetsReads {
  return {
    getGuichet: async (code) => {
      const row = await sql.one(`${GUICHET} WHERE g.code = $1`, code);
      return row ? toGuichet(row) : undefined;
    },
    guichetBySender: async (address) => {
      const row = await sql.one(
        `${GUICHET} WHERE g.actif = 1 AND g.code IN (SELECT guichet FROM guichet_adresses WHERE adresse = $1 AND usage = 'EXPEDITEUR')
         ORDER BY g.code LIMIT 1`,
        address.toLowerCase(),
      );
      return row ? toGuichet(row) : undefined;
    },
    guichetByCertificate: async (empreinte) => {
      const row = await sql.one(`${GUICHET} WHERE g.actif = 1 AND g.code = (SELECT guichet FROM guichet_certificats WHERE empreinte = $1)`, empreinte);
      return row ? toGuichet(row) : undefined;
    },
    listGuichets: async () => (await sql.all(`${GUICHET} ORDER BY g.code`)).map(toGuichet),
    guichetCommunes: async (guichet) =>
      (await sql.all('SELECT commune FROM guichet_communes WHERE guichet = $1 ORDER BY commune', guichet)).map((r) => String(r.commune)),
    bailleursIn: async (communes) => {
      if (communes.length === 0) return [];
      return (
        await sql.all(
          `SELECT DISTINCT g.nom FROM guichet_communes c JOIN guichets g ON g.code = c.guichet
           WHERE g.actif = 1 AND c.commune = ANY($1::text[]) ORDER BY g.nom`,
          communes,
        )
      ).map((r) => String(r.nom));
    },
  };
}

export function guichetsWrites(c: PostgresConnection): Omit<GuichetsRegistry, keyof GuichetsReads> {
  const insertAddresses = async (sql: Sql, code: string, usage: string, addresses: Iterable<string>) => {
    for (const a of new Set(addresses)) await sql.run('INSERT INTO guichet_adresses (guichet, usage, adresse) VALUES ($1, $2, $3)', code, usage, a);
  };
  const insertDepartements = async (sql: Sql, code: string, departements: Iterable<string>) => {
    for (const d of new Set(departements)) await sql.run('INSERT INTO guichet_departements (guichet, departement) VALUES ($1, $2)', code, d);
  };
  return {
    addGuichet: (g) =>
      c.atomically(async (sql) => {
        await sql.run('INSERT INTO guichets (code, nom, adresse, actif, canal) VALUES ($1, $2, $3, $4, $5)', g.code, g.nom, g.adresse, g.actif === false ? 0 : 1, g.canal ?? 'mail');
        await insertAddresses(sql, g.code, 'EXPEDITEUR', g.expediteurs.map((e) => e.toLowerCase()));
        await insertAddresses(sql, g.code, 'DESTINATAIRE', g.destinataires);
        for (const k of g.cles) await sql.run('INSERT INTO guichet_cles (guichet, fingerprint, armored) VALUES ($1, $2, $3)', g.code, k.fingerprint, k.armored);
        await insertDepartements(sql, g.code, g.departements);
        for (const e of new Set(g.certificats ?? [])) await sql.run('INSERT INTO guichet_certificats (empreinte, guichet) VALUES ($1, $2)', e, g.code);
      }),
    updateGuichet: (code, changes) =>
      c.atomically(async (sql) => {
        // Locked, so that two gestionnaires' changes apply one after the other, each whole.
        const current = await sql.one('SELECT * FROM guichets WHERE code = $1 FOR UPDATE', code);
        if (!current) return false;
        await sql.run(
          'UPDATE guichets SET nom = $1, adresse = $2, actif = $3, canal = $4 WHERE code = $5',
          changes.nom ?? current.nom,
          changes.adresse ?? current.adresse,
          changes.actif === undefined ? current.actif : changes.actif ? 1 : 0,
          changes.canal ?? current.canal,
          code,
        );
        const replace = async (usage: string, addresses: readonly string[]) => {
          await sql.run('DELETE FROM guichet_adresses WHERE guichet = $1 AND usage = $2', code, usage);
          await insertAddresses(sql, code, usage, addresses);
        };
        if (changes.expediteurs) await replace('EXPEDITEUR', changes.expediteurs.map((e) => e.toLowerCase()));
        if (changes.destinataires) await replace('DESTINATAIRE', changes.destinataires);
        if (changes.departements) {
          await sql.run('DELETE FROM guichet_departements WHERE guichet = $1', code);
          await insertDepartements(sql, code, changes.departements);
        }
        return true;
      }),
    addGuichetKey: async (code, key) => {
      await c.sql.run(
        `INSERT INTO guichet_cles (guichet, fingerprint, armored) VALUES ($1, $2, $3)
         ON CONFLICT (guichet, fingerprint) DO UPDATE SET armored = excluded.armored`,
        code,
        key.fingerprint,
        key.armored,
      );
    },
    removeGuichetKey: async (code, fingerprint) => (await c.sql.run('DELETE FROM guichet_cles WHERE guichet = $1 AND fingerprint = $2', code, fingerprint)) > 0,
    addGuichetCertificate: async (code, empreinte) => {
      await c.sql.run('INSERT INTO guichet_certificats (empreinte, guichet) VALUES ($1, $2) ON CONFLICT (empreinte) DO NOTHING', empreinte, code);
      return (await c.sql.one('SELECT guichet FROM guichet_certificats WHERE empreinte = $1', empreinte))?.guichet === code;
    },
    removeGuichetCertificate: async (code, empreinte) =>
      (await c.sql.run('DELETE FROM guichet_certificats WHERE guichet = $1 AND empreinte = $2', code, empreinte)) > 0,
    setGuichetCommunes: (guichet, communes) =>
      c.atomically(async (sql) => {
        await sql.run('DELETE FROM guichet_communes WHERE guichet = $1', guichet);
        for (const commune of new Set(communes)) await sql.run('INSERT INTO guichet_communes (guichet, commune) VALUES ($1, $2)', guichet, commune);
      }),
  };
}
