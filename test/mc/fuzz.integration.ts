/**
 * Property tests for the client's decoding: whatever a PLC (or anything else on the port) sends, the
 * client fails with a typed McError or succeeds; it never throws a RangeError/TypeError and never leaves
 * a request hanging past its time-out.
 */
import "should";
import fc from "fast-check";
import * as commands from "../../lib/mc/commands";
import { McClient } from "../../lib/mc/client";
import { deviceByName, type Series } from "../../lib/mc/devices";
import { McError } from "../../lib/mc/errors";
import {
  type FrameFormat,
  FrameSplitter,
  LOCAL_ROUTE,
  decodeResponse,
  encodeResponse,
} from "../../lib/mc/frame";
import { FieldReader, FieldWriter, type WireFormat } from "../../lib/mc/wire";
import { type PeerRequest, type ScriptedPeer, startTcpPeer, startUdpPeer } from "../helpers/scripted-peer";

const FORMATS: (FrameFormat & WireFormat)[] = (["3E", "4E"] as const).flatMap((frame) =>
  (["binary", "ascii"] as const).flatMap((encoding) =>
    (["ql", "iqr"] as Series[]).map((series) => ({ frame, encoding, series })),
  ),
);

const D = deviceByName("D")!;
const M = deviceByName("M")!;

/** Runs `fn`; anything thrown must be an McError with a code. */
function onlyMcErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof McError) || typeof err.code !== "string") {
      throw new Error(`expected an McError, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
    }
  }
}

const bytes = (max = 64) => fc.uint8Array({ minLength: 0, maxLength: max }).map((a) => Buffer.from(a));

/** Bytes that look like the format (hex text in ASCII) more often than uniform noise would. */
function plausibleBytes(fmt: FrameFormat, max = 64): fc.Arbitrary<Buffer> {
  if (fmt.encoding === "binary") return bytes(max);
  return fc
    .array(fc.constantFrom(..."0123456789ABCDEFD*M \u0000"), { maxLength: max })
    .map((cs) => Buffer.from(cs.join(""), "latin1"));
}

/** A well-formed response: header, end code and a data field of random words. */
function validResponse(fmt: FrameFormat & WireFormat): fc.Arbitrary<Buffer> {
  return fc
    .record({
      serial: fc.integer({ min: 0, max: 0xffff }),
      endCode: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })),
      words: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }),
    })
    .map(({ serial, endCode, words }) =>
      encodeResponse(fmt, {
        serial,
        route: LOCAL_ROUTE,
        endCode,
        data: Buffer.from(new FieldWriter(fmt).words(words).toBuffer()),
      }),
    );
}

type Mutation =
  | { kind: "flip"; at: number; value: number }
  | { kind: "cut"; at: number }
  | { kind: "append"; extra: Buffer };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("append" as const), extra: bytes(16) }),
);

function mutate(frame: Buffer, ms: Mutation[]): Buffer {
  let out = Buffer.from(frame);
  for (const m of ms) {
    if (m.kind === "flip" && out.length > 0) out[m.at % out.length] = m.value;
    else if (m.kind === "cut") out = out.subarray(0, m.at % (out.length + 1));
    else if (m.kind === "append") out = Buffer.concat([out, m.extra]);
  }
  return out;
}

/** Every decoder a response's data field goes through, applied to the same bytes. */
const DECODERS: ((fmt: WireFormat) => commands.Command<unknown>)[] = [
  (f) => commands.batchReadWords(f, { device: D, number: 0 }, 3),
  (f) => commands.batchReadBits(f, { device: M, number: 0 }, 5),
  (f) => commands.randomRead(f, [{ device: D, number: 0 }], [{ device: D, number: 2 }]),
  (f) =>
    commands.multiBlockRead(
      f,
      [{ ref: { device: D, number: 0 }, points: 2 }],
      [{ ref: { device: M, number: 0 }, points: 1 }],
    ),
  () => commands.readCpuModel(),
  () => commands.loopback("0123"),
];

type ReaderOp =
  { op: "words" | "bits" | "raw"; n: number } | { op: "u8" | "u16" | "u32" | "device" | "rest" };

const readerOps: fc.Arbitrary<ReaderOp[]> = fc.array(
  fc.oneof(
    fc.record({
      op: fc.constantFrom("words" as const, "bits" as const, "raw" as const),
      n: fc.integer({ min: 0, max: 40 }),
    }),
    fc.record({
      op: fc.constantFrom("u8" as const, "u16" as const, "u32" as const, "device" as const, "rest" as const),
    }),
  ),
  { maxLength: 8 },
);

function runOps(r: FieldReader, ops: ReaderOp[]): void {
  for (const o of ops) {
    if (o.op === "words" || o.op === "bits" || o.op === "raw") r[o.op](o.n);
    else r[o.op]();
  }
}

describe("fuzz: client-side decoding only ever fails with McError", () => {
  for (const fmt of FORMATS) {
    describe(`${fmt.frame} ${fmt.encoding} ${fmt.series}`, () => {
      it("FrameSplitter survives random chunks, then keeps failing with the same McError", () => {
        fc.assert(
          fc.property(fc.array(plausibleBytes(fmt, 48), { maxLength: 6 }), (chunks) => {
            const splitter = new FrameSplitter(fmt, "response");
            for (const c of chunks) onlyMcErrors(() => splitter.push(c));
            if (splitter.failure) onlyMcErrors(() => splitter.push(Buffer.alloc(1)));
          }),
          { numRuns: 300 },
        );
      });

      it("decodeResponse and every command decoder reject random bytes with McError", () => {
        fc.assert(
          fc.property(plausibleBytes(fmt, 80), (buf) => {
            onlyMcErrors(() => decodeResponse(fmt, buf));
            for (const d of DECODERS) onlyMcErrors(() => d(fmt).read(new FieldReader(buf, fmt)));
          }),
          { numRuns: 300 },
        );
      });

      it("FieldReader reads words, bits, u32 and devices from random bytes without a RangeError", () => {
        fc.assert(
          fc.property(plausibleBytes(fmt, 40), readerOps, (buf, ops) => {
            onlyMcErrors(() => runOps(new FieldReader(buf, fmt), ops));
          }),
          { numRuns: 300 },
        );
      });

      it("mutated valid response frames split, decode and parse with McError or success", () => {
        fc.assert(
          fc.property(
            validResponse(fmt),
            fc.array(mutation, { minLength: 1, maxLength: 3 }),
            fc.integer({ min: 1, max: 64 }),
            (frame, ms, chunkSize) => {
              const bad = mutate(frame, ms);
              const splitter = new FrameSplitter(fmt, "response");
              const frames: Buffer[] = [];
              for (let i = 0; i < bad.length; i += chunkSize) {
                onlyMcErrors(() => frames.push(...splitter.push(bad.subarray(i, i + chunkSize))));
              }
              for (const f of [bad, ...frames]) {
                onlyMcErrors(() => {
                  const res = decodeResponse(fmt, f);
                  for (const d of DECODERS) onlyMcErrors(() => d(fmt).read(new FieldReader(res.data, fmt)));
                });
              }
            },
          ),
          { numRuns: 300 },
        );
      });
    });
  }
});

describe("fuzz: a peer answering random bytes over a real socket", () => {
  const TIMEOUT_MS = 80;
  let peer: ScriptedPeer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  /** What the peer does with each request: random bytes, a damaged answer, a good one, or nothing. */
  type Reply =
    | { kind: "random"; bytes: Buffer }
    | { kind: "mutated"; ms: Mutation[] }
    | { kind: "good" }
    | { kind: "silent" };
  const reply: fc.Arbitrary<Reply> = fc.oneof(
    fc.record({ kind: fc.constant("random" as const), bytes: bytes(40) }),
    fc.record({
      kind: fc.constant("mutated" as const),
      ms: fc.array(mutation, { minLength: 1, maxLength: 2 }),
    }),
    fc.record({ kind: fc.constant("good" as const) }),
    fc.record({ kind: fc.constant("silent" as const) }),
  );

  function answer(req: PeerRequest, r: Reply, fmt: WireFormat): void {
    const good = req.answer(Buffer.from(new FieldWriter(fmt).words([1, 2, 3]).toBuffer()));
    if (r.kind === "random") req.send(r.bytes);
    else if (r.kind === "mutated") req.send(mutate(good, r.ms));
    else if (r.kind === "good") req.send(good);
  }

  for (const transport of ["tcp", "udp"] as const) {
    for (const fmt of FORMATS.filter((f) => f.series === "ql")) {
      it(`settles every request within its time-out (${transport}, ${fmt.frame} ${fmt.encoding})`, async function () {
        this.timeout(60_000);
        await fc.assert(
          fc.asyncProperty(fc.array(reply, { minLength: 1, maxLength: 8 }), async (replies) => {
            let n = 0;
            const start = transport === "tcp" ? startTcpPeer : startUdpPeer;
            peer = await start(fmt, (req) => answer(req, replies[n++ % replies.length]!, fmt));
            const client = new McClient({
              host: "127.0.0.1",
              port: peer.port,
              transport,
              frame: fmt.frame,
              encoding: fmt.encoding,
              requestTimeoutMs: TIMEOUT_MS,
              connectTimeoutMs: 500,
            });
            try {
              const started = performance.now();
              const outcomes = await Promise.allSettled(
                replies.map(() => client.request(commands.batchReadWords(fmt, { device: D, number: 0 }, 3))),
              );
              for (const o of outcomes) {
                // A damaged byte inside the data still frames and decodes: the values are then whatever it says.
                if (o.status === "rejected") (o.reason as object).should.be.instanceOf(McError);
                else o.value.should.have.length(3);
              }
              // Serialised 3E requests may each wait a full time-out, plus reconnects after garbage.
              performance.now().should.be.below(started + replies.length * (TIMEOUT_MS + 100) + 500);
            } finally {
              client.close();
              await peer.close();
              peer = undefined;
            }
          }),
          { numRuns: 15 },
        );
      });
    }
  }
});
