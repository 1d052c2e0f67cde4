import "should";
import fc from "fast-check";
import { bufferDevice } from "../../lib/mc/buffer-memory";
import {
  batchReadBits,
  batchReadWords,
  batchWriteWords,
  multiBlockRead,
  randomRead,
  randomWriteBits,
} from "../../lib/mc/commands";
import { deviceByName } from "../../lib/mc/devices";
import { decodeResponse } from "../../lib/mc/frame";
import { handleFrame } from "../../lib/simulator";
import { FORMATS, type Format, handlerContext, label, rawRequest, requestFor } from "./client";

/** Valid requests of several commands, as mutation seeds. */
function seeds(f: Format): Buffer[] {
  const D = { device: deviceByName("D")!, number: 10 };
  const M = { device: deviceByName("M")!, number: 3 };
  return [
    requestFor(f, batchWriteWords(f, D, [1, 2, 3])),
    requestFor(f, batchReadBits(f, M, 5)),
    requestFor(f, randomRead(f, [D], [D])),
    requestFor(f, randomWriteBits(f, [{ ref: M, value: true }])),
    requestFor(f, multiBlockRead(f, [{ ref: D, points: 2 }], [{ ref: M, points: 1 }])),
    rawRequest(f, 0x0619, 0, (w) => w.u16(4).raw(Buffer.from("12AB"))),
    rawRequest(f, 0x1001, 0, (w) => w.u16(1).u8(0).u8(0)),
    // Buffer memory (device extension, subcommand 0080/0082) and the STOP-only remote operations.
    requestFor(f, batchReadWords(f, { device: bufferDevice(1), number: 5 }, 3)),
    requestFor(f, batchWriteWords(f, { device: bufferDevice(0x3e0), number: 0 }, [1, 2])),
    rawRequest(f, 0x1005, 0, (w) => w.u16(1)),
    rawRequest(f, 0x1006, 0, (w) => w.u16(1)),
  ];
}

describe("simulator request handler under fuzzing", function () {
  for (const f of FORMATS) {
    it(`never throws and answers only well-formed responses, ${label(f)}`, function () {
      const failures: unknown[] = [];
      const ctx = handlerContext(f.series, failures, { cpuState: "stop" });
      const base = seeds(f);
      const mutated = fc
        .tuple(
          fc.constantFrom(...base),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
          fc.option(fc.nat(), { nil: undefined }),
        )
        .map(([seed, edits, cut]) => {
          const out = Buffer.from(seed);
          for (const [at, value] of edits) out[at % out.length] = value;
          return cut === undefined ? out : out.subarray(0, cut % (out.length + 1));
        });
      const anything = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
      fc.assert(
        fc.property(fc.oneof(mutated, anything), (frame) => {
          const out = handleFrame(ctx, f, frame);
          if (out) decodeResponse(f, out);
        }),
        { numRuns: 1500 },
      );
      failures.should.eql([]);
    });
  }
});
