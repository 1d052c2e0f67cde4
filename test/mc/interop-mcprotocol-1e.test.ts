/**
 * Interoperability on the 1E frame with an unrelated client: npm `mcprotocol` (whose default frame is
 * 1E), binary and ASCII, against our 1E simulator. It reads what our client wrote and writes what our
 * client then reads, every value checked.
 *
 * One mcprotocol defect is worked around here, not in the simulator: since its 3E support (commit
 * 5f26a45) it reads a 1E write response's end code from byte 9 instead of byte 1, so the correct
 * 2-byte answer `83 00` (ASCII `8300`) makes it throw an uncaught RangeError. A proxy between the two
 * appends 8 zero bytes (ASCII: 16 "0" characters) to every 2-byte write answer, which it then reads
 * as success; the simulator itself answers exactly as the manuals say (`padded` counts the fixes).
 */
import * as net from "node:net";
import "should";
import { McClient } from "../../lib/mc/client";
import { executeReadPlan, planReads, planWrites } from "../../lib/mc/planner";
import { parseTag } from "../../lib/mc/tags";
import { type Encoding } from "../../lib/mc/wire";
import { PlcSimulator } from "../../lib/simulator";
import { until } from "../helpers/scripted-peer";

interface McProtocolConnection {
  initiateConnection(
    params: { port: number; host: string; ascii: boolean; frame: "1E"; octalInputOutput: boolean },
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

function quietConsole(): () => void {
  const original = console.log;
  console.log = () => undefined;
  return () => {
    console.log = original;
  };
}

/** A 1E write answer (82/83/84/85 with end code 00) and nothing else. */
function isWriteAnswer(chunk: Buffer, encoding: Encoding): boolean {
  if (encoding === "ascii") return /^8[2-5]00$/.test(chunk.toString("latin1"));
  return chunk.length === 2 && chunk[0]! >= 0x82 && chunk[0]! <= 0x85 && chunk[1] === 0;
}

/** The proxy described above: a byte pipe that only pads 2-byte 1E write answers. */
async function startPaddingProxy(
  target: number,
  encoding: Encoding,
): Promise<{ port: number; padded: () => number; close: () => Promise<void> }> {
  let padded = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const plc = net.connect(target, "127.0.0.1");
    for (const s of [client, plc]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        plc.destroy();
      });
    }
    client.on("data", (d: Buffer) => plc.write(d));
    plc.on("data", (d: Buffer) => {
      if (!isWriteAnswer(d, encoding)) return void client.write(d);
      padded++;
      client.write(Buffer.concat([d, encoding === "ascii" ? Buffer.from("0".repeat(16)) : Buffer.alloc(8)]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    padded: () => padded,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
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
      this.conn.initiateConnection(
        { port, host: "127.0.0.1", ascii, frame: "1E", octalInputOutput: true },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

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

  /** Resolves with mcprotocol's own verdict on the write. */
  write(address: string, value: unknown): Promise<boolean> {
    const name = `w:${address}`;
    this.addresses[name] = address;
    return new Promise((resolve) => this.conn.writeItems(name, value, (bad) => resolve(!bad)));
  }

  close(): void {
    this.conn.dropConnection();
  }
}

for (const encoding of ["binary", "ascii"] as const) {
  describe(`interop with npm mcprotocol (1E ${encoding})`, () => {
    let sim: PlcSimulator;
    let proxy: Awaited<ReturnType<typeof startPaddingProxy>>;
    let ours: McClient;
    let theirs: TheirClient;
    let restoreConsole: () => void;
    const opts = { series: "ql", encoding, frame: "1E", octalXY: true } as const;

    beforeEach(async () => {
      restoreConsole = quietConsole();
      sim = new PlcSimulator({ frame: "1E", encoding });
      const port = await sim.start();
      proxy = await startPaddingProxy(port, encoding);
      ours = new McClient({ host: "127.0.0.1", port, frame: "1E", encoding });
      theirs = new TheirClient();
      await theirs.connect(proxy.port, encoding === "ascii");
    });

    afterEach(async () => {
      theirs.close();
      ours.close();
      await until(() => sim.clientCount === 0, 2000, "both clients to disconnect");
      await proxy.close();
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

    it("reads the words our client wrote", async () => {
      const long = Array.from({ length: 60 }, (_, i) => i * 100 - 3000);
      const written: [string, unknown][] = [
        ["D100", -1234],
        ["D101:int16[3]", [1, -2, 32767]],
        ["D10:int32", 305419896],
        ["D20:float32", -2.5],
        ["R10:int32", -7],
        ["D500:int16[60]", long],
      ];
      await oursWrite(written);
      const values = await theirs.read({
        a: "D100",
        b: "D101,3",
        c: "DDINT10",
        d: "DFLOAT20",
        e: "RDINT10",
        f: "D500,60",
      });
      values.should.eql({ a: -1234, b: [1, -2, 32767], c: 305419896, d: -2.5, e: -7, f: long });
    });

    it("writes words and bits that our client then reads", async () => {
      (await theirs.write("D300,3", [9, -8, 7])).should.be.true();
      (await theirs.write("DDINT40", -123456789)).should.be.true();
      (await theirs.write("M5", true)).should.be.true();
      (await theirs.write("Y10,3", [true, false, true])).should.be.true();
      (await oursRead(["D300:int16[3]", "D40:int32", "M5", "Y10:bool[3]"])).should.eql([
        [9, -8, 7],
        -123456789,
        true,
        [true, false, true],
      ]);
      // Y10 is octal in both clients: points 8–10.
      sim.memory.readBits("Y", 8, 3).should.eql([true, false, true]);
      proxy.padded().should.equal(4);
    });

    it("reads the bits our client wrote", async () => {
      await oursWrite([
        ["M5", true],
        ["M1000:bool[4]", [false, true, true, false]],
        ["X17", true],
        ["S38", true],
      ]);
      (await theirs.read({ m: "M5", n: "M1000,4", x: "X17", s: "S38" })).should.eql({
        m: true,
        n: [false, true, true, false],
        x: true,
        s: true,
      });
    });
  });
}
