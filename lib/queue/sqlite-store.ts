import fs from "node:fs";
import path from "node:path";
import type Database from "better-sqlite3";
import { QueueStoreError, type QueueStoreErrorCode } from "./errors";
import type { NewMessage, QueueStore, StoredMessage } from "./store";

export interface SqliteStoreOptions {
  /**
   * "normal" (default) survives a process crash or kill -9, since a WAL commit is in the OS before the
   * put is acknowledged; "full" also survives a power cut, at the price of an fsync per group commit.
   */
  synchronous?: "normal" | "full";
  /** Run `PRAGMA quick_check` at open so damage shows now, as a typed error, not mid-delivery. Default true. */
  checkIntegrity?: boolean;
  /** Rename a corrupt file (and its -wal/-shm) aside and start empty instead of raising QUEUE_STORE_CORRUPT. */
  moveCorruptAside?: boolean;
  /**
   * How long open waits for another holder of the file (a redeploy whose old queue is still closing)
   * before QUEUE_STORE_LOCKED. Default 1 000.
   */
  busyTimeoutMs?: number;
  /** Passed to JSON.parse for every payload read, e.g. `bufferReviver` to get Buffers back. */
  reviver?: (key: string, value: unknown) => unknown;
}

type Row = [seq: number, enqueuedAt: number, attempts: number, payload: string, bytes: number];

const TABLE = "queue_messages";

/**
 * One SQLite file per queue, one table whose AUTOINCREMENT key is the delivery order. The file is
 * opened in exclusive locking mode so a second queue pointed at the same file fails at open
 * (QUEUE_STORE_LOCKED) instead of both delivering the same messages.
 */
export class SqliteStore<T> implements QueueStore<T> {
  readonly persistent = true;
  readonly file: string;
  /** Where a corrupt file was moved to when `moveCorruptAside` was set and had to act. */
  readonly movedAsideTo: string | undefined;
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepare>;
  private readonly reviver: SqliteStoreOptions["reviver"];

  private constructor(
    file: string,
    db: Database.Database,
    movedAsideTo: string | undefined,
    options: SqliteStoreOptions,
  ) {
    this.file = file;
    this.db = db;
    this.movedAsideTo = movedAsideTo;
    this.reviver = options.reviver;
    this.statements = prepare(db);
  }

  /** Throws QueueStoreError (QUEUE_STORE_CORRUPT, _UNWRITABLE or _LOCKED); never leaves a handle open. */
  static open<T>(file: string, options: SqliteStoreOptions = {}): SqliteStore<T> {
    try {
      return new SqliteStore<T>(file, openDatabase(file, options), undefined, options);
    } catch (err) {
      const error = toStoreError(file, err);
      if (error.code !== "QUEUE_STORE_CORRUPT" || options.moveCorruptAside !== true) throw error;
      const movedTo = moveStoreAside(file);
      try {
        return new SqliteStore<T>(file, openDatabase(file, options), movedTo, options);
      } catch (retryErr) {
        throw toStoreError(file, retryErr);
      }
    }
  }

  count(): number {
    return this.guard(() => this.statements.count.pluck().get() as number);
  }

  bytes(): number {
    return this.guard(() => this.statements.bytes.pluck().get() as number);
  }

  oldestEnqueuedAt(): number | undefined {
    return this.guard(() => this.statements.oldest.pluck().get() as number | undefined);
  }

  append(messages: readonly NewMessage<T>[]): number[] {
    return this.guard(() => {
      const { insert } = this.statements;
      return messages.map((m) => {
        const json = m.json ?? JSON.stringify(m.payload);
        return Number(insert.run(m.enqueuedAt, json).lastInsertRowid);
      });
    });
  }

  read(afterSeq: number, limit: number): StoredMessage<T>[] {
    return this.guard(() => {
      const rows = this.statements.read.raw().all(afterSeq, limit) as Row[];
      return rows.map(([seq, enqueuedAt, attempts, json, bytes]) => {
        try {
          return { seq, enqueuedAt, attempts, bytes, payload: JSON.parse(json, this.reviver) as T };
        } catch (err) {
          const unreadable = new QueueStoreError(
            "QUEUE_STORE_CORRUPT",
            this.file,
            `message ${seq} is not valid JSON`,
            err,
          );
          return { seq, enqueuedAt, attempts, bytes, payload: undefined as T, unreadable };
        }
      });
    });
  }

  remove(seqs: readonly number[]): void {
    this.guard(() => {
      for (const seq of seqs) this.statements.remove.run(seq);
    });
  }

  markAttempted(seqs: readonly number[]): void {
    this.guard(() => {
      for (const seq of seqs) this.statements.mark.run(seq);
    });
  }

  clear(): number {
    return this.guard(() => this.statements.clear.run().changes);
  }

  transaction<R>(fn: () => R): R {
    const { begin, commit, rollback } = this.statements;
    this.guard(() => begin.run());
    try {
      const result = fn();
      this.guard(() => commit.run());
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.guard(() => rollback.run());
      throw err;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private guard<R>(fn: () => R): R {
    try {
      return fn();
    } catch (err) {
      throw toStoreError(this.file, err);
    }
  }
}

/**
 * JSON turns a Buffer into `{type: "Buffer", data: [...]}`; this turns it back, so a persisted
 * `msg.payload` Buffer (a raw PLC frame, a file chunk) is delivered as a Buffer.
 */
export function bufferReviver(_key: string, value: unknown): unknown {
  if (
    value !== null &&
    typeof value === "object" &&
    (value as { type?: unknown }).type === "Buffer" &&
    Array.isArray((value as { data?: unknown }).data) &&
    Object.keys(value).length === 2
  ) {
    return Buffer.from((value as { data: number[] }).data);
  }
  return value;
}

/**
 * Renames the file and its WAL companions to `<file>.corrupt-<time>` and returns the new name of the
 * main file. Exposed so an editor button can do it on demand, not only at open.
 */
export function moveStoreAside(file: string, now = Date.now()): string {
  const target = `${file}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, "-")}`;
  try {
    for (const suffix of ["", "-wal", "-shm"]) {
      if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, target + suffix);
    }
  } catch (err) {
    throw toStoreError(file, err);
  }
  return target;
}

let driver: typeof Database | undefined;

/**
 * better-sqlite3 is a native module, loaded by the first disk queue only: an install where it could not
 * be built (it is an optional dependency) still runs memory queues, and a disk queue says why it cannot.
 */
function sqliteDriver(file: string): typeof Database {
  if (driver) return driver;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    driver = require("better-sqlite3") as typeof Database;
    return driver;
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new QueueStoreError(
      "QUEUE_STORE_UNAVAILABLE",
      file,
      `disk queues need the better-sqlite3 module, which cannot be loaded here (${why}); ` +
        "reinstall the package on this machine (npm install builds it), or use a memory queue",
      err,
    );
  }
}

function openDatabase(file: string, options: SqliteStoreOptions): Database.Database {
  const Driver = sqliteDriver(file);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Driver(file, { timeout: options.busyTimeoutMs ?? 1_000 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
    if (options.checkIntegrity !== false) {
      const result = db.pragma("quick_check", { simple: true });
      if (result !== "ok") {
        throw new QueueStoreError("QUEUE_STORE_CORRUPT", file, `integrity check failed: ${String(result)}`);
      }
    }
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        enqueued_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        payload TEXT NOT NULL
      )`,
    );
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function prepare(db: Database.Database) {
  return {
    insert: db.prepare(`INSERT INTO ${TABLE} (enqueued_at, attempts, payload) VALUES (?, 0, ?)`),
    read: db.prepare(
      `SELECT seq, enqueued_at, attempts, payload, octet_length(payload)
       FROM ${TABLE} WHERE seq > ? ORDER BY seq LIMIT ?`,
    ),
    remove: db.prepare(`DELETE FROM ${TABLE} WHERE seq = ?`),
    mark: db.prepare(`UPDATE ${TABLE} SET attempts = attempts + 1 WHERE seq = ?`),
    count: db.prepare(`SELECT count(*) FROM ${TABLE}`),
    bytes: db.prepare(`SELECT total(octet_length(payload)) FROM ${TABLE}`),
    oldest: db.prepare(`SELECT enqueued_at FROM ${TABLE} ORDER BY seq LIMIT 1`),
    clear: db.prepare(`DELETE FROM ${TABLE}`),
    begin: db.prepare("BEGIN"),
    commit: db.prepare("COMMIT"),
    rollback: db.prepare("ROLLBACK"),
  };
}

function toStoreError(file: string, err: unknown): QueueStoreError {
  if (err instanceof QueueStoreError) return err;
  const code = (err as { code?: unknown }).code;
  const sqliteCode = typeof code === "string" ? code : "";
  const message = err instanceof Error ? err.message : String(err);
  return new QueueStoreError(classify(sqliteCode), file, message, err);
}

function classify(sqliteCode: string): QueueStoreErrorCode {
  if (sqliteCode.startsWith("SQLITE_CORRUPT") || sqliteCode === "SQLITE_NOTADB") return "QUEUE_STORE_CORRUPT";
  if (sqliteCode.startsWith("SQLITE_BUSY") || sqliteCode.startsWith("SQLITE_LOCKED")) {
    return "QUEUE_STORE_LOCKED";
  }
  return "QUEUE_STORE_UNWRITABLE";
}
