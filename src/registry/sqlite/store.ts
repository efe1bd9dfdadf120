/**
 * The SQLite registry (better-sqlite3, WAL). better-sqlite3 is imported only in this folder.
 * Every lot is committed by one IMMEDIATE transaction, so two processes on one file serialise
 * their numbering instead of racing.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { cleDoublon } from '../doublon.js';
import { MIGRATIONS } from './migrations.js';
import type {
  AuditEntry,
  AuditEvent,
  DemandeEchue,
  DemandeRecord,
  Guichet,
  GuichetChanges,
  LotRecord,
  NewGuichet,
  NewLot,
  NewOutboxItem,
  OutboxAttempt,
  OutboxItem,
  OutboxRefus,
  OutboxStatut,
  Registry,
  RegistryTx,
  ResultatRecord,
  TerritorySettings,
} from '../types.js';

type Row = Record<string, unknown>;

/** A lot's columns but its original message (up to 8 MiB), read only by `lotOriginal`. */
const LOT_COLUMNS = 'id, message_sha256, message_id, expediteur, guichet, identifiant_lot, empreinte, statut, version, recu_at, traite_at, erreurs, doublon_de, supprime_at, supprime_par';
/** An outbox row with its message bytes, kept apart in `outbox_raw` and read only where a reply is sent or shown. */
const WITH_RAW = 'o.*, r.raw FROM outbox o LEFT JOIN outbox_raw r ON r.id = o.id';
/** Due replies are sent a batch at a time, so their bytes are never all in memory at once. */
const OUTBOX_BATCH = 100;

const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

/** Builds an object without the keys whose value is undefined (rows map NULL to absent). */
function compact<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function toLot(row: Row): LotRecord {
  return compact<LotRecord>({
    id: Number(row.id),
    messageSha256: String(row.message_sha256),
    messageId: str(row.message_id),
    expediteur: str(row.expediteur),
    guichet: str(row.guichet),
    identifiantLot: str(row.identifiant_lot),
    empreinte: str(row.empreinte),
    statut: row.statut as LotRecord['statut'],
    version: Number(row.version),
    recuAt: String(row.recu_at),
    traiteAt: String(row.traite_at),
    erreurs: JSON.parse(String(row.erreurs)) as LotRecord['erreurs'],
    doublonDe: row.doublon_de === null ? undefined : Number(row.doublon_de),
    supprimeAt: str(row.supprime_at),
    supprimePar: str(row.supprime_par),
  });
}

function toDemande(row: Row): DemandeRecord {
  return compact<DemandeRecord>({
    numeroUnique: String(row.numero_unique),
    territoire: String(row.territoire),
    guichet: String(row.guichet),
    statut: row.statut as DemandeRecord['statut'],
    dateDepot: String(row.date_depot),
    dateRenouvellement: str(row.date_renouvellement),
    dateEcheance: String(row.date_echeance),
    motifRadiation: str(row.motif_radiation),
    sousMotifRadiation: str(row.sous_motif_radiation),
    dateRadiation: str(row.date_radiation),
    donnees: JSON.parse(String(row.donnees)) as DemandeRecord['donnees'],
  });
}

function toResultat(row: Row): ResultatRecord {
  return compact<ResultatRecord>({
    position: Number(row.position),
    reference: str(row.reference),
    typeFichier: str(row.type_fichier) as ResultatRecord['typeFichier'],
    statut: row.statut as ResultatRecord['statut'],
    numeroUnique: str(row.numero_unique),
    dateDepot: str(row.date_depot),
    dateEcheance: str(row.date_echeance),
    erreurs: JSON.parse(String(row.erreurs)) as ResultatRecord['erreurs'],
  });
}

function toTerritory(row: Row): TerritorySettings {
  return {
    territoire: String(row.territoire),
    delaiAnormalementLongMois: Number(row.delai_anormalement_long_mois),
    commissionAdresse: String(row.commission_adresse),
    modifieAt: String(row.modifie_at),
  };
}

function toOutbox(row: Row): OutboxItem {
  return compact<OutboxItem>({
    id: Number(row.id),
    lotId: Number(row.lot_id),
    kind: row.kind as OutboxItem['kind'],
    messageId: String(row.message_id),
    destinataires: JSON.parse(String(row.destinataires)) as string[],
    statut: row.statut as OutboxItem['statut'],
    document: row.document === '' ? undefined : String(row.document),
    raw: row.raw === null ? undefined : (row.raw as Buffer),
    tentatives: Number(row.tentatives),
    prochaineTentative: str(row.prochaine_tentative),
    derniereErreur: str(row.derniere_erreur),
    premiereTentative: str(row.premiere_tentative),
    restants: row.restants === null || row.restants === undefined ? undefined : (JSON.parse(String(row.restants)) as string[]),
    refus: JSON.parse(String(row.refus ?? '[]')) as OutboxItem['refus'],
    envoyeAt: str(row.envoye_at),
    echecAt: str(row.echec_at),
    relances: JSON.parse(String(row.relances ?? '[]')) as OutboxItem['relances'],
  });
}

export class SqliteRegistry implements Registry {
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Names, birth dates, identity numbers: the owner's alone. Created here with its mode, as
      // SQLite would make it 0644 minus the umask; SQLite gives the -wal and -shm files the mode
      // of the database file. Only when missing: a file this process has open in SQLite must not
      // be opened and closed beside it (that drops the process's fcntl locks on it).
      if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
    }
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 10000');
    // `cleDoublon` itself, for the migrations that compute the doublon key of existing demandes:
    // keys are made by that one TypeScript function, never by SQL.
    this.db.function('sne_cle_doublon', { deterministic: true }, (donnees: unknown) =>
      cleDoublon((JSON.parse(String(donnees)) as DemandeRecord['donnees'])) ?? null,
    );
    this.migrate();
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** Statements are compiled once per connection: preparing is a measurable cost per row. */
  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  get schemaVersion(): number {
    return Number(this.db.pragma('user_version', { simple: true }));
  }

  private migrate(): void {
    const apply = this.db.transaction(() => {
      for (let step = this.schemaVersion; step < MIGRATIONS.length; step++) {
        this.db.exec(MIGRATIONS[step]!);
        this.db.pragma(`user_version = ${step + 1}`);
      }
    });
    apply.immediate();
  }

  transaction<T>(work: (tx: RegistryTx) => T): T {
    return this.db.transaction(() => work(this.tx)).immediate();
  }

  private readonly tx: RegistryTx = {
    getGuichet: (code) => this.getGuichet(code),
    guichetBySender: (address) => this.guichetBySender(address),
    listGuichets: () => this.listGuichets(),
    lotByMessageSha256: (sha256) => this.lotByMessageSha256(sha256),
    lotSources: (lotId) => this.lotSources(lotId),
    lotByIdentifiant: (guichet, identifiantLot) => this.lotByIdentifiant(guichet, identifiantLot),
    getLot: (id) => this.getLot(id),
    listLots: () => this.listLots(),
    lotResultats: (lotId) => this.lotResultats(lotId),
    lotOriginal: (lotId) => this.lotOriginal(lotId),
    outboxForLot: (lotId) => this.outboxForLot(lotId),
    getTerritory: (territoire) => this.getTerritory(territoire),
    listTerritories: () => this.listTerritories(),
    guichetCommunes: (guichet) => this.guichetCommunes(guichet),
    bailleursIn: (communes) => this.bailleursIn(communes),
    setLotStatut: (lotId, statut) => {
      this.stmt('UPDATE lots SET statut = ? WHERE id = ?').run(statut, lotId);
    },
    insertLot: (lot: NewLot) => {
      const lotId = Number(
        this.stmt(
          `INSERT INTO lots (message_sha256, message_id, expediteur, guichet, identifiant_lot, empreinte, statut,
             recu_at, traite_at, erreurs, doublon_de, original)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          lot.messageSha256,
          lot.messageId ?? null,
          lot.expediteur ?? null,
          lot.guichet ?? null,
          lot.identifiantLot ?? null,
          lot.empreinte ?? null,
          lot.statut,
          lot.recuAt,
          lot.traiteAt,
          JSON.stringify(lot.erreurs),
          lot.doublonDe ?? null,
          lot.original,
        ).lastInsertRowid,
      );
      if (lot.source !== undefined) this.tx.recordReception(lotId, lot.source, lot.recuAt);
      return lotId;
    },
    recordReception: (lotId, source, at) => {
      this.stmt('INSERT OR IGNORE INTO lot_receptions (lot_id, source, recu_at) VALUES (?, ?, ?)').run(lotId, source, at);
    },
    replaceLotOutcome: (lotId, outcome, resultats) => {
      this.stmt(
        `UPDATE lots SET statut = ?, version = ?, erreurs = ?, traite_at = ?, guichet = COALESCE(?, guichet),
           identifiant_lot = COALESCE(?, identifiant_lot), empreinte = COALESCE(?, empreinte) WHERE id = ?`,
      ).run(
        outcome.statut,
        outcome.version,
        JSON.stringify(outcome.erreurs),
        outcome.traiteAt,
        outcome.guichet ?? null,
        outcome.identifiantLot ?? null,
        outcome.empreinte ?? null,
        lotId,
      );
      this.stmt('DELETE FROM lot_resultats WHERE lot_id = ?').run(lotId);
      this.tx.insertResultats(lotId, resultats);
    },
    insertResultats: (lotId, resultats) => {
      const insert = this.stmt(
        `INSERT INTO lot_resultats (lot_id, position, reference, type_fichier, statut, numero_unique, date_depot,
           date_echeance, erreurs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const r of resultats) {
        insert.run(
          lotId,
          r.position,
          r.reference ?? null,
          r.typeFichier ?? null,
          r.statut,
          r.numeroUnique ?? null,
          r.dateDepot ?? null,
          r.dateEcheance ?? null,
          JSON.stringify(r.erreurs),
        );
      }
    },
    nextSequence: (territoire, mmyy) => {
      // One UPSERT inside the lot's IMMEDIATE transaction: the write lock is held from BEGIN, so
      // two processes never read the same `dernier`, and a rolled-back lot gives its numbers back.
      const row = this.stmt(
        `INSERT INTO numero_sequences (territoire, mmyy, dernier) VALUES (?, ?, 1)
         ON CONFLICT (territoire, mmyy) DO UPDATE SET dernier = dernier + 1 RETURNING dernier`,
      ).get(territoire, mmyy) as Row;
      return Number(row.dernier);
    },
    getDemande: (numeroUnique) => this.getDemande(numeroUnique),
    findDoublon: (territoire, cle, sauf) => this.findDoublon(territoire, cle, sauf),
    demandesEchues: (auPlusTard) => this.demandesEchues(auPlusTard),
    demandeHistory: (numeroUnique) => this.demandeHistory(numeroUnique),
    numeroForSource: (guichet, identifiantLot, reference) =>
      str(
        (
          this.stmt('SELECT numero_unique FROM demande_sources WHERE guichet = ? AND identifiant_lot = ? AND reference = ?').get(
            guichet,
            identifiantLot,
            reference,
          ) as Row | undefined
        )?.numero_unique,
      ),
    insertDemande: (d, source) => {
      this.stmt(
        `INSERT INTO demandes (numero_unique, territoire, guichet, statut, date_depot, date_renouvellement,
           date_echeance, motif_radiation, sous_motif_radiation, date_radiation, donnees, cle_doublon)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...this.demandeColumns(d));
      this.stmt('INSERT INTO demande_sources (guichet, identifiant_lot, reference, numero_unique) VALUES (?, ?, ?, ?)').run(
        source.guichet,
        source.identifiantLot,
        source.reference,
        d.numeroUnique,
      );
    },
    updateDemande: (d) => {
      this.stmt(
        `UPDATE demandes SET territoire = ?, guichet = ?, statut = ?, date_depot = ?, date_renouvellement = ?,
           date_echeance = ?, motif_radiation = ?, sous_motif_radiation = ?, date_radiation = ?, donnees = ?,
           cle_doublon = ? WHERE numero_unique = ?`,
      ).run(...this.demandeColumns(d).slice(1), d.numeroUnique);
    },
    insertEvent: (e: AuditEvent) => {
      this.stmt('INSERT INTO evenements (numero_unique, action, acteur, lot_id, at, details) VALUES (?, ?, ?, ?, ?, ?)')
        .run(e.numeroUnique, e.action, e.acteur, e.lotId ?? null, e.at, e.details ? JSON.stringify(e.details) : null);
    },
    queueReply: (item: NewOutboxItem) =>
      Number(
        this.stmt(
          `INSERT INTO outbox (lot_id, kind, message_id, destinataires, statut, document)
           VALUES (?, ?, ?, ?, 'A_PREPARER', ?)`,
        ).run(item.lotId, item.kind, item.messageId, JSON.stringify(item.destinataires), item.document).lastInsertRowid,
      ),
    requeueReply: (outboxId, lotId) => {
      // The sealed bytes are copied as they are, inside SQLite: the same message, never rendered again.
      const id = Number(
        this.stmt(
          `INSERT INTO outbox (lot_id, kind, message_id, destinataires, statut, document)
           SELECT ?, o.kind, o.message_id, o.destinataires, CASE WHEN r.id IS NULL THEN 'A_PREPARER' ELSE 'PRET' END,
             CASE WHEN r.id IS NULL THEN o.document ELSE '' END
           FROM outbox o LEFT JOIN outbox_raw r ON r.id = o.id WHERE o.id = ?`,
        ).run(lotId, outboxId).lastInsertRowid,
      );
      this.stmt('INSERT INTO outbox_raw (id, raw) SELECT ?, raw FROM outbox_raw WHERE id = ?').run(id, outboxId);
      return id;
    },
  };

  private demandeColumns(d: DemandeRecord): unknown[] {
    return [
      d.numeroUnique,
      d.territoire,
      d.guichet,
      d.statut,
      d.dateDepot,
      d.dateRenouvellement ?? null,
      d.dateEcheance,
      d.motifRadiation ?? null,
      d.sousMotifRadiation ?? null,
      d.dateRadiation ?? null,
      JSON.stringify(d.donnees),
      // Derived from the data it is stored with, so the doublon index never drifts from it.
      cleDoublon(d.donnees) ?? null,
    ];
  }

  addGuichet(g: NewGuichet): void {
    this.db.transaction(() => {
      this.stmt('INSERT INTO guichets (code, nom, adresse, actif) VALUES (?, ?, ?, ?)').run(g.code, g.nom, g.adresse, g.actif === false ? 0 : 1);
      const address = this.stmt('INSERT INTO guichet_adresses (guichet, usage, adresse) VALUES (?, ?, ?)');
      for (const a of new Set(g.expediteurs.map((e) => e.toLowerCase()))) address.run(g.code, 'EXPEDITEUR', a);
      for (const a of new Set(g.destinataires)) address.run(g.code, 'DESTINATAIRE', a);
      const key = this.stmt('INSERT INTO guichet_cles (guichet, fingerprint, armored) VALUES (?, ?, ?)');
      for (const k of g.cles) key.run(g.code, k.fingerprint, k.armored);
      const dept = this.stmt('INSERT INTO guichet_departements (guichet, departement) VALUES (?, ?)');
      for (const d of new Set(g.departements)) dept.run(g.code, d);
    }).immediate();
  }

  updateGuichet(code: string, changes: GuichetChanges): boolean {
    return this.db.transaction(() => {
      const current = this.getGuichet(code);
      if (!current) return false;
      const next = { ...current, ...changes };
      this.stmt('UPDATE guichets SET nom = ?, adresse = ?, actif = ? WHERE code = ?').run(next.nom, next.adresse, next.actif ? 1 : 0, code);
      const replace = (usage: string, addresses: readonly string[]) => {
        this.stmt('DELETE FROM guichet_adresses WHERE guichet = ? AND usage = ?').run(code, usage);
        const insert = this.stmt('INSERT INTO guichet_adresses (guichet, usage, adresse) VALUES (?, ?, ?)');
        for (const a of new Set(addresses)) insert.run(code, usage, a);
      };
      if (changes.expediteurs) replace('EXPEDITEUR', changes.expediteurs.map((e) => e.toLowerCase()));
      if (changes.destinataires) replace('DESTINATAIRE', changes.destinataires);
      if (changes.departements) {
        this.stmt('DELETE FROM guichet_departements WHERE guichet = ?').run(code);
        const insert = this.stmt('INSERT INTO guichet_departements (guichet, departement) VALUES (?, ?)');
        for (const d of new Set(changes.departements)) insert.run(code, d);
      }
      return true;
    }).immediate();
  }

  addGuichetKey(code: string, key: { readonly fingerprint: string; readonly armored: string }): void {
    this.stmt('INSERT OR REPLACE INTO guichet_cles (guichet, fingerprint, armored) VALUES (?, ?, ?)').run(code, key.fingerprint, key.armored);
  }

  removeGuichetKey(code: string, fingerprint: string): boolean {
    return this.stmt('DELETE FROM guichet_cles WHERE guichet = ? AND fingerprint = ?').run(code, fingerprint).changes > 0;
  }

  getGuichet(code: string): Guichet | undefined {
    const row = this.stmt('SELECT * FROM guichets WHERE code = ?').get(code) as Row | undefined;
    if (!row) return undefined;
    const addresses = (usage: string) =>
      (this.stmt('SELECT adresse FROM guichet_adresses WHERE guichet = ? AND usage = ? ORDER BY adresse').all(code, usage) as Row[]).map(
        (r) => String(r.adresse),
      );
    return {
      code,
      nom: String(row.nom),
      adresse: String(row.adresse),
      actif: row.actif === 1,
      expediteurs: addresses('EXPEDITEUR'),
      destinataires: addresses('DESTINATAIRE'),
      cles: (this.stmt('SELECT fingerprint, armored FROM guichet_cles WHERE guichet = ? ORDER BY fingerprint').all(code) as Row[]).map(
        (r) => ({ fingerprint: String(r.fingerprint), armored: String(r.armored) }),
      ),
      departements: (
        this.stmt('SELECT departement FROM guichet_departements WHERE guichet = ? ORDER BY departement').all(code) as Row[]
      ).map((r) => String(r.departement)),
    };
  }

  guichetBySender(address: string): Guichet | undefined {
    const row = this.stmt(
      `SELECT g.code FROM guichet_adresses a JOIN guichets g ON g.code = a.guichet
       WHERE a.adresse = ? AND a.usage = 'EXPEDITEUR' AND g.actif = 1`,
    ).get(address.toLowerCase()) as Row | undefined;
    return row ? this.getGuichet(String(row.code)) : undefined;
  }

  listGuichets(): readonly Guichet[] {
    return (this.stmt('SELECT code FROM guichets ORDER BY code').all() as Row[]).map(
      (r) => this.getGuichet(String(r.code))!,
    );
  }

  lotByMessageSha256(sha256: string): LotRecord | undefined {
    const row = this.stmt(`SELECT ${LOT_COLUMNS} FROM lots WHERE message_sha256 = ?`).get(sha256) as Row | undefined;
    return row ? toLot(row) : undefined;
  }

  lotSources(lotId: number): readonly string[] {
    return (this.stmt('SELECT source FROM lot_receptions WHERE lot_id = ? ORDER BY recu_at, source').all(lotId) as Row[]).map((r) => String(r.source));
  }

  lotByIdentifiant(guichet: string, identifiantLot: string): LotRecord | undefined {
    const row = this.stmt(
      `SELECT ${LOT_COLUMNS} FROM lots WHERE guichet = ? AND identifiant_lot = ? AND doublon_de IS NULL
         AND empreinte IS NOT NULL AND NOT (statut = 'REJETE' AND erreurs <> '[]')
       ORDER BY id LIMIT 1`,
    ).get(guichet, identifiantLot) as Row | undefined;
    return row ? toLot(row) : undefined;
  }

  getLot(id: number): LotRecord | undefined {
    const row = this.stmt(`SELECT ${LOT_COLUMNS} FROM lots WHERE id = ?`).get(id) as Row | undefined;
    return row ? toLot(row) : undefined;
  }

  listLots(): readonly LotRecord[] {
    return (this.stmt(`SELECT ${LOT_COLUMNS} FROM lots ORDER BY id`).all() as Row[]).map(toLot);
  }

  lotResultats(lotId: number): readonly ResultatRecord[] {
    return (this.stmt('SELECT * FROM lot_resultats WHERE lot_id = ? ORDER BY position').all(lotId) as Row[]).map(
      toResultat,
    );
  }

  lotOriginal(lotId: number): Buffer | undefined {
    return (this.stmt('SELECT original FROM lots WHERE id = ? AND supprime_at IS NULL').get(lotId) as Row | undefined)?.original as
      | Buffer
      | undefined;
  }

  lotOriginalSize(lotId: number): number | undefined {
    const row = this.stmt('SELECT length(original) AS size FROM lots WHERE id = ?').get(lotId) as Row | undefined;
    return row === undefined ? undefined : Number(row.size);
  }

  deleteQuarantined(lotId: number, at: Date, par: string): boolean {
    return (
      this.stmt(
        `UPDATE lots SET original = X'', supprime_at = ?, supprime_par = ?
         WHERE id = ? AND statut = 'QUARANTAINE' AND supprime_at IS NULL`,
      ).run(at.toISOString(), par, lotId).changes > 0
    );
  }

  getDemande(numeroUnique: string): DemandeRecord | undefined {
    const row = this.stmt('SELECT * FROM demandes WHERE numero_unique = ?').get(numeroUnique) as Row | undefined;
    return row ? toDemande(row) : undefined;
  }

  findDoublon(territoire: string, cle: string, sauf?: string): { numeroUnique: string; guichet: string } | undefined {
    // `statut = 'ACTIVE'` spelled out so SQLite uses the partial index demandes_doublon.
    const row = this.stmt(
      `SELECT numero_unique, guichet FROM demandes
       WHERE territoire = ? AND cle_doublon = ? AND statut = 'ACTIVE' AND numero_unique <> ? LIMIT 1`,
    ).get(territoire, cle, sauf ?? '') as Row | undefined;
    return row ? { numeroUnique: String(row.numero_unique), guichet: String(row.guichet) } : undefined;
  }

  demandesEchues(auPlusTard: string): readonly DemandeEchue[] {
    return (
      this.stmt(
        `SELECT numero_unique, date_echeance FROM demandes WHERE statut = 'ACTIVE' AND date_echeance <= ?
         ORDER BY date_echeance, numero_unique`,
      ).all(auPlusTard) as Row[]
    ).map((r) => ({ numeroUnique: String(r.numero_unique), dateEcheance: String(r.date_echeance) }));
  }

  demandeHistory(numeroUnique: string): readonly AuditEntry[] {
    return (
      this.stmt(
        `SELECT e.*, l.identifiant_lot FROM evenements e LEFT JOIN lots l ON l.id = e.lot_id
         WHERE e.numero_unique = ? ORDER BY e.id`,
      ).all(numeroUnique) as Row[]
    ).map((r) =>
      compact<AuditEntry>({
        numeroUnique: String(r.numero_unique),
        action: String(r.action),
        acteur: String(r.acteur),
        lotId: r.lot_id === null ? undefined : Number(r.lot_id),
        identifiantLot: str(r.identifiant_lot),
        at: String(r.at),
        details: r.details === null ? undefined : (JSON.parse(String(r.details)) as AuditEntry['details']),
      }),
    );
  }

  outboxToPrepare(): readonly OutboxItem[] {
    return (this.stmt(`SELECT * FROM outbox WHERE statut = 'A_PREPARER' ORDER BY id`).all() as Row[]).map(toOutbox);
  }

  markPrepared(id: number, raw: Buffer): boolean {
    return this.db.transaction(() => {
      if (this.stmt(`UPDATE outbox SET statut = 'PRET', document = '' WHERE id = ? AND statut = 'A_PREPARER'`).run(id).changes !== 1) return false;
      this.stmt('INSERT OR REPLACE INTO outbox_raw (id, raw) VALUES (?, ?)').run(id, raw);
      return true;
    })();
  }

  outboxDue(now: Date): readonly OutboxItem[] {
    const due = `SELECT ${WITH_RAW} WHERE o.statut = 'PRET' AND (o.prochaine_tentative IS NULL OR o.prochaine_tentative <= ?)
       ORDER BY o.id LIMIT ${OUTBOX_BATCH}`;
    return (this.stmt(due).all(now.toISOString()) as Row[]).map(toOutbox);
  }

  outboxForLot(lotId: number): readonly OutboxItem[] {
    return (this.stmt(`SELECT * FROM outbox WHERE lot_id = ? ORDER BY id`).all(lotId) as Row[]).map(toOutbox);
  }

  markSent(id: number, at: Date, refus?: readonly OutboxRefus[]): void {
    this.stmt(
      `UPDATE outbox SET statut = 'ENVOYE', envoye_at = ?, tentatives = tentatives + 1, restants = NULL,
         premiere_tentative = COALESCE(premiere_tentative, ?), refus = COALESCE(?, refus) WHERE id = ?`,
    ).run(at.toISOString(), at.toISOString(), refus === undefined ? null : JSON.stringify(refus), id);
  }

  markAttemptFailed(id: number, attempt: OutboxAttempt): void {
    this.stmt(
      `UPDATE outbox SET tentatives = tentatives + 1, derniere_erreur = ?, prochaine_tentative = ?,
         premiere_tentative = COALESCE(premiere_tentative, ?), restants = COALESCE(?, restants), refus = COALESCE(?, refus)
       WHERE id = ?`,
    ).run(
      attempt.error,
      attempt.nextAttempt.toISOString(),
      attempt.at.toISOString(),
      attempt.restants === undefined ? null : JSON.stringify(attempt.restants),
      attempt.refus === undefined ? null : JSON.stringify(attempt.refus),
      id,
    );
  }

  markOutboxFailed(id: number, at: Date, error: string): void {
    this.stmt(
      `UPDATE outbox SET statut = 'ECHEC', echec_at = ?, derniere_erreur = ?, prochaine_tentative = NULL
       WHERE id = ? AND statut = 'PRET'`,
    ).run(at.toISOString(), error, id);
  }

  outboxNextAttempt(): Date | undefined {
    const row = this.stmt(`SELECT MIN(COALESCE(prochaine_tentative, '1970-01-01T00:00:00.000Z')) AS next FROM outbox WHERE statut = 'PRET'`).get() as Row;
    return row.next === null || row.next === undefined ? undefined : new Date(String(row.next));
  }

  getOutbox(id: number): OutboxItem | undefined {
    const row = this.stmt(`SELECT ${WITH_RAW} WHERE o.id = ?`).get(id) as Row | undefined;
    return row ? toOutbox(row) : undefined;
  }

  retryOutbox(id: number, at: Date, par: string): OutboxStatut | undefined {
    return this.db.transaction(() => {
      const item = this.getOutbox(id);
      if (!item || (item.statut !== 'PRET' && item.statut !== 'ECHEC')) return undefined;
      const relances = [...item.relances, { at: at.toISOString(), par, statutAvant: item.statut }];
      // From ECHEC: due now with a new lifetime (it counts from the next first attempt).
      this.stmt(
        `UPDATE outbox SET statut = 'PRET', prochaine_tentative = ?, relances = ?,
           premiere_tentative = CASE WHEN statut = 'ECHEC' THEN NULL ELSE premiere_tentative END, echec_at = NULL
         WHERE id = ?`,
      ).run(at.toISOString(), JSON.stringify(relances), id);
      return 'PRET' as const;
    }).immediate();
  }

  outboxByStatut(statut: OutboxStatut): readonly OutboxItem[] {
    return (this.stmt(`SELECT * FROM outbox WHERE statut = ? ORDER BY id`).all(statut) as Row[]).map(toOutbox);
  }

  getTerritory(territoire: string): TerritorySettings | undefined {
    const row = this.stmt('SELECT * FROM territoires WHERE territoire = ?').get(territoire) as Row | undefined;
    return row ? toTerritory(row) : undefined;
  }

  listTerritories(): readonly TerritorySettings[] {
    return (this.stmt('SELECT * FROM territoires ORDER BY territoire').all() as Row[]).map(toTerritory);
  }

  setTerritory(t: TerritorySettings): void {
    this.stmt(
      `INSERT INTO territoires (territoire, delai_anormalement_long_mois, commission_adresse, modifie_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (territoire) DO UPDATE SET delai_anormalement_long_mois = excluded.delai_anormalement_long_mois,
         commission_adresse = excluded.commission_adresse, modifie_at = excluded.modifie_at`,
    ).run(t.territoire, t.delaiAnormalementLongMois, t.commissionAdresse, t.modifieAt);
  }

  guichetCommunes(guichet: string): readonly string[] {
    return (this.stmt('SELECT commune FROM guichet_communes WHERE guichet = ? ORDER BY commune').all(guichet) as Row[]).map(
      (r) => String(r.commune),
    );
  }

  setGuichetCommunes(guichet: string, communes: readonly string[]): void {
    this.db.transaction(() => {
      this.stmt('DELETE FROM guichet_communes WHERE guichet = ?').run(guichet);
      const insert = this.stmt('INSERT INTO guichet_communes (guichet, commune) VALUES (?, ?)');
      for (const commune of new Set(communes)) insert.run(guichet, commune);
    }).immediate();
  }

  bailleursIn(communes: readonly string[]): readonly string[] {
    if (communes.length === 0) return [];
    return (
      this.stmt(
        `SELECT DISTINCT g.nom FROM guichet_communes c JOIN guichets g ON g.code = c.guichet
         WHERE g.actif = 1 AND c.commune IN (${communes.map(() => '?').join(', ')}) ORDER BY g.nom`,
      ).all(...communes) as Row[]
    ).map((r) => String(r.nom));
  }

  close(): void {
    this.db.close();
  }
}
