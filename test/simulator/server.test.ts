import "should";
import * as net from "node:net";
import { batchReadWords, batchWriteWords, readCpuModel } from "../../lib/mc/commands";
import { deviceByName } from "../../lib/mc/devices";
import { decodeResponse } from "../../lib/mc/frame";
import { PlcSimulator, type SimulatorOptions } from "../../lib/simulator";
import { type Format, TcpClient, label, readResult, requestFor, sleep, udpRequest } from "./client";

const D = (number: number) => ({ device: deviceByName("D")!, number });

describe("simulator server", function () {
  const sims: PlcSimulator[] = [];
  const clients: TcpClient[] = [];

  async function startSim(options: SimulatorOptions = {}): Promise<PlcSimulator> {
    const sim = new PlcSimulator(options);
    sims.push(sim);
    await sim.start();
    return sim;
  }

  async function connect(sim: PlcSimulator): Promise<TcpClient> {
    const c = await TcpClient.connect(sim.port, sim.format);
    clients.push(c);
    return c;
  }

  afterEach(async function () {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(sims.splice(0).map((s) => s.stop()));
  });

  describe("the manual's worked frames, byte for byte", function () {
    it("3E binary batch read D350 × 2", async function () {
      const sim = await startSim();
      sim.memory.writeWords("D", 350, [0x56ab, 0x170f]);
      const c = await connect(sim);
      c.send(Buffer.from("500000FFFF03000C000000010400005E0100A80200", "hex"));
      (await c.next()).toString("hex").toUpperCase().should.equal("D00000FFFF030006000000AB560F17");
    });

    it("the same read answered in ASCII and in binary (0x1234, 0x0002)", async function () {
      const ascii = await startSim({ encoding: "ascii" });
      ascii.memory.writeWords("D", 350, [0x1234, 0x0002]);
      const a = await connect(ascii);
      a.send(Buffer.from("500000FF03FF000018000004010000D*0003500002", "latin1"));
      (await a.next()).toString("latin1").should.equal("D00000FF03FF00000C000012340002");

      const bin = await startSim({ memory: ascii.memory });
      const b = await connect(bin);
      b.send(Buffer.from("500000FFFF03000C000000010400005E0100A80200", "hex"));
      (await b.next()).toString("hex").toUpperCase().should.equal("D00000FFFF03000600000034120200");
    });

    it("a request split into single bytes and two coalesced requests are both framed", async function () {
      const sim = await startSim();
      sim.memory.writeWords("D", 350, [0x56ab, 0x170f]);
      const c = await connect(sim);
      const req = Buffer.from("500000FFFF03000C000000010400005E0100A80200", "hex");
      for (const byte of req) {
        c.send(Buffer.from([byte]));
        await sleep(1);
      }
      (await c.next()).toString("hex").toUpperCase().should.equal("D00000FFFF030006000000AB560F17");
      c.send(Buffer.concat([req, req]));
      await c.next();
      await c.next();
      sim.stats.requests.should.equal(3);
    });
  });

  const formats: Format[] = [
    { frame: "3E", encoding: "binary", series: "ql" },
    { frame: "3E", encoding: "ascii", series: "iqr" },
    { frame: "4E", encoding: "binary", series: "iqr" },
    { frame: "4E", encoding: "ascii", series: "ql" },
  ];
  for (const f of formats) {
    for (const transport of ["tcp", "udp"] as const) {
      it(`serves ${label(f)} over ${transport}`, async function () {
        const sim = await startSim({ transport, frame: f.frame, encoding: f.encoding, series: f.series });
        sim.memory.writeWords("D", 7, [0xabcd, 0x0102]);
        const tcp = transport === "tcp" ? await connect(sim) : undefined;
        const ask = async (bytes: Buffer) =>
          tcp ? tcp.request(bytes) : decodeResponse(f, await udpRequest(sim.port, bytes));
        const cmd = batchReadWords(f, D(7), 2);
        const res = await ask(requestFor(f, cmd, 0x0777));
        res.endCode.should.equal(0);
        if (f.frame === "4E") res.serial.should.equal(0x0777);
        readResult(f, cmd, res).should.eql([0xabcd, 0x0102]);
        const model = readCpuModel();
        readResult(f, model, await ask(requestFor(f, model))).model.should.equal(
          f.series === "iqr" ? "R08CPU" : "Q03UDVCPU",
        );
        sim.stats.byCommand.should.eql({ "0401": 1, "0101": 1 });
      });
    }
  }

  describe("no response where a real PLC sends none", function () {
    const bin: Format = { frame: "3E", encoding: "binary", series: "ql" };
    const ascii: Format = { frame: "3E", encoding: "ascii", series: "ql" };

    it("ignores an ASCII frame on a binary port, then serves the next binary frame", async function () {
      const sim = await startSim();
      const c = await connect(sim);
      c.send(requestFor(ascii, batchReadWords(ascii, D(0), 1)));
      (await c.rawFor(100)).length.should.equal(0);
      const res = await c.request(requestFor(bin, batchReadWords(bin, D(0), 1)));
      res.endCode.should.equal(0);
      sim.stats.discardedBytes.should.be.above(0);
    });

    it("ignores a binary frame on an ASCII port", async function () {
      const sim = await startSim({ encoding: "ascii" });
      const c = await connect(sim);
      c.send(requestFor(bin, batchReadWords(bin, D(0), 1)));
      (await c.rawFor(100)).length.should.equal(0);
      c.closed.should.be.false();
    });

    it("ignores a mismatched UDP datagram and survives garbage", async function () {
      const sim = await startSim({ transport: "udp" });
      await udpRequest(sim.port, Buffer.from("garbage"), 100).should.be.rejectedWith("timeout");
      await udpRequest(
        sim.port,
        requestFor(ascii, batchReadWords(ascii, D(0), 1)),
        100,
      ).should.be.rejectedWith("timeout");
      decodeResponse(
        bin,
        await udpRequest(sim.port, requestFor(bin, batchReadWords(bin, D(0), 1))),
      ).endCode.should.equal(0);
    });
  });

  describe("connections", function () {
    it("maxClients = 1 refuses a second client and accepts again after the first leaves", async function () {
      const sim = await startSim({ maxClients: 1 });
      const first = await connect(sim);
      const second = await connect(sim).catch((err: Error) => err);
      if (second instanceof TcpClient) {
        // The connect callback may fire before the reset arrives; the reset must follow.
        await sleep(50);
        second.closed.should.be.true();
        const f: Format = { frame: "3E", encoding: "binary", series: "ql" };
        await second.request(requestFor(f, batchReadWords(f, D(0), 1)), 100).should.be.rejected();
      }
      sim.clientCount.should.equal(1);
      sim.stats.connectionsRefused.should.equal(1);
      await first.close();
      await sleep(20);
      sim.clientCount.should.equal(0);
      const third = await connect(sim);
      third.closed.should.be.false();
      sim.stats.connectionsAccepted.should.equal(2);
    });

    it("dropConnections closes every client; refuseConnections resets new ones", async function () {
      const sim = await startSim();
      const a = await connect(sim);
      const b = await connect(sim);
      sim.clientCount.should.equal(2);
      sim.dropConnections();
      sim.clientCount.should.equal(0);
      await sleep(30);
      a.closed.should.be.true();
      b.closed.should.be.true();
      sim.refuseConnections(true);
      const c = await connect(sim).catch(() => undefined);
      await sleep(30);
      if (c) c.closed.should.be.true();
      sim.clientCount.should.equal(0);
      sim.refuseConnections(false);
      (await connect(sim)).closed.should.be.false();
    });

    it("stop() closes the server and every client, leaving no handles", async function () {
      const sim = new PlcSimulator({ latencyMs: 1000 });
      const port = await sim.start();
      port.should.equal(sim.port).and.be.above(0);
      const c = await TcpClient.connect(port, sim.format);
      sim.addGenerator({ address: "D0", kind: "counter", periodMs: 5 });
      const f: Format = { frame: "3E", encoding: "binary", series: "ql" };
      c.send(requestFor(f, batchReadWords(f, D(0), 1)));
      await sleep(20);
      await sim.stop();
      sim.clientCount.should.equal(0);
      sim.listening.should.be.false();
      await sleep(20);
      c.closed.should.be.true();
      const refused = await new Promise<string>((resolve) => {
        const s = net.connect({ host: "127.0.0.1", port }, () => resolve("connected"));
        s.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
      });
      refused.should.equal("ECONNREFUSED");
      const value = sim.memory.readWords("D", 0, 1)[0]!;
      await sleep(30);
      sim.memory.readWords("D", 0, 1)[0]!.should.equal(value);
    });

    it("can be stopped twice and restarted", async function () {
      const sim = await startSim();
      await sim.stop();
      await sim.stop();
      (await sim.start()).should.be.above(0);
    });
  });

  describe("test controls", function () {
    const f: Format = { frame: "3E", encoding: "binary", series: "ql" };
    const read = (): Buffer => requestFor(f, batchReadWords(f, D(0), 1));

    it("stall: requests are counted but never answered", async function () {
      const sim = await startSim();
      const c = await connect(sim);
      sim.stall(true);
      await c.request(read(), 100).should.be.rejectedWith("timeout");
      sim.stats.requests.should.equal(1);
      sim.stats.responses.should.equal(0);
      sim.stall(false);
      (await c.request(read())).endCode.should.equal(0);
    });

    it("sendGarbage: the next response cannot be framed", async function () {
      const sim = await startSim();
      const c = await connect(sim);
      sim.sendGarbage(1);
      c.send(read());
      const raw = await c.rawFor(100);
      raw.length.should.be.above(0);
      raw[0]!.should.not.equal(0xd0);
      c.garbage.should.equal(raw.length);
      (await c.request(read())).endCode.should.equal(0);
    });

    it("failNext: the next n requests get the chosen end code, then normal service", async function () {
      const sim = await startSim();
      sim.memory.writeWords("D", 0, [5]);
      const c = await connect(sim);
      sim.failNext(0x4031, 2);
      (await c.request(read())).endCode.should.equal(0x4031);
      (await c.request(read())).endCode.should.equal(0x4031);
      (await c.request(read())).endCode.should.equal(0);
      sim.failWhen((req) => (req.command === 0x1401 ? 0xc05b : undefined));
      (await c.request(requestFor(f, batchWriteWords(f, D(0), [9])))).endCode.should.equal(0xc05b);
      (await c.request(read())).endCode.should.equal(0);
      sim.memory.readWords("D", 0, 1).should.eql([5]);
    });

    it("latency: answers take at least latencyMs, in request order for 3E", async function () {
      const sim = await startSim({ latencyMs: 30, jitterMs: 10 });
      const c = await connect(sim);
      const t0 = Date.now();
      const reqs = [0, 1, 2].map((i) => requestFor(f, batchReadWords(f, D(i), 1), i));
      sim.memory.writeWords("D", 0, [10, 11, 12]);
      for (const r of reqs) c.send(r);
      const answers = [await c.next(), await c.next(), await c.next()].map((b) => decodeResponse(f, b));
      (Date.now() - t0).should.be.aboveOrEqual(85);
      answers.map((a) => readResult(f, batchReadWords(f, D(0), 1), a)[0]).should.eql([10, 11, 12]);
    });

    it("4E processes concurrently and echoes each serial", async function () {
      const g: Format = { frame: "4E", encoding: "binary", series: "ql" };
      const sim = await startSim({ frame: "4E", latencyMs: 300 });
      const c = await connect(sim);
      const t0 = Date.now();
      for (const serial of [1, 2, 3]) c.send(requestFor(g, batchReadWords(g, D(0), 1), serial));
      const serials = [await c.next(), await c.next(), await c.next()].map(
        (b) => decodeResponse(g, b).serial,
      );
      // One after the other they would take 900 ms.
      (Date.now() - t0).should.be.below(600);
      serials.sort().should.eql([1, 2, 3]);
    });

    it("CPU model: a connection's pipelined 4E requests are served one per scan, connections in the same END", async function () {
      const g: Format = { frame: "4E", encoding: "binary", series: "ql" };
      const sim = await startSim({ frame: "4E", latencyMs: 2, scanMs: 25 });
      const [c1, c2] = [await connect(sim), await connect(sim)];
      const at = (c: TcpClient) => c.next().then(() => performance.now());
      const t0 = performance.now();
      for (const serial of [1, 2, 3, 4]) c1.send(requestFor(g, batchReadWords(g, D(0), 1), serial));
      c2.send(requestFor(g, batchReadWords(g, D(0), 1), 9));
      const last = [await at(c1), await at(c1), await at(c1), await at(c1)][3]!;
      await at(c2);
      // Four requests on one connection need four ENDs, the first one after they arrived: a lower
      // bound only, so a loaded machine cannot make this fail.
      (last - t0).should.be.aboveOrEqual(3 * 25);
      sim.stats.responses.should.equal(5);
    });

    it("pause holds responses until resume", async function () {
      const sim = await startSim();
      const c = await connect(sim);
      sim.pause();
      c.send(read());
      c.send(read());
      (await c.rawFor(80)).length.should.equal(0);
      sim.resume();
      (await c.next()).length.should.be.above(0);
      (await c.next()).length.should.be.above(0);
      sim.stats.responses.should.equal(2);
    });

    it("onlineChangeDisabled refuses writes in RUN with 0055", async function () {
      const sim = await startSim({ onlineChangeDisabled: true });
      const c = await connect(sim);
      (await c.request(requestFor(f, batchWriteWords(f, D(0), [1])))).endCode.should.equal(0x0055);
      sim.cpuState = "stop";
      (await c.request(requestFor(f, batchWriteWords(f, D(0), [1])))).endCode.should.equal(0);
    });

    it("generators change memory while running", async function () {
      const sim = await startSim();
      sim.addGenerator({ address: "D10", kind: "counter", periodMs: 5 });
      sim.addGenerator({ address: "D11", kind: "sine", periodMs: 5, amplitude: 100, cycleMs: 400 });
      const stopToggle = sim.addGenerator({ address: "M3", kind: "toggle", periodMs: 5 });
      await sleep(60);
      (sim.memory.get("D10") as number).should.be.above(2);
      sim.memory.get("D11").should.not.equal(0);
      stopToggle();
      const m3 = sim.memory.get("M3");
      await sleep(20);
      sim.memory.get("M3").should.equal(m3);
    });
  });

  it("two ports can share one memory", async function () {
    const a = await startSim();
    const b = await startSim({ memory: a.memory, encoding: "ascii", frame: "4E" });
    a.memory.should.equal(b.memory);
    const f: Format = { frame: "3E", encoding: "binary", series: "ql" };
    const g: Format = { frame: "4E", encoding: "ascii", series: "ql" };
    await (await connect(a)).request(requestFor(f, batchWriteWords(f, D(1), [321])));
    const res = await (await connect(b)).request(requestFor(g, batchReadWords(g, D(1), 1)));
    readResult(g, batchReadWords(g, D(1), 1), res).should.eql([321]);
  });
});
