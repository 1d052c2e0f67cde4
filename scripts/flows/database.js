/**
 * The SQLite blocks (node-red-node-sqlite): the parts table, a queue delivery written and acknowledged,
 * a failed write returned to the queue as a nack, the last records, and the whole PLC handshake → disk
 * queue → database chain.
 */
"use strict";
const { change, complete, debug, func, functionBody, handshakeGroup, queue } = require("./builder");

/**
 * The records table (node-red-node-sqlite). One row per PLC transaction read: the PLC's sequence word
 * and the moment REQ was seen identify it, so a delivery the queue repeats after a crash (the insert
 * committed, the ack lost) updates `deliveries` instead of adding a row; a record the PLC's REQ made us
 * read again after a restart (same sequence and data, a later REQ) is stored but marked `duplicate`.
 */
const PARTS_TABLE =
  "CREATE TABLE IF NOT EXISTS parts (\n" +
  "  seq INTEGER,\n" +
  "  req_at INTEGER NOT NULL,\n" +
  "  data TEXT NOT NULL,\n" +
  "  stored_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),\n" +
  "  deliveries INTEGER NOT NULL DEFAULT 1,\n" +
  "  duplicate INTEGER NOT NULL DEFAULT 0,\n" +
  "  PRIMARY KEY (seq, req_at)\n" +
  ");";

const PARTS_INSERT =
  "INSERT INTO parts (seq, req_at, data, duplicate)\n" +
  "VALUES ($seq, $reqAt, $data, EXISTS (\n" +
  "  SELECT 1 FROM parts WHERE seq = $seq AND data = $data AND req_at <> $reqAt AND req_at > $reqAt - 3600000))\n" +
  "ON CONFLICT (seq, req_at) DO UPDATE SET deliveries = deliveries + 1";

const PARTS_LAST =
  "SELECT seq, data, stored_at, deliveries, duplicate FROM parts ORDER BY stored_at DESC, seq DESC LIMIT 10";

/** The database file: in Node-RED's working directory (scripts/start.js runs it in the user directory). */
function partsDb(f) {
  const id = f.id("parts-db");
  return f.nodes.some((n) => n.id === id)
    ? id
    : f.config("parts-db", "sqlitedb", { db: "jsscada-parts.db", mode: "RWC" });
}

function sqlite(f, key, name, db, sqlquery, sql, col, row, wires) {
  return f.node(key, "sqlite", { mydb: db, sqlquery, sql, name }, col, row, wires);
}

/** "CREATE TABLE IF NOT EXISTS" before `then` (a no-op after the first run, and no race at deploy). */
function ensurePartsTable(f, key, db, col, row, then) {
  sqlite(f, key, "table exists", db, "batch", "", col, row, [[then]]);
}

/**
 * Queue delivery → insert (committed when the sqlite node answers) → ack to the queue. A failed insert
 * (locked, read-only, full disk…) goes back to the queue as a nack after 2 s: the record is delivered
 * again, never lost, and the sqlite node's error says why.
 */
function sqliteWrite(f, key, queueId, col, row) {
  const db = partsDb(f);
  func(
    f,
    key,
    "record → SQL parameters",
    functionBody("record-to-sql", { '"__PARTS_TABLE__"': JSON.stringify(PARTS_TABLE) }),
    col,
    row,
    [[f.id(`${key}-table`)]],
  );
  ensurePartsTable(f, `${key}-table`, db, col + 1, row, f.id(`${key}-insert`));
  sqlite(f, `${key}-insert`, "insert part", db, "prepared", PARTS_INSERT, col + 2, row, [[queueId]]);
  retryAsNack(
    f,
    key,
    "insert failed",
    "database write",
    [f.id(`${key}-table`), f.id(`${key}-insert`)],
    queueId,
    col + 1,
    row + 1,
  );
}

/**
 * A failed write caught on the `scope` nodes goes back to the queue as a nack after 2 s (a Catch node
 * there; Node-RED does not log an error a Catch node handles, so "say why" warns with the reason).
 */
function retryAsNack(f, key, catchName, what, scope, queueId, col, row) {
  f.node(`${key}-failed`, "catch", { name: catchName, scope, uncaught: false }, col, row, [
    [f.id(`${key}-report`)],
  ]);
  func(f, `${key}-report`, "say why", functionBody("say-why", { __WHAT__: what }), col + 1, row, [
    [f.id(`${key}-retry`)],
  ]);
  f.node(
    `${key}-retry`,
    "delay",
    {
      name: "retry in 2 s",
      pauseType: "delay",
      timeout: "2",
      timeoutUnits: "seconds",
      rate: "1",
      nbRateUnits: "1",
      rateUnits: "second",
      randomFirst: "1",
      randomLast: "5",
      randomUnits: "seconds",
      drop: false,
      allowrate: false,
      outputs: 1,
    },
    col + 2,
    row,
    [[queueId]],
  );
}

/** The last 10 records, newest first, as msg.payload rows (for the pages and the dashboards). */
function lastParts(f, key, col, row, wires) {
  const db = partsDb(f);
  change(
    f,
    key,
    "last records",
    [{ t: "set", p: "topic", pt: "msg", to: PARTS_TABLE, tot: "str" }],
    col,
    row,
    [[f.id(`${key}-table`)]],
  );
  ensurePartsTable(f, `${key}-table`, db, col + 1, row, f.id(`${key}-select`));
  sqlite(f, `${key}-select`, "select last 10", db, "fixed", PARTS_LAST, col + 2, row, [
    [f.id(`${key}-rows`)],
  ]);
  func(f, `${key}-rows`, "rows for display", functionBody("rows-for-display"), col + 3, row, wires);
}

/**
 * PLC data → disk queue → database, acknowledged twice: the PLC gets ACK (OK) once the record is on
 * disk (Complete on the queue → handshake node), the queue lets go of it once the database took it
 * (Complete on the database write → queue).
 */
function handshakeToDatabase(f, plcId, group, hs, queueName, row, extra = {}) {
  handshakeGroup(
    f,
    "hs",
    plcId,
    group,
    hs.tags,
    {
      trigger: "plc",
      req: hs.req,
      ack: hs.ack,
      sequence: hs.sequence,
      watchInterval: "100",
      ackAfterDownstream: true,
      downstreamTimeout: "10000",
      ...extra,
    },
    0,
    row,
    [[f.id("queue")], [f.id("hs-errors")], []],
  );
  debug(f, "hs-errors", "handshake errors", 1, row + 2);
  queue(f, "queue", queueName, { persistence: "disk", maxInFlight: "1", ackTimeout: "30" }, 1, row, [
    [f.id("db")],
    [f.id("queue-events")],
  ]);
  debug(f, "queue-events", "queue events", 2, row + 1, false);
  sqliteWrite(f, "db", f.id("queue"), 2, row);
  complete(f, "queued", "record on disk", [f.id("queue")], 0, row + 3, [[f.id("only-puts")]]);
  func(f, "only-puts", "records, not acks", functionBody("only-puts"), 1, row + 3, [[f.id("hs")]]);
}

module.exports = { lastParts, retryAsNack, handshakeToDatabase };
