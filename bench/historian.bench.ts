/**
 * The historian (examples/08) end to end: a simulator, FIXED groups of 100 word tags every 10 ms, the
 * disk queue batching, node-red-contrib-influxdb's batch node and Debian's influxd, all on this machine.
 * Prints the points per second InfluxDB stored (counted by query) against those offered; the goal is
 * 20 000 points/s. Skipped (with a note) when influxd is not installed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PlcSimulator } from "../lib/simulator";
import { exampleFlow, probe, request, startRuntime } from "../test/examples/runtime";
import { INFLUXD, Influxd } from "../test/historian/influxd";
import { engineProbe } from "../test/examples/runtime";

const GROUPS = 4;
const TAGS = 100;
const SECONDS = 10;

function fmt(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

export async function run(): Promise<void> {
  if (!INFLUXD) {
    console.log("historian: skipped, influxd is not installed (apt-get install -y influxdb)");
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jsscada-bench-influx-"));
  const sim = new PlcSimulator();
  await sim.start();
  const influx = await Influxd.create(dir);
  await influx.start();
  try {
    await influx.query("CREATE DATABASE jsscada");
    const flow = exampleFlow("08-historian-influxdb.json", sim.port);
    const template = flow.find((n) => n.type === "jsscada-poll-fixed")!;
    const groups = Array.from({ length: GROUPS }, (_, g) => ({
      ...template,
      id: `bench0000000g${g}`,
      group: `bench-${g}`,
      interval: "10",
      intervalUnit: "ms",
      tags: Array.from({ length: TAGS }, (_, i) => ({ name: `d${i}`, address: `D${1000 + g * TAGS + i}` })),
    }));
    const nodes = [...flow.filter((n) => n.type !== "jsscada-poll-fixed"), ...groups, ...engineProbe()].map(
      (n) => (n.type === "influxdb" ? { ...n, port: String(influx.port) } : n),
    );
    const rt = await startRuntime({ flow: nodes, timeoutMs: 60_000 });
    try {
      const start = Date.now();
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      await request("GET", `${rt.url}/test/engine?command=stop-all`);
      const polled = Date.now() - start;
      let status = await probe(rt);
      for (;;) {
        status = await probe(rt);
        const q = status.queues.find((x) => x.name === "historian") as { size: number; inFlight: number };
        if (q.size === 0 && q.inFlight === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const elapsed = (Date.now() - start) / 1000;
      const offered = status.groups.reduce((a, g) => a + g.successes * TAGS, 0);
      const series = await influx.query("SELECT count(value) FROM plc", "jsscada");
      const stored = series.length ? Number(series[0]!.values[0]![1]) : 0;
      console.log(
        `historian live: ${fmt(stored / elapsed)} points/s stored in InfluxDB end to end (${fmt(stored)} points in ` +
          `${elapsed.toFixed(1)} s; polled ${fmt(offered / (polled / 1000))} points/s from ${GROUPS} groups × ` +
          `${TAGS} tags every 10 ms for ${SECONDS} s; stored/offered ${(stored / offered).toFixed(3)})`,
      );
      // The pipeline's own capacity: a backlog polled while influxd is down, then drained through the
      // disk queue's batches into InfluxDB (goal 20 000 points/s).
      await influx.kill();
      await request("GET", `${rt.url}/test/engine?command=start-all`);
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      await request("GET", `${rt.url}/test/engine?command=stop-all`);
      await influx.start();
      const drainStart = Date.now();
      for (;;) {
        const q = (await probe(rt)).queues.find((x) => x.name === "historian") as {
          size: number;
          inFlight: number;
        };
        if (q.size === 0 && q.inFlight === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const drainSeconds = (Date.now() - drainStart) / 1000;
      const after = await influx.query("SELECT count(value) FROM plc", "jsscada");
      const drained = (after.length ? Number(after[0]!.values[0]![1]) : 0) - stored;
      console.log(
        `historian backlog drain: ${fmt(drained / drainSeconds)} points/s (${fmt(drained)} points held on disk ` +
          `while influxd was down, written in ${drainSeconds.toFixed(1)} s after its restart; goal 20 000)`,
      );
    } finally {
      await rt.stop();
    }
  } finally {
    await influx.stop();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
