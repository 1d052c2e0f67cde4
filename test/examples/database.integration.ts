/**
 * examples/06 with its real SQLite database (node-red-node-sqlite): the test plays the PLC (REQ/ACK on
 * the simulator's memory) and checks the parts table itself. Node-RED is killed with -9 mid-stream and
 * started again on the same user directory, twice: while the PLC waits for ACK, and after ACK was
 * written. The database is locked for a while. Every transaction the PLC saw acknowledged must be in the table exactly once (a repeated delivery is counted in
 * `deliveries`, a re-read marked `duplicate`), and nothing may be lost.
 */
import "should";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Database from "better-sqlite3";
import { PlcSimulator } from "../../lib/simulator";
import {
  type FlowNode,
  type Runtime,
  engineProbe,
  eventually,
  exampleFlow,
  probe,
  startRuntime,
} from "./runtime";

const REQ = "M200";
const ACK = "D1201";
const SEQUENCE = "D1202";

interface PartRow {
  seq: number;
  data: string;
  deliveries: number;
  duplicate: number;
}

/** examples/06 without its "PLC stand-in" tab: the test is the PLC. */
function flowWithoutStandIn(port: number): FlowNode[] {
  const flow = exampleFlow("06-plc-handshake-queue-database.json", port);
  const standIn = flow.find((n) => n.type === "tab" && String(n.label).startsWith("PLC stand-in"));
  if (!standIn) throw new Error("examples/06 has no PLC stand-in tab");
  return [...flow.filter((n) => n.id !== standIn.id && n.z !== standIn.id), ...engineProbe()];
}

/**
 * The PLC program: part after part, write the data and the sequence word, set REQ, wait (as long as it
 * takes: Node-RED may be down) for ACK, note it, clear REQ, wait for ACK to clear.
 */
class PlcProgram {
  readonly acked = new Map<number, number>();
  private stopping = false;
  private aborted = false;
  private readonly done: Promise<void>;

  constructor(private readonly sim: PlcSimulator) {
    this.done = this.run();
  }

  private async waitFor(check: () => boolean): Promise<void> {
    while (!check() && !this.aborted) await new Promise((r) => setTimeout(r, 5));
  }

  private async run(): Promise<void> {
    const m = this.sim.memory;
    for (let seq = 1; !this.stopping && !this.aborted; seq++) {
      m.set("D1210", 1000 + seq);
      m.set("D1211", 400 + (seq % 100));
      m.set(SEQUENCE, seq);
      m.set(REQ, true);
      await this.waitFor(() => m.get(ACK) !== 0);
      if (this.aborted) return;
      this.acked.set(seq, m.get(ACK) as number);
      m.set(REQ, false);
      await this.waitFor(() => m.get(ACK) === 0);
    }
  }

  /** Finishes the transaction in progress, then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }

  /** Stops at once, whatever the transaction in progress waits for. */
  async abort(): Promise<void> {
    this.aborted = true;
    await this.done;
  }
}

function partsIn(userDir: string): PartRow[] {
  const db = new Database(path.join(userDir, "jsscada-parts.db"), { readonly: true });
  try {
    return db.prepare("SELECT seq, data, deliveries, duplicate FROM parts ORDER BY seq").all() as PartRow[];
  } finally {
    db.close();
  }
}

async function drained(rt: Runtime): Promise<void> {
  await eventually(
    async () => {
      const q = (await probe(rt)).queues.find((x) => x.name === "ex6-parts") as
        { size: number; inFlight: number } | undefined;
      return q && q.size === 0 && q.inFlight === 0;
    },
    30000,
    "the queue drained into the database",
  );
}

/** Every transaction acknowledged OK is in the table once (re-reads marked), with its own data. */
function checkTable(
  rows: PartRow[],
  acked: Map<number, number>,
): { duplicates: number; redelivered: number } {
  const ok = [...acked].filter(([, ack]) => ack === 1).map(([seq]) => seq);
  ok.length.should.be.above(0);
  const missing = ok.filter((seq) => !rows.some((r) => r.seq === seq && r.duplicate === 0));
  missing.should.deepEqual([], "acknowledged transactions missing from the table");
  const twice = ok.filter((seq) => rows.filter((r) => r.seq === seq && r.duplicate === 0).length > 1);
  twice.should.deepEqual([], "transactions stored twice without being marked");
  for (const r of rows) (JSON.parse(r.data) as object).should.have.properties({ partNo: 1000 + r.seq });
  return {
    duplicates: rows.filter((r) => r.duplicate === 1).length,
    redelivered: rows.filter((r) => r.deliveries > 1).length,
  };
}

describe("example 06: PLC transactions into SQLite", function () {
  this.timeout(120000);
  let sim: PlcSimulator;
  let plc: PlcProgram | undefined;
  let rt: Runtime | undefined;
  let userDir: string;

  beforeEach(async () => {
    sim = new PlcSimulator();
    await sim.start();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "jsscada-db-"));
  });
  afterEach(async () => {
    await plc?.abort();
    plc = undefined;
    if (rt) await rt.stop();
    rt = undefined;
    await sim.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  /**
   * Kills Node-RED in the PLC state `when` describes. The process is frozen (SIGSTOP) before the state is
   * read, so nothing the node does can change it between the look and the kill; the PLC program (in this
   * process) is given 30 ms to react to a write that was on its way.
   */
  async function killWhen(runtime: Runtime, when: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 30000;
    for (;;) {
      runtime.freeze();
      await new Promise((r) => setTimeout(r, 30));
      if (when()) return runtime.kill();
      runtime.thaw();
      if (Date.now() > deadline) throw new Error(`${what} not reached within 30000 ms`);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 40));
    }
  }

  it("kill -9 mid-stream, twice: after each restart every acknowledged transaction is in the table exactly once", async () => {
    const flow = flowWithoutStandIn(sim.port);
    rt = await startRuntime({ flow, userDir });
    plc = new PlcProgram(sim);
    const program = plc;
    const more = (n: number, what: string) => {
      const target = program.acked.size + n;
      return eventually(() => program.acked.size >= target, 30000, what);
    };
    await more(8, "8 transactions acknowledged");
    // 1. Killed while the PLC waits for an ACK (REQ high): the record may be in the queue, in the table,
    //    both or neither. A restart handles that REQ (reqHighAtStart: handle).
    await killWhen(rt, () => sim.memory.get(REQ) === true && sim.memory.get(ACK) === 0, "REQ high, no ACK");
    const atKill = program.acked.size;
    rt = await startRuntime({ flow, userDir });
    await more(8, "8 more after the first restart");
    // 2. Killed after writing ACK: the PLC saw it, dropped REQ and waits for ACK to clear. The restarted
    //    node clears it when it first sees REQ low, or the PLC would wait for ever.
    await killWhen(rt, () => sim.memory.get(REQ) === false && sim.memory.get(ACK) !== 0, "ACK set, REQ low");
    rt = await startRuntime({ flow, userDir });
    await more(8, "8 more after the second restart (the stale ACK cleared)");
    await program.stop();
    await drained(rt);
    const rows = partsIn(userDir);
    const { duplicates, redelivered } = checkTable(rows, program.acked);
    console.log(
      `      ${program.acked.size} transactions (${atKill} before the first kill), ${rows.length} rows, ` +
        `${redelivered} delivered again (counted, not stored twice), ${duplicates} re-read and marked duplicate`,
    );
  });

  it("a locked database: a clear error, the records wait in the queue and all arrive once it is free", async () => {
    rt = await startRuntime({ flow: flowWithoutStandIn(sim.port), userDir });
    const runtime = rt;
    plc = new PlcProgram(sim);
    const program = plc;
    await eventually(() => partsIn(userDir).length >= 2, 30000, "2 records stored");
    const lock = new Database(path.join(userDir, "jsscada-parts.db"));
    try {
      lock.exec("BEGIN EXCLUSIVE");
      const before = program.acked.size;
      // The PLC is still acknowledged (the records are safe on disk in the queue), the inserts fail.
      const held = await eventually(
        async () => {
          const q = (await probe(runtime)).queues.find((x) => x.name === "ex6-parts") as
            { size: number } | undefined;
          return program.acked.size >= before + 3 && q && q.size >= 3 ? q.size : undefined;
        },
        30000,
        "3 records held in the queue while the database is locked",
      );
      held.should.be.aboveOrEqual(3);
      await eventually(
        () =>
          /\[warn\] \[function:say why\] database write failed \(SQLITE_BUSY: database is locked\)/.test(
            runtime.log(),
          ),
        20000,
        `the reason in the log:\n${runtime
          .log()
          .split("\n")
          .filter((l) => /warn|error/.test(l))
          .slice(-5)
          .join("\n")}`,
      );
    } finally {
      lock.exec("ROLLBACK");
      lock.close();
    }
    await program.stop();
    await drained(runtime);
    checkTable(partsIn(userDir), program.acked);
  });
});
