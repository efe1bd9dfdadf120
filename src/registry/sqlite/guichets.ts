/** The guichets part on SQLite (src/registry/guichets.ts). */
import type { GuichetsReads, GuichetsRegistry } from '../guichets.js';
import type { Canal, Guichet } from '../model.js';
import type { Row, SqliteConnection, Statements, Sync } from './connection.js';

export function guichetsReads(c: Statements): Sync<GuichetsReads> {
  const getGuichet = (code: string): Guichet | undefined => {
    const row = c.stmt('SELECT * FROM guichets WHERE code = ?').get(code) as Row | undefined;
    if (!row) return undefined;
    const addresses = (usage: string) =>
      (c.stmt('SELECT adresse FROM guichet_adresses WHERE guichet = ? AND usage = ? ORDER BY adresse').all(code, usage) as Row[]).map(
        (r) => String(r.adresse),
      );
    return {
      code,
      nom: String(row.nom),
      adresse: String(row.adresse),
      actif: row.actif === 1,
      expediteurs: addresses('EXPEDITEUR'),
      destinataires: addresses('DESTINATAIRE'),
      cles: (c.stmt('SELECT fingerprint, armored FROM guichet_cles WHERE guichet = ? ORDER BY fingerprint').all(code) as Row[]).map(
        (r) => ({ fingerprint: String(r.fingerprint), armored: String(r.armored) }),
      ),
      departements: (
        c.stmt('SELECT departement FROM guichet_departements WHERE guichet = ? ORDER BY departement').all(code) as Row[]
      ).map((r) => String(r.departement)),
      canal: String(row.canal) as Canal,
      certificats: (c.stmt('SELECT empreinte FROM guichet_certificats WHERE guichet = ? ORDER BY empreinte').all(code) as Row[]).map((r) => String(r.empreinte)),
    };
  };
  return {
    getGuichet,
    guichetBySender: (address) => {
      const row = c
        .stmt(
          `SELECT g.code FROM guichet_adresses a JOIN guichets g ON g.code = a.guichet
           WHERE a.adresse = ? AND a.usage = 'EXPEDITEUR' AND g.actif = 1`,
        )
        .get(address.toLowerCase()) as Row | undefined;
      return row ? getGuichet(String(row.code)) : undefined;
    },
    guichetByCertificate: (empreinte) => {
      const row = c
        .stmt('SELECT g.code FROM guichet_certificats k JOIN guichets g ON g.code = k.guichet WHERE k.empreinte = ? AND g.actif = 1')
        .get(empreinte) as Row | undefined;
      return row ? getGuichet(String(row.code)) : undefined;
    },
    listGuichets: () => (c.stmt('SELECT code FROM guichets ORDER BY code').all() as Row[]).map((r) => getGuichet(String(r.code))!),
    guichetCommunes: (guichet) =>
      (c.stmt('SELECT commune FROM guichet_communes WHERE guichet = ? ORDER BY commune').all(guichet) as Row[]).map((r) => String(r.commune)),
    bailleursIn: (communes) => {
      if (communes.length === 0) return [];
      return (
        c
          .stmt(
            `SELECT DISTINCT g.nom FROM guichet_communes c JOIN guichets g ON g.code = c.guichet
             WHERE g.actif = 1 AND c.commune IN (${communes.map(() => '?').join(', ')}) ORDER BY g.nom`,
          )
          .all(...communes) as Row[]
      ).map((r) => String(r.nom));
    },
  };
}

export function guichetsWrites(c: SqliteConnection): Sync<Omit<GuichetsRegistry, keyof GuichetsReads>> {
  const reads = guichetsReads(c);
  return {
    addGuichet: (g) => {
      c.db
        .transaction(() => {
          c.stmt('INSERT INTO guichets (code, nom, adresse, actif, canal) VALUES (?, ?, ?, ?, ?)').run(g.code, g.nom, g.adresse, g.actif === false ? 0 : 1, g.canal ?? 'mail');
          const address = c.stmt('INSERT INTO guichet_adresses (guichet, usage, adresse) VALUES (?, ?, ?)');
          for (const a of new Set(g.expediteurs.map((e) => e.toLowerCase()))) address.run(g.code, 'EXPEDITEUR', a);
          for (const a of new Set(g.destinataires)) address.run(g.code, 'DESTINATAIRE', a);
          const key = c.stmt('INSERT INTO guichet_cles (guichet, fingerprint, armored) VALUES (?, ?, ?)');
          for (const k of g.cles) key.run(g.code, k.fingerprint, k.armored);
          const dept = c.stmt('INSERT INTO guichet_departements (guichet, departement) VALUES (?, ?)');
          for (const d of new Set(g.departements)) dept.run(g.code, d);
          const certificat = c.stmt('INSERT INTO guichet_certificats (empreinte, guichet) VALUES (?, ?)');
          for (const e of new Set(g.certificats ?? [])) certificat.run(e, g.code);
        })
        .immediate();
    },
    updateGuichet: (code, changes) =>
      c.db
        .transaction(() => {
          const current = reads.getGuichet(code);
          if (!current) return false;
          const next = { ...current, ...changes };
          c.stmt('UPDATE guichets SET nom = ?, adresse = ?, actif = ?, canal = ? WHERE code = ?').run(next.nom, next.adresse, next.actif ? 1 : 0, next.canal, code);
          const replace = (usage: string, addresses: readonly string[]) => {
            c.stmt('DELETE FROM guichet_adresses WHERE guichet = ? AND usage = ?').run(code, usage);
            const insert = c.stmt('INSERT INTO guichet_adresses (guichet, usage, adresse) VALUES (?, ?, ?)');
            for (const a of new Set(addresses)) insert.run(code, usage, a);
          };
          if (changes.expediteurs) replace('EXPEDITEUR', changes.expediteurs.map((e) => e.toLowerCase()));
          if (changes.destinataires) replace('DESTINATAIRE', changes.destinataires);
          if (changes.departements) {
            c.stmt('DELETE FROM guichet_departements WHERE guichet = ?').run(code);
            const insert = c.stmt('INSERT INTO guichet_departements (guichet, departement) VALUES (?, ?)');
            for (const d of new Set(changes.departements)) insert.run(code, d);
          }
          return true;
        })
        .immediate(),
    addGuichetKey: (code, key) => {
      c.stmt('INSERT OR REPLACE INTO guichet_cles (guichet, fingerprint, armored) VALUES (?, ?, ?)').run(code, key.fingerprint, key.armored);
    },
    removeGuichetKey: (code, fingerprint) =>
      c.stmt('DELETE FROM guichet_cles WHERE guichet = ? AND fingerprint = ?').run(code, fingerprint).changes > 0,
    addGuichetCertificate: (code, empreinte) => {
      c.stmt('INSERT INTO guichet_certificats (empreinte, guichet) VALUES (?, ?) ON CONFLICT (empreinte) DO NOTHING').run(empreinte, code);
      return (c.stmt('SELECT guichet FROM guichet_certificats WHERE empreinte = ?').get(empreinte) as Row).guichet === code;
    },
    removeGuichetCertificate: (code, empreinte) =>
      c.stmt('DELETE FROM guichet_certificats WHERE guichet = ? AND empreinte = ?').run(code, empreinte).changes > 0,
    setGuichetCommunes: (guichet, communes) => {
      c.db
        .transaction(() => {
          c.stmt('DELETE FROM guichet_communes WHERE guichet = ?').run(guichet);
          const insert = c.stmt('INSERT INTO guichet_communes (guichet, commune) VALUES (?, ?)');
          for (const commune of new Set(communes)) insert.run(guichet, commune);
        })
        .immediate();
    },
  };
}
