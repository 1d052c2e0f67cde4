/**
 * examples/08-historian-influxdb.json: a historian: FIXED groups → batching disk queue → InfluxDB 1.x.
 */
"use strict";
const { Flow, comment, complete, fixedGroup, func, functionBody, plc, queue } = require("../builder");
const { retryAsNack } = require("../database");
const { TAGS } = require("../demo-plc");

const EX8_INFO = `A historian: FIXED groups → a disk queue that batches → InfluxDB 1.x (node-red-contrib-influxdb's
"influxdb batch" node), every batch acknowledged only once InfluxDB took it.

"to points" turns each group message into one InfluxDB point per tag (measurement "plc", tags group and
tag, field "value"), stamped with the cycle's scheduled time (msg.polling.scheduledAt, ms): a batch
written twice (InfluxDB took it, then the ack was lost) overwrites the same points instead of adding
new ones. The queue (on disk, so a restart loses nothing) delivers up to 1 000 messages at a time, or
what it has after 200 ms; "flatten" makes one list of points; the batch node writes them; a Complete
node on it acknowledges the batch to the queue. A failed write (InfluxDB down, restarting, refusing)
is caught and returned to the queue as a nack after 2 s: the batch is written again, never lost.

Needs node-red-contrib-influxdb (Manage palette ▸ Install) and an InfluxDB 1.x on 127.0.0.1:8086 with
a database "jsscada" (influx -execute 'CREATE DATABASE jsscada'); edit the influxdb config node for
yours. Query: SELECT value FROM plc WHERE "group" = 'hist-fast' AND time > now() - 5m`;

function historianExample() {
  const f = new Flow("08-historian-influxdb").tab(
    "tab",
    "Historian: groups → disk queue → InfluxDB",
    EX8_INFO,
  );
  comment(
    f,
    "note",
    "FIXED groups → disk queue (batches) → InfluxDB 1.x, acknowledged per batch",
    EX8_INFO,
    0,
    0,
  );
  const p = plc(f, "Simulator 127.0.0.1:5000");
  const influx = f.config("influx", "influxdb", {
    hostname: "127.0.0.1",
    port: "8086",
    protocol: "http",
    database: "jsscada",
    name: "InfluxDB 1.x 127.0.0.1:8086",
    usetls: false,
    tls: "",
    influxdbVersion: "1.x",
    url: "http://localhost:8086",
    timeout: "10",
    rejectUnauthorized: true,
  });
  fixedGroup(f, "fast", p, "hist-fast", TAGS.fast, 100, "ms", 0, 1, [[f.id("points")], []]);
  fixedGroup(
    f,
    "slow",
    p,
    "hist-slow",
    TAGS.slow.map((t) => ({ name: t.name, address: t.address })),
    1,
    "s",
    0,
    2,
    [[f.id("points")], []],
  );
  func(f, "points", "to points", functionBody("to-points"), 1, 1, [[f.id("queue")]]);
  queue(
    f,
    "queue",
    "historian",
    {
      persistence: "disk",
      maxInFlight: "1",
      ackTimeout: "30",
      batchSize: "1000",
      batchTime: "200",
      capacity: "100000",
    },
    2,
    1,
    [[f.id("flatten")], []],
  );
  func(f, "flatten", "flatten", functionBody("flatten"), 3, 1, [[f.id("write")]]);
  f.node(
    "write",
    "influxdb batch",
    {
      influxdb: influx,
      precision: "ms",
      retentionPolicy: "",
      name: "write points",
      database: "jsscada",
      precisionV18FluxV20: "ms",
      retentionPolicyV18Flux: "",
      org: "",
      bucket: "",
    },
    4,
    1,
    [],
  );
  complete(f, "written", "batch written", [f.id("write")], 4, 2, [[f.id("queue")]]);
  retryAsNack(f, "write", "write failed", "InfluxDB write", [f.id("write")], f.id("queue"), 2, 3);
  return f;
}

module.exports = historianExample;
