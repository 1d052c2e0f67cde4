import "should";
import should from "should";
import * as dgram from "node:dgram";
import * as net from "node:net";
import { batchReadWords } from "../../lib/mc/commands";
import { McClient } from "../../lib/mc/client";
import { deviceByName } from "../../lib/mc/devices";
import { McEndCodeError, type McError } from "../../lib/mc/errors";
import { FieldWriter } from "../../lib/mc/wire";
import { type ScriptedPeer, delay, startTcpPeer, startUdpPeer, until } from "../helpers/scripted-peer";

const D = deviceByName("D")!;
const fmt3e = { frame: "3E", encoding: "binary" } as const;
const fmt4e = { frame: "4E", encoding: "binary" } as const;
const words = (...w: number[]): Buffer =>
  new FieldWriter({ encoding: "binary", series: "ql" }).words(w).toBuffer();

async function rejection(p: Promise<unknown>): Promise<McError> {
  try {
    await p;
  } catch (err) {
    return err as McError;
  }
  throw new Error("expected the request to fail");
}

describe("McClient transport behaviour (scripted peer on real sockets)", () => {
  let peer: ScriptedPeer | undefined;
  let client: McClient | undefined;
  afterEach(async () => {
    client?.close();
    await peer?.close();
    peer = client = undefined;
  });

  const read1 = (c: McClient, n = 100) => c.request(batchReadWords(c.format, { device: D, number: n }, 1));

  it("reassembles an answer that arrives one byte at a time", async () => {
    peer = await startTcpPeer(fmt3e, async (req) => {
      for (const b of req.answer(words(0xbeef))) {
        req.send(Buffer.from([b]));
        await delay(1);
      }
    });
    client = new McClient({ host: "127.0.0.1", port: peer.port });
    (await read1(client)).should.eql([0xbeef]);
  });

  it("matches coalesced 4E answers to their requests by serial, whatever their order", async () => {
    const held: Buffer[] = [];
    peer = await startTcpPeer(fmt4e, (req) => {
      const n = req.frame.data.readUIntLE(0, 3);
      held.push(req.answer(words(n)));
      if (held.length === 3) req.send(Buffer.concat(held.reverse()));
    });
    client = new McClient({ host: "127.0.0.1", port: peer.port, frame: "4E", maxInFlight: 3 });
    const results = await Promise.all([read1(client, 1), read1(client, 2), read1(client, 3)]);
    results.should.eql([[1], [2], [3]]);
  });

  it("leaves no timer holding the process once the last answer is in (the time-out timer is unref'd)", async () => {
    let release: (() => void) | undefined;
    peer = await startTcpPeer(fmt3e, (req) => {
      release = () => req.send(req.answer(words(7)));
    });
    client = new McClient({ host: "127.0.0.1", port: peer.port, requestTimeoutMs: 60_000 });
    await client.connect();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const idle = timers();
    for (let round = 0; round < 2; round++) {
      const answer = read1(client);
      await until(() => release !== undefined);
      release!();
      release = undefined;
      (await answer).should.eql([7]);
      timers().should.equal(idle, "nothing in flight");
    }
  });

  it("keeps one request in flight on 3E, first come first served", async () => {
    let outstanding = 0;
    let maxOutstanding = 0;
    peer = await startTcpPeer(fmt3e, async (req) => {
      outstanding++;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      await delay(2);
      outstanding--;
      req.send(req.answer(words(req.frame.data.readUIntLE(0, 3))));
    });
    client = new McClient({ host: "127.0.0.1", port: peer.port });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => read1(client!, n)));
    results.should.eql([[1], [2], [3], [4], [5]]);
    maxOutstanding.should.equal(1);
  });

  it("serves waiting requests round-robin by owner, so a big group cannot starve a small one", async () => {
    const seen: number[] = [];
    peer = await startTcpPeer(fmt3e, (req) => {
      seen.push(req.frame.data.readUIntLE(0, 3));
      req.send(req.answer(words(0)));
    });
    client = new McClient({ host: "127.0.0.1", port: peer.port });
    const read = (n: number, owner: string) =>
      client!.request(batchReadWords(client!.format, { device: D, number: n }, 1), owner);
    await Promise.all([
      read(1, "big"),
      read(2, "big"),
      read(3, "big"),
      read(4, "big"),
      read(100, "small"),
      read(101, "small"),
    ]);
    seen.should.eql([1, 100, 2, 101, 3, 4]);
  });

  it("times out a request the PLC never answers, and on 3E starts a fresh connection", async () => {
    let answer = false;
    peer = await startTcpPeer(fmt3e, (req) => {
      if (answer) req.send(req.answer(words(7)));
    });
    client = new McClient({ host: "127.0.0.1", port: peer.port, requestTimeoutMs: 100 });
    const err = await rejection(read1(client));
    err.code.should.equal("MC_TIMEOUT");
    err.message.should.match(/PLC 127\.0\.0\.1:\d+: batch read \(words\) timed out after 100 ms/);
    await until(() => peer!.open === 0, 1000, "the timed-out connection to close");
    answer = true;
    (await read1(client)).should.eql([7]);
    peer.connections.should.equal(2);
  });

  it("on 4E, times out each unanswered request on its own and still delivers the answered ones", async () => {
    peer = await startTcpPeer(fmt4e, (req) => {
      const n = req.frame.data.readUIntLE(0, 3);
      if (n === 2) req.send(req.answer(words(n)));
    });
    client = new McClient({
      host: "127.0.0.1",
      port: peer.port,
      frame: "4E",
      maxInFlight: 4,
      requestTimeoutMs: 500,
    });
    // One command object sent twice at once: each copy of its frame carries its own serial.
    const same = batchReadWords(client.format, { device: D, number: 2 }, 1);
    const outcomes = await Promise.allSettled([
      read1(client, 1),
      client.request(same),
      client.request(same),
      read1(client, 3),
    ]);
    outcomes
      .map((o) => (o.status === "fulfilled" ? o.value : (o.reason as McError).code))
      .should.eql(["MC_TIMEOUT", [2], [2], "MC_TIMEOUT"]);
    (await client.request(same)).should.eql([2]);
    peer.connections.should.equal(1);
  });

  it("gives a request sent while an older one waits its whole time-out, not what is left of the older one's", async () => {
    peer = await startTcpPeer(fmt4e, () => undefined);
    client = new McClient({
      host: "127.0.0.1",
      port: peer.port,
      frame: "4E",
      maxInFlight: 2,
      requestTimeoutMs: 200,
    });
    const first = rejection(read1(client, 1));
    await delay(100);
    const sentAt = performance.now();
    const second = await rejection(read1(client, 2));
    const waited = performance.now() - sentAt;
    (await first).code.should.equal("MC_TIMEOUT");
    second.code.should.equal("MC_TIMEOUT");
    // A lower bound only: a busy machine can make it later, never earlier (timers tick in whole ms).
    waited.should.be.aboveOrEqual(198);
  });

  it("fails the waiting request when the PLC closes the connection mid-request", async () => {
    peer = await startTcpPeer(fmt3e, (req) => req.closeConnection());
    client = new McClient({ host: "127.0.0.1", port: peer.port });
    const err = await rejection(read1(client));
    err.code.should.equal("MC_CONNECTION_LOST");
  });

  it("reports a refused connection as such", async () => {
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, "127.0.0.1", r));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    client = new McClient({ host: "127.0.0.1", port, name: "line1" });
    const err = await rejection(read1(client));
    err.code.should.equal("MC_CONNECTION_REFUSED");
    err.message.should.match(/PLC line1 .*connection refused \(port busy or PLC down\)/);
  });

  it("over UDP, reports a port nobody serves as refused, in words (not `recvmsg ECONNREFUSED`)", async () => {
    const free = dgram.createSocket("udp4");
    await new Promise<void>((r) => free.bind(0, "127.0.0.1", r));
    const port = free.address().port;
    await new Promise<void>((r) => free.close(() => r()));
    client = new McClient({
      host: "127.0.0.1",
      port,
      name: "line1",
      transport: "udp",
      requestTimeoutMs: 2000,
    });
    const err = await rejection(read1(client));
    err.code.should.equal("MC_CONNECTION_REFUSED");
    err.message.should.match(/PLC line1 .*nothing answers on UDP port \d+ \(PLC down, wrong port/);
    err.message.should.not.match(/recvmsg/);
  });

  it("turns a garbage answer into a protocol error, resets, and recovers on the next request", async () => {
    let garbage = true;
    peer = await startTcpPeer(fmt3e, (req) => {
      req.send(garbage ? Buffer.from("\x00\xffgarbage!garbage!") : req.answer(words(9)));
      garbage = false;
    });
    client = new McClient({ host: "127.0.0.1", port: peer.port });
    (await rejection(read1(client))).code.should.equal("MC_PROTOCOL");
    (await read1(client)).should.eql([9]);
  });

  it("turns a well-framed answer with the wrong amount of data into a protocol error", async () => {
    peer = await startTcpPeer(fmt3e, (req) => req.send(req.answer(words(1, 2, 3))));
    client = new McClient({ host: "127.0.0.1", port: peer.port });
    const err = await rejection(read1(client));
    err.code.should.equal("MC_PROTOCOL");
    err.message.should.match(/trailing/);
  });

  it("raises a PLC end code with its meaning", async () => {
    peer = await startTcpPeer(fmt3e, (req) => req.send(req.answer(Buffer.alloc(9), 0xc056)));
    client = new McClient({ host: "127.0.0.1", port: peer.port });
    const err = await rejection(read1(client));
    err.should.be.instanceOf(McEndCodeError);
    (err as McEndCodeError).endCode.should.equal(0xc056);
    err.message.should.match(/end code C056: request exceeds the maximum address/);
  });

  it("aborts in-flight and queued requests with MC_CLOSED on close", async () => {
    peer = await startTcpPeer(fmt3e, () => undefined);
    client = new McClient({ host: "127.0.0.1", port: peer.port });
    const a = rejection(read1(client));
    const b = rejection(read1(client));
    await until(() => peer!.requests.length === 1);
    client.close();
    (await a).code.should.equal("MC_CLOSED");
    (await b).code.should.equal("MC_CLOSED");
    await until(() => peer!.open === 0, 1000, "the socket to close");
    (await rejection(read1(client))).code.should.equal("MC_CLOSED");
  });

  it("submit hears by callback, once each, what request would: the value, an end code, MC_CLOSED", async () => {
    peer = await startTcpPeer(fmt3e, (req) =>
      req.send(
        req.frame.data.readUIntLE(0, 3) === 1 ? req.answer(Buffer.alloc(9), 0xc056) : req.answer(words(7)),
      ),
    );
    client = new McClient({ host: "127.0.0.1", port: peer.port });
    const c = client;
    const heard: [string, string | undefined, unknown][] = [];
    const reply = (context: string, err: McError | undefined, value: unknown) =>
      heard.push([context, err?.code, value]);
    c.submit(batchReadWords(c.format, { device: D, number: 100 }, 1), "g", reply, "first");
    c.submit(batchReadWords(c.format, { device: D, number: 1 }, 1), "g", reply, "second");
    await until(() => heard.length === 2);
    heard.should.eql([
      ["first", undefined, [7]],
      ["second", "MC_END_CODE", undefined],
    ]);
    c.close();
    c.submit(batchReadWords(c.format, { device: D, number: 100 }, 1), "g", reply, "closed");
    heard[2]!.should.eql(["closed", "MC_CLOSED", undefined], "told before submit returns");
    await delay(20);
    heard.should.have.length(3);
  });

  it("submit: a 3E time-out is told once, and the next request goes out on a fresh connection", async () => {
    let answer = false;
    peer = await startTcpPeer(fmt3e, (req) => {
      if (answer) req.send(req.answer(words(7)));
    });
    client = new McClient({ host: "127.0.0.1", port: peer.port, requestTimeoutMs: 100 });
    const c = client;
    const heard: [string | undefined, unknown][] = [];
    const reply = (_: null, err: McError | undefined, value: unknown) => heard.push([err?.code, value]);
    c.submit(batchReadWords(c.format, { device: D, number: 100 }, 1), "g", reply, null);
    await until(() => heard.length === 1);
    heard[0]!.should.eql(["MC_TIMEOUT", undefined]);
    await until(() => peer!.open === 0, 1000, "the timed-out connection to close");
    answer = true;
    c.submit(batchReadWords(c.format, { device: D, number: 100 }, 1), "g", reply, null);
    await until(() => heard.length === 2);
    heard[1]!.should.eql([undefined, [7]]);
    await delay(150); // past a second time-out: nothing more is told
    heard.should.have.length(2);
    peer.connections.should.equal(2);
  });

  it("over UDP, a lost datagram is a time-out and the next request still works", async () => {
    let drop = true;
    peer = await startUdpPeer(fmt4e, (req) => {
      if (!drop) req.send(req.answer(words(5)));
      drop = false;
    });
    client = new McClient({
      host: "127.0.0.1",
      port: peer.port,
      transport: "udp",
      frame: "4E",
      requestTimeoutMs: 100,
    });
    (await rejection(read1(client))).code.should.equal("MC_TIMEOUT");
    (await read1(client)).should.eql([5]);
  });

  it("over UDP, ignores a garbage datagram and still takes the good answer", async () => {
    peer = await startUdpPeer(fmt3e, (req) => {
      req.send(Buffer.from("noise"));
      req.send(req.answer(words(6)));
    });
    client = new McClient({ host: "127.0.0.1", port: peer.port, transport: "udp" });
    (await read1(client)).should.eql([6]);
    should(client.pendingCount).equal(0);
  });
});
