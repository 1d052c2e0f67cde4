/**
 * Property tests for the 1E frame: whatever arrives, the client fails with a typed McError or succeeds
 * and never hangs past its time-out; the simulator's 1E handler never throws and answers only responses
 * a 1E client can frame.
 */
import "should";
import fc from "fast-check";
import { McClient } from "../../lib/mc/client";
import { type Command } from "../../lib/mc/commands";
import {
  batchReadBits1E,
  batchReadWords1E,
  batchWriteBits1E,
  batchWriteWords1E,
  loopback1E,
  readModel1E,
  remote1E,
  testWriteBits1E,
  testWriteWords1E,
} from "../../lib/mc/commands-1e";
import { deviceByName } from "../../lib/mc/devices";
import { McError } from "../../lib/mc/errors";
import {
  ResponseSplitter1E,
  decodeResponse1E,
  encodeRequest1E,
  requestLength1E,
  responseLength1E,
} from "../../lib/mc/frame-1e";
import { type HandlerContext } from "../../lib/simulator/handler";
import { handleFrame1E } from "../../lib/simulator/handler-1e";
import { DeviceMemory } from "../../lib/simulator/memory";
import { type Encoding, FieldReader, FieldWriter } from "../../lib/mc/wire";
import { startPeer1E, type Peer1E } from "../helpers/peer-1e";

const D = { device: deviceByName("D")!, number: 10 };
const M = { device: deviceByName("M")!, number: 3 };
const ENCODINGS: Encoding[] = ["binary", "ascii"];

function onlyMcErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof McError) || typeof err.code !== "string") {
      throw new Error(`expected an McError, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
    }
  }
}

/** Commands whose requests seed the handler fuzzing and whose decoders meet random responses. */
const COMMANDS: Command<unknown>[] = [
  batchReadWords1E(D, 3),
  batchReadBits1E(M, 5),
  batchWriteWords1E(D, [1, 2, 3]),
  batchWriteBits1E(M, [true, false, true]),
  testWriteWords1E([{ ref: D, value: 7 }]),
  testWriteBits1E([{ ref: M, value: true }]),
  readModel1E(),
  loopback1E("12AB"),
  remote1E("stop"),
];

function requestOf(encoding: Encoding, cmd: Command<unknown>): Buffer {
  const w = new FieldWriter({ encoding, series: "ql" });
  cmd.write(w);
  return encodeRequest1E(encoding, { command: cmd.command, pc: 0xff, timer: 10, data: w.toBuffer() });
}

function plausible(encoding: Encoding, max: number): fc.Arbitrary<Buffer> {
  if (encoding === "binary") return fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
  return fc
    .array(fc.constantFrom(..."0123456789ABCDEFabcdef8G \u0000"), { maxLength: max })
    .map((cs) => Buffer.from(cs.join(""), "latin1"));
}

const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 5 });

function mutate(seed: Buffer, changes: [number, number][], cut: number | undefined): Buffer {
  const out = Buffer.from(seed);
  for (const [at, value] of changes) if (out.length) out[at % out.length] = value;
  return cut === undefined ? out : out.subarray(0, cut % (out.length + 1));
}

for (const encoding of ENCODINGS) {
  describe(`fuzz 1E ${encoding}: decoding only ever fails with McError`, () => {
    it("the response splitter survives random chunks and keeps failing with the same error", () => {
      fc.assert(
        fc.property(
          fc.array(plausible(encoding, 24), { maxLength: 6 }),
          fc.constantFrom(...COMMANDS),
          (chunks, cmd) => {
            const s = new ResponseSplitter1E(encoding);
            s.expect({ command: cmd.command, dataBytes: cmd.responseBytes1E! });
            for (const c of chunks) onlyMcErrors(() => s.push(c));
            if (s.failure) onlyMcErrors(() => s.push(Buffer.alloc(1)));
          },
        ),
        { numRuns: 400 },
      );
    });

    it("response framing, decoding and every command decoder reject random bytes with McError", () => {
      fc.assert(
        fc.property(plausible(encoding, 40), (buf) => {
          onlyMcErrors(() => requestLength1E(encoding, buf));
          onlyMcErrors(() => decodeResponse1E(encoding, buf));
          for (const cmd of COMMANDS) {
            onlyMcErrors(() => responseLength1E(encoding, { command: cmd.command, dataBytes: 4 }, buf));
            onlyMcErrors(() => cmd.read(new FieldReader(buf, { encoding, series: "ql" })));
          }
        }),
        { numRuns: 400 },
      );
    });

    it("the simulator's handler never throws and answers only frameable responses", () => {
      const failures: unknown[] = [];
      const ctx: HandlerContext = {
        memory: new DeviceMemory(),
        series: "ql",
        zrHex: false,
        model: "",
        modelCode: 0xf3,
        onlineChangeDisabled: false,
        cpuState: "stop",
        onInternalError: (err) => failures.push(err),
      };
      const seeds = COMMANDS.map((c) => requestOf(encoding, c));
      const mutated = fc
        .tuple(fc.constantFrom(...seeds), edits, fc.option(fc.nat(), { nil: undefined }))
        .map(([seed, changes, cut]) => mutate(seed, changes, cut));
      fc.assert(
        fc.property(fc.oneof(mutated, plausible(encoding, 120)), (frame) => {
          const out = handleFrame1E(ctx, encoding, frame);
          if (!out) return;
          const res = decodeResponse1E(encoding, out);
          // The answer's length is what a client expecting this command computes (data only when 00).
          const k = encoding === "ascii" ? 2 : 1;
          if (res.endCode === 0) out.length.should.equal(2 * k + res.data.length);
          else out.length.should.equal((res.endCode === 0x5b ? 4 : 2) * k);
        }),
        { numRuns: 2000 },
      );
      failures.should.eql([]);
    });
  });
}

describe("fuzz 1E: a peer answering random bytes over a real socket", () => {
  const TIMEOUT_MS = 80;
  let peer: Peer1E | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  type Reply =
    | { kind: "random"; bytes: Buffer }
    | { kind: "mutated"; changes: [number, number][]; cut?: number }
    | { kind: "good" }
    | { kind: "silent" };

  for (const transport of ["tcp", "udp"] as const) {
    for (const encoding of ENCODINGS) {
      it(`settles every request within its time-out (${transport}, 1E ${encoding})`, async function () {
        this.timeout(60_000);
        const good =
          encoding === "ascii" ? Buffer.from("8100000100020003") : Buffer.from("8100010002000300", "hex");
        const reply: fc.Arbitrary<Reply> = fc.oneof(
          fc.record({ kind: fc.constant("random" as const), bytes: plausible(encoding, 24) }),
          fc.record({
            kind: fc.constant("mutated" as const),
            changes: edits,
            cut: fc.option(fc.nat(), { nil: undefined }),
          }),
          fc.record({ kind: fc.constant("good" as const) }),
          fc.record({ kind: fc.constant("silent" as const) }),
        );
        await fc.assert(
          fc.asyncProperty(fc.array(reply, { minLength: 1, maxLength: 6 }), async (replies) => {
            let n = 0;
            peer = await startPeer1E(transport, encoding, (_req, send) => {
              const r = replies[n++ % replies.length]!;
              if (r.kind === "random") send(r.bytes);
              else if (r.kind === "mutated") send(mutate(good, r.changes, r.cut));
              else if (r.kind === "good") send(good);
            });
            const client = new McClient({
              host: "127.0.0.1",
              port: peer.port,
              transport,
              frame: "1E",
              encoding,
              requestTimeoutMs: TIMEOUT_MS,
              connectTimeoutMs: 500,
            });
            try {
              const started = performance.now();
              const outcomes = await Promise.allSettled(
                replies.map(() => client.request(batchReadWords1E({ ...D, number: 0 }, 3))),
              );
              for (const o of outcomes) {
                if (o.status === "rejected") (o.reason as object).should.be.instanceOf(McError);
                else o.value.should.have.length(3);
              }
              performance.now().should.be.below(started + replies.length * (TIMEOUT_MS + 100) + 500);
            } finally {
              client.close();
              await peer.close();
              peer = undefined;
            }
          }),
          { numRuns: 12 },
        );
      });
    }
  }
});
