/**
 * Interoperability with an unrelated client: the npm package `mcprotocol` (3E frames, binary and ASCII)
 * reads what our client wrote to our simulator, and our client reads what it wrote.
 *
 * Known mcprotocol defects, so this test sticks to word devices and checks values, not callbacks:
 * - its write callback reports failure ("anything bad") for 3E writes that did succeed;
 * - its 3E bit writes are malformed (binary: subcommand 0x0100, written big-endian; ASCII: one
 *   character too many for odd point counts) and are refused by the simulator, as a PLC would;
 * - in ASCII it writes the point count as if it were a decimal device number (60 words go out as
 *   "0060" = 96), so ASCII reads stay at 9 words or fewer;
 * - it merges bit items up to 40 points apart into one block but reads only the first word of it,
 *   so bit items here are far apart.
 */
import "should";
import { McClient } from "../../lib/mc/client";
import { executeReadPlan, planReads, planWrites } from "../../lib/mc/planner";
import { parseTag } from "../../lib/mc/tags";
import { PlcSimulator } from "../../lib/simulator";
import { until } from "../helpers/scripted-peer";

// mcprotocol ships no types; this is the part of its API the test uses.
interface McProtocolConnection {
  initiateConnection(
    params: { port: number; host: string; ascii: boolean; frame: "3E" },
    cb: (err?: Error) => void,
  ): void;
  setTranslationCB(cb: (name: string) => string | undefined): void;
  addItems(names: string | string[]): void;
  readAllItems(cb: (anythingBad: boolean, values: Record<string, unknown>) => void): void;
  writeItems(names: string | string[], values: unknown, cb: (anythingBad: boolean) => void): void;
  dropConnection(): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const McProtocol = require("mcprotocol") as new () => McProtocolConnection;

/** mcprotocol prints its debug log with console.log; keep the test output readable. */
function quietConsole(): () => void {
  const original = console.log;
  console.log = () => undefined;
  return () => {
    console.log = original;
  };
}

class TheirClient {
  private readonly conn = new McProtocol();
  private readonly addresses: Record<string, string> = {};

  constructor() {
    this.conn.setTranslationCB((name) => this.addresses[name]);
  }

  connect(port: number, ascii: boolean): Promise<void> {
    return new Promise((resolve, reject) =>
      this.conn.initiateConnection({ port, host: "127.0.0.1", ascii, frame: "3E" }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }

  /** Reads mcprotocol addresses ("D100", "D101,3", "RDINT10", "DFLOAT20"); values keyed like the input. */
  read(addresses: Record<string, string>): Promise<Record<string, unknown>> {
    const fresh = Object.keys(addresses).filter((k) => !(k in this.addresses));
    Object.assign(this.addresses, addresses);
    if (fresh.length) this.conn.addItems(fresh);
    return new Promise((resolve, reject) =>
      this.conn.readAllItems((bad, values) => {
        if (bad) reject(new Error(`mcprotocol read failed: ${JSON.stringify(values)}`));
        else resolve(values);
      }),
    );
  }

  /** Resolves when mcprotocol has had its answers, whatever it says about them. */
  write(address: string, value: unknown): Promise<void> {
    const name = `w:${address}`;
    this.addresses[name] = address;
    return new Promise((resolve) => this.conn.writeItems(name, value, () => resolve()));
  }

  close(): void {
    this.conn.dropConnection();
  }
}

for (const encoding of ["binary", "ascii"] as const) {
  describe(`interop with npm mcprotocol (3E ${encoding})`, () => {
    let sim: PlcSimulator;
    let ours: McClient;
    let theirs: TheirClient;
    let restoreConsole: () => void;
    const opts = { series: "ql", encoding } as const;

    beforeEach(async () => {
      restoreConsole = quietConsole();
      sim = new PlcSimulator({ encoding });
      const port = await sim.start();
      ours = new McClient({ host: "127.0.0.1", port, encoding });
      theirs = new TheirClient();
      await theirs.connect(port, encoding === "ascii");
    });

    afterEach(async () => {
      theirs.close();
      ours.close();
      // Both clients must really let go of their sockets, or mocha would not exit.
      await until(() => sim.clientCount === 0, 2000, "both clients to disconnect");
      await sim.stop();
      restoreConsole();
    });

    const oursWrite = async (pairs: [string, unknown][]) => {
      const items = pairs.map(([a, value]) => ({ tag: parseTag(a, opts), value }));
      for (const cmd of planWrites(items, ours.format)) await ours.request(cmd);
    };
    const oursRead = async (addresses: string[]) => {
      const plan = planReads(
        addresses.map((a) => parseTag(a, opts)),
        ours.format,
      );
      return (await executeReadPlan(plan, (c) => ours.request(c))).map((r) => {
        if (!r.ok) throw r.error;
        return r.value;
      });
    };

    it("reads the words our client wrote, and so does our client", async () => {
      const long = encoding === "ascii" ? 9 : 80;
      const written: [string, unknown][] = [
        ["D100", -1234],
        ["D101:int16[3]", [1, -2, 32767]],
        ["R10:int32", 305419896],
        ["D20:float32", -2.5],
        [`D500:int16[${long}]`, Array.from({ length: long }, (_, i) => i * 100 - 4000)],
      ];
      await oursWrite(written);
      (await oursRead(written.map(([a]) => a))).should.eql(written.map(([, v]) => v));
      const values = await theirs.read({
        a: "D100",
        b: "D101,3",
        c: "RDINT10",
        d: "DFLOAT20",
        e: `D500,${long}`,
      });
      values.should.eql({
        a: -1234,
        b: [1, -2, 32767],
        c: 305419896,
        d: -2.5,
        e: written[4]![1],
      });
    });

    it("writes words that our client then reads", async () => {
      await theirs.write("D300,3", [9, -8, 7]);
      await theirs.write("RDINT40", -123456789);
      (await oursRead(["D300:int16[3]", "R40:int32"])).should.eql([[9, -8, 7], -123456789]);
      sim.memory.readWords("D", 300, 3).should.eql([9, 0xfff8, 7]);
      (await theirs.read({ x: "D300,3" })).should.eql({ x: [9, -8, 7] });
    });

    it("sees bit devices our client wrote", async () => {
      await oursWrite([
        ["M5", true],
        ["M1000:bool[4]", [false, true, true, false]],
      ]);
      (await theirs.read({ m: "M5", n: "M1000,4" })).should.eql({ m: true, n: [false, true, true, false] });
    });
  });
}
