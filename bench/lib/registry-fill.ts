/**
 * A registry of millions of demandes for the scale benchmarks, written by bulk SQL in one
 * transaction into a registry file whose schema the real migrations made.
 */
import Database from 'better-sqlite3';

const LOT_SIZE = 1_000;

export interface FillOptions {
  /** The demandes' data (JSON with `__NOM__` where each gets its own name), used in turn; a small stub by default. */
  readonly donnees?: readonly string[];
  /** Bytes of each lot's original message (random, as an encrypted message is); 100 zero bytes by default. */
  readonly originalBytes?: number;
  /** Also one `lot_resultats` row per demande, as its lot's commit writes. */
  readonly resultats?: boolean;
}

/**
 * Fills the registry with `count` demandes of territory 111 over the 24 months before the
 * benchmark's month, each with its source, its CRE event and its lot of 1,000, in one transaction.
 */
export function generateRegistry(file: string, count: number, options: FillOptions = {}): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('cache_size = -1000000');
  const donnees = options.donnees ?? [JSON.stringify({ demandeur: { nom: '__NOM__', prenom: 'Prénom', dateNaissance: '1980-01-01' }, motifs: ['13'] })];
  db.transaction(() => {
    db.exec('CREATE TEMP TABLE gen_donnees (k INTEGER PRIMARY KEY, donnees TEXT NOT NULL)');
    const template = db.prepare('INSERT INTO gen_donnees (k, donnees) VALUES (?, ?)');
    donnees.forEach((d, k) => template.run(k, d));
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
       INSERT INTO lots (id, message_sha256, guichet, identifiant_lot, empreinte, statut, recu_at, traite_at, original)
       SELECT i + 1, printf('%064d', i), 'G1104', 'GEN-' || i, printf('sha256:%064d', i), 'ACCEPTE', '2025-01-01T00:00:00Z',
              '2025-01-01T00:00:00Z', ${options.originalBytes === undefined ? 'zeroblob(100)' : `randomblob(${Math.floor(options.originalBytes)})`} FROM n`,
    ).run(Math.ceil(count / LOT_SIZE));
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1),
       d AS (SELECT i, printf('%02d%02d', 1 + (i % 24) % 12, 24 + (i % 24) / 12) AS mmyy, i / 24 + 1 AS seq,
                    printf('%04d-%02d-15', 2025 + (i % 24) / 12, 1 + (i % 24) % 12) AS depot FROM n)
       INSERT INTO demandes (numero_unique, territoire, guichet, statut, date_depot, date_echeance, donnees, cle_doublon)
       SELECT '111' || mmyy || printf('%06d', seq) || 'G1104', '111', 'G1104',
              CASE WHEN i % 10 = 0 THEN 'RADIEE' ELSE 'ACTIVE' END, depot, date(depot, '+1 year'),
              replace((SELECT donnees FROM gen_donnees WHERE k = i % ?), '__NOM__', 'Gen' || i), 'gen' || i || '|prenom|1980-01-01' FROM d`,
    ).run(count, donnees.length);
    if (options.resultats === true) {
      db.exec(`
        INSERT INTO lot_resultats (lot_id, position, reference, type_fichier, statut, numero_unique, date_depot, date_echeance)
          SELECT (rowid - 1) / ${LOT_SIZE} + 1, (rowid - 1) % ${LOT_SIZE} + 1, 'REF-' || rowid, 'CRE', 'ENREGISTREE', numero_unique,
                 date_depot, date_echeance FROM demandes;
      `);
    }
    db.exec('DROP TABLE gen_donnees');
    db.exec(`
      INSERT INTO demande_sources (guichet, identifiant_lot, reference, numero_unique)
        SELECT 'G1104', 'GEN-' || ((rowid - 1) / ${LOT_SIZE}), 'REF-' || rowid, numero_unique FROM demandes;
      INSERT INTO evenements (numero_unique, action, acteur, lot_id, at, details)
        SELECT numero_unique, 'CRE', 'guichet:G1104', (rowid - 1) / ${LOT_SIZE} + 1, date_depot || 'T10:00:00Z', '{"territoire":"111"}' FROM demandes;
      INSERT INTO numero_sequences (territoire, mmyy, dernier)
        SELECT territoire, substr(numero_unique, 4, 4), max(CAST(substr(numero_unique, 8, 6) AS INTEGER)) FROM demandes GROUP BY 1, 2;
    `);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
