/**
 * The registry's schema, one migration per step, applied in order and recorded in
 * `PRAGMA user_version`. Never edit a released step: add the next one. A step is SQL, or
 * TypeScript where a value is computed by the gateway's own code (the doublon key): no SQL
 * function of the gateway's is registered in the database.
 */
import type Database from 'better-sqlite3';
import { cleDoublon } from '../doublon.js';
import type { DemandeLogement } from '../../lot/types.js';

export type Migration = string | ((db: Database.Database) => void);

export function applyMigration(db: Database.Database, step: Migration): void {
  if (typeof step === 'string') db.exec(step);
  else step(db);
}

/** Demandes whose keys are recomputed at a time, so that a large registry is never all in memory. */
const BACKFILL_BATCH = 1000;

/**
 * Stores `cleDoublon` of every demande whose stored key differs from it (the key function
 * changed, or the column is new).
 */
function recomputeClesDoublon(db: Database.Database): void {
  const page = db.prepare('SELECT numero_unique, donnees, cle_doublon FROM demandes WHERE numero_unique > ? ORDER BY numero_unique LIMIT ?');
  const update = db.prepare('UPDATE demandes SET cle_doublon = ? WHERE numero_unique = ?');
  for (let after = '', rows: Record<string, unknown>[]; (rows = page.all(after, BACKFILL_BATCH) as Record<string, unknown>[]).length > 0; ) {
    for (const row of rows) {
      const cle = cleDoublon(JSON.parse(String(row.donnees)) as DemandeLogement) ?? null;
      if (cle !== row.cle_doublon) update.run(cle, row.numero_unique);
    }
    after = String(rows[rows.length - 1]!.numero_unique);
  }
}

export const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE guichets (
    code       TEXT PRIMARY KEY,
    nom        TEXT NOT NULL,
    adresse    TEXT NOT NULL,
    actif      INTEGER NOT NULL DEFAULT 1
  ) STRICT;
  CREATE TABLE guichet_adresses (
    guichet TEXT NOT NULL REFERENCES guichets(code),
    usage   TEXT NOT NULL CHECK (usage IN ('EXPEDITEUR', 'DESTINATAIRE')),
    adresse TEXT NOT NULL,
    PRIMARY KEY (guichet, usage, adresse)
  ) STRICT;
  CREATE INDEX guichet_adresses_adresse ON guichet_adresses (adresse, usage);
  CREATE TABLE guichet_cles (
    guichet     TEXT NOT NULL REFERENCES guichets(code),
    fingerprint TEXT NOT NULL,
    armored     TEXT NOT NULL,
    PRIMARY KEY (guichet, fingerprint)
  ) STRICT;
  CREATE TABLE guichet_departements (
    guichet     TEXT NOT NULL REFERENCES guichets(code),
    departement TEXT NOT NULL,
    PRIMARY KEY (guichet, departement)
  ) STRICT;

  CREATE TABLE lots (
    id              INTEGER PRIMARY KEY,
    message_sha256  TEXT NOT NULL UNIQUE,
    message_id      TEXT,
    expediteur      TEXT,
    guichet         TEXT,
    identifiant_lot TEXT,
    empreinte       TEXT,
    statut          TEXT NOT NULL CHECK (statut IN ('ACCEPTE', 'PARTIEL', 'REJETE', 'QUARANTAINE')),
    version         INTEGER NOT NULL DEFAULT 1,
    recu_at         TEXT NOT NULL,
    traite_at       TEXT NOT NULL,
    erreurs         TEXT NOT NULL DEFAULT '[]',
    doublon_de      INTEGER REFERENCES lots(id),
    original        BLOB NOT NULL
  ) STRICT;
  CREATE INDEX lots_identifiant ON lots (guichet, identifiant_lot);

  CREATE TABLE lot_resultats (
    lot_id        INTEGER NOT NULL REFERENCES lots(id),
    position      INTEGER NOT NULL,
    reference     TEXT,
    type_fichier  TEXT,
    statut        TEXT NOT NULL,
    numero_unique TEXT,
    date_depot    TEXT,
    date_echeance TEXT,
    erreurs       TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (lot_id, position)
  ) STRICT;

  CREATE TABLE numero_sequences (
    territoire TEXT NOT NULL,
    mmyy       TEXT NOT NULL,
    dernier    INTEGER NOT NULL,
    PRIMARY KEY (territoire, mmyy)
  ) STRICT;

  CREATE TABLE demandes (
    numero_unique       TEXT PRIMARY KEY,
    territoire          TEXT NOT NULL,
    guichet             TEXT NOT NULL,
    statut              TEXT NOT NULL CHECK (statut IN ('ACTIVE', 'RADIEE')),
    date_depot          TEXT NOT NULL,
    date_renouvellement TEXT,
    date_echeance       TEXT NOT NULL,
    motif_radiation     TEXT,
    donnees             TEXT NOT NULL
  ) STRICT;

  -- Which demande of which lot produced a numéro: a replayed or re-delivered lot finds it here
  -- and never registers the same demande twice.
  CREATE TABLE demande_sources (
    guichet         TEXT NOT NULL,
    identifiant_lot TEXT NOT NULL,
    reference       TEXT NOT NULL,
    numero_unique   TEXT NOT NULL REFERENCES demandes(numero_unique),
    PRIMARY KEY (guichet, identifiant_lot, reference)
  ) STRICT;

  CREATE TABLE evenements (
    id            INTEGER PRIMARY KEY,
    numero_unique TEXT NOT NULL,
    action        TEXT NOT NULL,
    acteur        TEXT NOT NULL,
    lot_id        INTEGER,
    at            TEXT NOT NULL,
    details       TEXT
  ) STRICT;
  CREATE INDEX evenements_numero ON evenements (numero_unique);

  CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY,
    lot_id              INTEGER NOT NULL REFERENCES lots(id),
    kind                TEXT NOT NULL CHECK (kind IN ('compte-rendu', 'attestation')),
    message_id          TEXT NOT NULL,
    destinataires       TEXT NOT NULL,
    statut              TEXT NOT NULL CHECK (statut IN ('A_PREPARER', 'PRET', 'ENVOYE', 'ECHEC')),
    document            TEXT NOT NULL,
    raw                 BLOB,
    tentatives          INTEGER NOT NULL DEFAULT 0,
    prochaine_tentative TEXT,
    derniere_erreur     TEXT,
    envoye_at           TEXT
  ) STRICT;
  CREATE INDEX outbox_statut ON outbox (statut, prochaine_tentative);
  CREATE INDEX outbox_lot ON outbox (lot_id);
  `,
  // 2: territory settings for the attestation (délai anormalement long, commission de médiation)
  // and the communes where each bailleur holds housing stock.
  `
  CREATE TABLE territoires (
    territoire                  TEXT PRIMARY KEY,
    delai_anormalement_long_mois INTEGER NOT NULL CHECK (delai_anormalement_long_mois BETWEEN 1 AND 120),
    commission_adresse          TEXT NOT NULL,
    modifie_at                  TEXT NOT NULL
  ) STRICT;
  CREATE TABLE guichet_communes (
    guichet TEXT NOT NULL REFERENCES guichets(code),
    commune TEXT NOT NULL,
    PRIMARY KEY (guichet, commune)
  ) STRICT;
  CREATE INDEX guichet_communes_commune ON guichet_communes (commune);
  `,
  // Registry lifecycle (issue 5): the doublon key of each demande (spec 4.2), indexed over the
  // active demandes only; the radiation's sous-motif and effective day; the expiry scan's index.
  // The keys of existing demandes are computed by `cleDoublon` (src/registry/doublon.ts).
  (db) => {
    db.exec(`
      ALTER TABLE demandes ADD COLUMN cle_doublon TEXT;
      ALTER TABLE demandes ADD COLUMN sous_motif_radiation TEXT;
      ALTER TABLE demandes ADD COLUMN date_radiation TEXT;
    `);
    recomputeClesDoublon(db);
    db.exec(`
  UPDATE demandes SET sous_motif_radiation = substr(motif_radiation, instr(motif_radiation, '/') + 1),
                      motif_radiation = substr(motif_radiation, 1, instr(motif_radiation, '/') - 1)
    WHERE instr(motif_radiation, '/') > 0;
  CREATE INDEX demandes_doublon ON demandes (territoire, cle_doublon) WHERE statut = 'ACTIVE';
  CREATE INDEX demandes_echeance ON demandes (date_echeance) WHERE statut = 'ACTIVE';
    `);
  },
  // Outbox delivery (issue 7): the lifetime counts from the first attempt; recipients still to
  // deliver to after a partial acceptance; each refused recipient's last answer; when given up.
  `
  ALTER TABLE outbox ADD COLUMN premiere_tentative TEXT;
  ALTER TABLE outbox ADD COLUMN restants TEXT;
  ALTER TABLE outbox ADD COLUMN refus TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE outbox ADD COLUMN echec_at TEXT;
  `,
  // CLI outbox and quarantine (issue 8): each `outbox retry` of a reply, by whom and from which
  // statut (an ECHEC given a new life is on record); a quarantined message deleted by a
  // gestionnaire keeps its lot row as the audit trace, its stored original emptied.
  `
  ALTER TABLE outbox ADD COLUMN relances TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE lots ADD COLUMN supprime_at TEXT;
  ALTER TABLE lots ADD COLUMN supprime_par TEXT;
  `,
  // The outbox's message bytes in their own table (issue 9): SQLite rewrites a whole record on
  // any change of size, so each status update (sent, deferred) rewrote the ~45 kB message too.
  `
  CREATE TABLE outbox_raw (
    id   INTEGER PRIMARY KEY REFERENCES outbox(id),
    raw  BLOB NOT NULL
  ) STRICT;
  INSERT INTO outbox_raw (id, raw) SELECT id, raw FROM outbox WHERE raw IS NOT NULL;
  ALTER TABLE outbox DROP COLUMN raw;
  `,
  // The doublon key folds what a name may hold without it showing (issue 15: zero-width and
  // format characters, dashes of every kind, look-alike letters of other scripts, NFKD forms):
  // every stored key is recomputed by `cleDoublon` itself, and only the rows whose key changed
  // are written.
  recomputeClesDoublon,
  // Issue 15. Each delivery of a lot's message, by its identity in the mailbox (Maildir unique
  // name, IMAP mailbox:uidvalidity:uid): the same copy seen again after a crash is only settled,
  // a new delivery of the same bytes gets its compte rendu again (spec 4.1). The rendering input
  // of replies already sealed is forgotten: demandeurs' data in clear, never read again.
  `
  CREATE TABLE lot_receptions (
    lot_id  INTEGER NOT NULL REFERENCES lots(id),
    source  TEXT NOT NULL,
    recu_at TEXT NOT NULL,
    PRIMARY KEY (lot_id, source)
  ) STRICT;
  UPDATE outbox SET document = '' WHERE id IN (SELECT id FROM outbox_raw);
  `,
  // Issue 16: several instances on one registry (spec 10). A reply is claimed by the instance
  // preparing or sending it until its claim expires; leases keep two instances from judging one
  // message or running one periodic pass at once (src/registry/leases.ts).
  `
  ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
  ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
  CREATE TABLE leases (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  TEXT NOT NULL
  ) STRICT;
  `,
  // Issue 17: when each reply was queued, for the age of the oldest waiting one (`/metrics`,
  // like Postfix's queue age). Replies queued before: their lot's processing time.
  `
  ALTER TABLE outbox ADD COLUMN queued_at TEXT;
  UPDATE outbox SET queued_at = (SELECT traite_at FROM lots WHERE lots.id = outbox.lot_id);
  `,
  // Issue 17: the HTTPS channel (spec 7). A guichet's client certificates (a fingerprint names
  // one guichet) and its `canal` for what the gateway initiates; each lot's channel (its original
  // is a mail message or an HTTPS request's body; replies of an HTTPS lot are fetched, not mailed).
  `
  CREATE TABLE guichet_certificats (
    empreinte TEXT PRIMARY KEY,
    guichet   TEXT NOT NULL REFERENCES guichets(code)
  ) STRICT;
  CREATE INDEX guichet_certificats_guichet ON guichet_certificats (guichet);
  ALTER TABLE guichets ADD COLUMN canal TEXT NOT NULL DEFAULT 'mail' CHECK (canal IN ('mail', 'https'));
  ALTER TABLE lots ADD COLUMN canal TEXT NOT NULL DEFAULT 'mail' CHECK (canal IN ('mail', 'https'));
  `,
  // Issue 18: a gestionnaire searches a demandeur's demandes, ACTIVE and RADIEE, in one territory
  // or all (`demandes search`). The doublon key indexed over every demande, territory second,
  // serves that search and the doublon rule alike, so it replaces the partial ACTIVE-only index.
  `
  DROP INDEX demandes_doublon;
  CREATE INDEX demandes_cle_doublon ON demandes (cle_doublon, territoire);
  `,
  // Issue 20: the web console's accounts. A gestionnaire sees the guichets of the départements
  // listed in `territoires` (JSON list); the password is kept as scrypt's output with its salt
  // and parameters (src/console/password.ts), never in clear.
  `
  CREATE TABLE gestionnaires (
    nom          TEXT PRIMARY KEY,
    territoires  TEXT NOT NULL,
    mot_de_passe TEXT NOT NULL,
    actif        INTEGER NOT NULL DEFAULT 1,
    cree_at      TEXT NOT NULL,
    modifie_at   TEXT NOT NULL
  ) STRICT;
  `,
  // Issue 18: settings per département, not per numbering territory (each Île-de-France
  // département has its own délai and commission), and whether préavis go to demandeurs. A `111`
  // row becomes each IdF département's (75 77 78 91 92 93 94 95, frozen here: a migration never
  // follows later code); `093` → `93`, `02A` → `2A`, `971` → `971`.
  `
  CREATE TABLE territoires_departements (
    departement                  TEXT PRIMARY KEY,
    delai_anormalement_long_mois INTEGER NOT NULL CHECK (delai_anormalement_long_mois BETWEEN 1 AND 120),
    commission_adresse           TEXT NOT NULL,
    preavis_demandeur            INTEGER NOT NULL DEFAULT 0 CHECK (preavis_demandeur IN (0, 1)),
    modifie_at                   TEXT NOT NULL
  ) STRICT;
  INSERT INTO territoires_departements (departement, delai_anormalement_long_mois, commission_adresse, modifie_at)
    SELECT idf.column1, t.delai_anormalement_long_mois, t.commission_adresse, t.modifie_at
      FROM territoires t JOIN (VALUES ('75'), ('77'), ('78'), ('91'), ('92'), ('93'), ('94'), ('95')) idf ON t.territoire = '111'
    UNION ALL
    SELECT CASE WHEN substr(territoire, 1, 1) = '0' THEN substr(territoire, 2) ELSE territoire END,
           delai_anormalement_long_mois, commission_adresse, modifie_at
      FROM territoires WHERE territoire <> '111';
  DROP TABLE territoires;
  ALTER TABLE territoires_departements RENAME TO territoires;

  -- Préavis de renouvellement (spec 5.3): one per demande and anniversary (the key is what makes
  -- it issued once, across crashes and instances), with the outbox items that carry it and when a
  -- server first accepted one. The outbox takes a third kind: SQLite cannot change a CHECK, so
  -- the table is rebuilt — its bytes (outbox_raw, whose key references it) set aside meanwhile,
  -- foreign keys staying on.
  CREATE TABLE preavis (
    numero_unique    TEXT NOT NULL REFERENCES demandes(numero_unique),
    anniversaire     TEXT NOT NULL,
    guichet          TEXT NOT NULL,
    emis_at          TEXT NOT NULL,
    outbox_guichet   INTEGER NOT NULL,
    outbox_demandeur INTEGER,
    accepte_at       TEXT,
    PRIMARY KEY (numero_unique, anniversaire)
  ) STRICT;
  CREATE INDEX preavis_outbox_guichet ON preavis (outbox_guichet);
  CREATE INDEX preavis_outbox_demandeur ON preavis (outbox_demandeur) WHERE outbox_demandeur IS NOT NULL;
  CREATE TABLE outbox_next (
    id                  INTEGER PRIMARY KEY,
    lot_id              INTEGER NOT NULL REFERENCES lots(id),
    kind                TEXT NOT NULL CHECK (kind IN ('compte-rendu', 'attestation', 'preavis')),
    message_id          TEXT NOT NULL,
    destinataires       TEXT NOT NULL,
    statut              TEXT NOT NULL CHECK (statut IN ('A_PREPARER', 'PRET', 'ENVOYE', 'ECHEC')),
    document            TEXT NOT NULL,
    tentatives          INTEGER NOT NULL DEFAULT 0,
    prochaine_tentative TEXT,
    derniere_erreur     TEXT,
    envoye_at           TEXT,
    premiere_tentative  TEXT,
    restants            TEXT,
    refus               TEXT NOT NULL DEFAULT '[]',
    echec_at            TEXT,
    relances            TEXT NOT NULL DEFAULT '[]',
    claimed_by          TEXT,
    claimed_until       TEXT,
    queued_at           TEXT
  ) STRICT;
  INSERT INTO outbox_next (id, lot_id, kind, message_id, destinataires, statut, document, tentatives, prochaine_tentative,
      derniere_erreur, envoye_at, premiere_tentative, restants, refus, echec_at, relances, claimed_by, claimed_until, queued_at)
    SELECT id, lot_id, kind, message_id, destinataires, statut, document, tentatives, prochaine_tentative,
      derniere_erreur, envoye_at, premiere_tentative, restants, refus, echec_at, relances, claimed_by, claimed_until, queued_at FROM outbox;
  CREATE TABLE outbox_raw_aside (id INTEGER PRIMARY KEY, raw BLOB NOT NULL) STRICT;
  INSERT INTO outbox_raw_aside SELECT id, raw FROM outbox_raw;
  DROP TABLE outbox_raw;
  DROP TABLE outbox;
  ALTER TABLE outbox_next RENAME TO outbox;
  CREATE INDEX outbox_statut ON outbox (statut, prochaine_tentative);
  CREATE INDEX outbox_lot ON outbox (lot_id);
  CREATE TABLE outbox_raw (
    id   INTEGER PRIMARY KEY REFERENCES outbox(id),
    raw  BLOB NOT NULL
  ) STRICT;
  INSERT INTO outbox_raw SELECT id, raw FROM outbox_raw_aside;
  DROP TABLE outbox_raw_aside;
  `,
  // Issue 19: dispatching (spec 8). A digest answers no lot: the outbox's lot_id becomes optional
  // (SQLite changes a constraint only by rebuilding the table; the sealed bytes of outbox_raw,
  // whose rows reference it, are set aside meanwhile) and its kind may be 'dispatching' or 'copie' (a copie
  // numérique, spec 8). Each daily pass records its window of
  // audit event ids, each digest its bailleur's sequence number, both with the outbox row.
  (db) => {
    db.exec(`
  CREATE TEMP TABLE outbox_raw_v15 AS SELECT id, raw FROM outbox_raw;
  DELETE FROM outbox_raw;
  CREATE TABLE outbox_v15 (
    id                  INTEGER PRIMARY KEY,
    lot_id              INTEGER REFERENCES lots(id),
    kind                TEXT NOT NULL CHECK (kind IN ('compte-rendu', 'attestation', 'preavis', 'dispatching', 'copie')),
    message_id          TEXT NOT NULL,
    destinataires       TEXT NOT NULL,
    statut              TEXT NOT NULL CHECK (statut IN ('A_PREPARER', 'PRET', 'ENVOYE', 'ECHEC')),
    document            TEXT NOT NULL,
    tentatives          INTEGER NOT NULL DEFAULT 0,
    prochaine_tentative TEXT,
    derniere_erreur     TEXT,
    envoye_at           TEXT,
    premiere_tentative  TEXT,
    restants            TEXT,
    refus               TEXT NOT NULL DEFAULT '[]',
    echec_at            TEXT,
    relances            TEXT NOT NULL DEFAULT '[]',
    claimed_by          TEXT,
    claimed_until       TEXT,
    queued_at           TEXT
  ) STRICT;
  INSERT INTO outbox_v15 (id, lot_id, kind, message_id, destinataires, statut, document, tentatives, prochaine_tentative,
    derniere_erreur, envoye_at, premiere_tentative, restants, refus, echec_at, relances, claimed_by, claimed_until, queued_at)
  SELECT id, lot_id, kind, message_id, destinataires, statut, document, tentatives, prochaine_tentative,
    derniere_erreur, envoye_at, premiere_tentative, restants, refus, echec_at, relances, claimed_by, claimed_until, queued_at FROM outbox;
  DROP TABLE outbox;
  ALTER TABLE outbox_v15 RENAME TO outbox;
  INSERT INTO outbox_raw (id, raw) SELECT id, raw FROM temp.outbox_raw_v15;
  DROP TABLE temp.outbox_raw_v15;
  CREATE INDEX outbox_statut ON outbox (statut, prochaine_tentative);
  CREATE INDEX outbox_lot ON outbox (lot_id);
  CREATE TABLE dispatch_passes (
    jour   TEXT PRIMARY KEY,
    apres  INTEGER NOT NULL,
    jusqua INTEGER NOT NULL,
    at     TEXT NOT NULL
  ) STRICT;
  CREATE TABLE dispatches (
    guichet    TEXT NOT NULL REFERENCES guichets(code),
    sequence   INTEGER NOT NULL,
    jour       TEXT NOT NULL,
    apres      INTEGER NOT NULL,
    jusqua     INTEGER NOT NULL,
    evenements INTEGER NOT NULL,
    outbox_id  INTEGER NOT NULL REFERENCES outbox(id),
    message_id TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (guichet, sequence),
    UNIQUE (guichet, jour)
  ) STRICT;
    `);
  },
  // Issue 20: every replay of a lot (`replay`, `quarantine release`, the console), by whom, when,
  // and the outcome it gave: a lot's own row holds only its latest outcome.
  `
  CREATE TABLE lot_rejeux (
    id      INTEGER PRIMARY KEY,
    lot_id  INTEGER NOT NULL REFERENCES lots(id),
    at      TEXT NOT NULL,
    par     TEXT NOT NULL,
    version INTEGER NOT NULL,
    statut  TEXT NOT NULL
  ) STRICT;
  CREATE INDEX lot_rejeux_lot ON lot_rejeux (lot_id);
  `,
];
