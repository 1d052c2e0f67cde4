/**
 * examples/06-plc-handshake-queue-database.json: PLC REQ/ACK handshake → disk queue → SQLite, with a PLC stand-in tab.
 */
"use strict";
const { Flow, change, comment, debug, fixedGroup, func, functionBody, inject, plc } = require("../builder");
const { handshakeToDatabase, lastParts } = require("../database");

const EX6 = {
  req: "M200",
  ack: "D1201",
  sequence: "D1202",
  tags: [
    { name: "partNo", address: "D1210" },
    { name: "weight", address: "D1211" },
  ],
};

const EX6_INFO = `The MES "data ready" handshake, stored safely before the PLC is told OK:

  PLC sets REQ (M200) → the node reads partNo/weight and the sequence word (D1202) → the disk queue
  commits the record → a Complete node on the queue acknowledges the transaction → the node writes
  ACK = 1 (OK) to D1201 → the PLC clears REQ → the node clears ACK.

Then the queue delivers the record to SQLite (node-red-node-sqlite, table "parts" in
jsscada-parts.db, created on first use): the insert node's output, sent once the insert committed,
goes back to the queue as its acknowledgement. A failed insert (database locked or read-only, disk
full) is caught and returned to the queue as a nack after 2 s, so the record is delivered again, never
lost; the sqlite node's error says why. If the database is down the records wait on disk (also across
a restart); if the queue cannot take a record the node writes ACK = 2 (NG) after the downstream
time-out and the PLC can retry. After a crash, a record the queue delivers twice is counted in
"deliveries", not stored twice; a REQ still high at start is handled (the PLC is waiting for its ACK),
and if that record was already stored it is kept with duplicate = 1.

The database file is relative to Node-RED's working directory: set an absolute path in the sqlitedb
config node for a service. Needs node-red-node-sqlite (Manage palette ▸ Install).

The second tab stands in for the PLC program, so the example runs against the simulator
(npx jsscada-mc sim): "new part" writes the data and sets REQ; a fast FIXED group watches ACK and
clears REQ when it is set. With a real PLC, delete that tab: its ladder program does the same.`;

function handshakeQueueExample() {
  const f = new Flow("06-plc-handshake-queue").tab("tab", "PLC handshake → queue → database", EX6_INFO);
  comment(f, "note", "REQ/ACK handshake → disk queue → database, each step acknowledged", EX6_INFO, 0, 0);
  const p = plc(f, "Simulator 127.0.0.1:5000");
  // After a restart the PLC may still hold REQ for a record it was never acknowledged: read it.
  handshakeToDatabase(f, p, "ex6-parts", EX6, "ex6-parts", 1, { reqHighAtStart: "handle" });
  inject(f, "show-last", "show the last records", "", 0, 6, [[f.id("last")]]);
  lastParts(f, "last", 1, 6, [[f.id("last-debug")]]);
  debug(f, "last-debug", "last records", 5, 6);
  f.tab(
    "tab-plc",
    "PLC stand-in (delete with a real PLC)",
    "Sets REQ with a new part every 5 s, and clears REQ when ACK comes, as the PLC program would.\n" +
      "With a real PLC, delete this tab: its ladder program does the same.",
  );
  comment(
    f,
    "plc-note",
    "PLC stand-in (delete with a real PLC)",
    "Sets REQ with a new part every 5 s, and clears REQ when ACK comes, as the PLC program would.",
    0,
    0,
  );
  f.node(
    "new-part",
    "inject",
    {
      name: "new part every 5 s",
      props: [{ p: "payload" }],
      repeat: "5",
      crontab: "",
      once: true,
      onceDelay: "1",
      topic: "",
      payload: "",
      payloadType: "date",
    },
    0,
    7,
    [[f.id("part-data")]],
  );
  func(f, "part-data", "part record", functionBody("part-record"), 1, 7, [[f.id("write-data")]]);
  f.node(
    "write-data",
    "jsscada-write",
    {
      name: "write data",
      plc: p,
      tags: [
        { name: "seq", address: EX6.sequence },
        { name: "partNo", address: "D1210" },
        { name: "weight", address: "D1211" },
      ],
      allowMsgAddresses: false,
      allowList: "",
    },
    2,
    7,
    [[f.id("req-on")]],
  );
  change(f, "req-on", "REQ on", [{ t: "set", p: "payload", pt: "msg", to: "true", tot: "bool" }], 3, 7, [
    [f.id("write-req")],
  ]);
  f.node(
    "write-req",
    "jsscada-write",
    {
      name: "write REQ",
      plc: p,
      tags: [{ name: "req", address: EX6.req }],
      allowMsgAddresses: false,
      allowList: "",
    },
    4,
    8,
    [[]],
  );
  fixedGroup(
    f,
    "watch-ack",
    p,
    "ex6-plc-watch-ack",
    [
      { name: "ack", address: EX6.ack },
      { name: "req", address: EX6.req },
    ],
    200,
    "ms",
    2,
    9,
    [[f.id("clear-req")], []],
  );
  func(f, "clear-req", "ACK set → clear REQ", functionBody("clear-req"), 3, 9, [[f.id("write-req")]]);
  return f;
}

module.exports = handshakeQueueExample;
