/**
 * A PLC-triggered handshake group's settings: the options a caller gives, the same with every default
 * filled in, and the checks that refuse, at deploy, a configuration that could only fail at runtime.
 */
import { type Clock, systemClock } from "../core/clock";
import { type Tag } from "../mc/tags";
import { integerRange } from "../mc/values";
import { type WireFormat } from "../mc/wire";
import { HandshakeError } from "./handshake-error";
import { type PayloadFormat } from "./output";
import { type RequestSender } from "./poller";
import { type ReadCoalescer } from "./read-coalescer";
import { type TagTable } from "./tag-table";

export const MIN_WATCH_MS = 10;
export const DEFAULT_WATCH_MS = 100;

export interface PlcHandshakeOptions {
  readonly name: string;
  readonly plc: RequestSender;
  readonly format: WireFormat;
  readonly table: TagTable;
  readonly payloadFormat?: PayloadFormat;
  /** REQ: a bit (bit device or word bit) or an integer word; high = true / ≠ 0. */
  readonly req: Tag;
  /** ACK: a bit device point (set on OK, and on NG when `result` exists) or an integer word (OK/NG code). */
  readonly ack: Tag;
  /** Optional result word for a bit ACK: OK/NG code written before the ACK bit. */
  readonly result?: Tag;
  /** Optional sequence/counter word read with the data. */
  readonly sequence?: Tag;
  /** Default 1. */
  readonly okValue?: number;
  /** Default 2. */
  readonly ngValue?: number;
  /** Default 100, minimum 10. */
  readonly watchMs?: number;
  /** Bound on the data read and each ACK write (default 5000). */
  readonly stepTimeoutMs?: number;
  /** How long the PLC may take to clear REQ after ACK (default 10 000). */
  readonly reqClearTimeoutMs?: number;
  readonly ackAfterDownstream?: boolean;
  /** With ackAfterDownstream: how long to wait for accept()/reject() before NG (default 10 000). */
  readonly downstreamTimeoutMs?: number;
  /** REQ already high when the group starts or reconnects: "ignore" until it falls (default) or "handle". */
  readonly reqHighAtStart?: "ignore" | "handle";
  /**
   * Shared by the groups of one PLC: REQ watches then tick on a common grid and go out in one request.
   * Without it each group reads its REQ alone, on its own schedule.
   */
  readonly watchReader?: ReadCoalescer;
  readonly clock?: Clock;
  readonly wallClock?: () => number;
}

/**
 * The options with their defaults applied. The tag table is kept apart (it can be replaced while the
 * group runs); the result and sequence words and the shared watch reader stay optional.
 */
export type ResolvedHandshakeOptions = Required<
  Omit<PlcHandshakeOptions, "table" | "result" | "sequence" | "watchReader">
> &
  Pick<PlcHandshakeOptions, "result" | "sequence" | "watchReader">;

/** Applies the defaults and checks the result; throws a HandshakeError ("HANDSHAKE_CONFIG") listing every problem. */
export function resolveHandshakeOptions(options: PlcHandshakeOptions): ResolvedHandshakeOptions {
  const resolved: ResolvedHandshakeOptions = {
    name: options.name,
    plc: options.plc,
    format: options.format,
    payloadFormat: options.payloadFormat ?? "object",
    req: options.req,
    ack: options.ack,
    result: options.result,
    sequence: options.sequence,
    okValue: options.okValue ?? 1,
    ngValue: options.ngValue ?? 2,
    watchMs: options.watchMs ?? DEFAULT_WATCH_MS,
    stepTimeoutMs: options.stepTimeoutMs ?? 5000,
    reqClearTimeoutMs: options.reqClearTimeoutMs ?? 10_000,
    ackAfterDownstream: options.ackAfterDownstream ?? false,
    downstreamTimeoutMs: options.downstreamTimeoutMs ?? 10_000,
    reqHighAtStart: options.reqHighAtStart ?? "ignore",
    watchReader: options.watchReader,
    clock: options.clock ?? systemClock,
    wallClock: options.wallClock ?? Date.now,
  };
  validate(resolved);
  return resolved;
}

function validate(o: ResolvedHandshakeOptions): void {
  const { req, ack, okValue, ngValue, result, sequence, watchMs } = o;
  const problems: string[] = [];
  if (!Number.isFinite(watchMs) || watchMs < MIN_WATCH_MS)
    problems.push(`watch interval must be at least ${MIN_WATCH_MS} ms`);
  if (req.isArray || !(req.type === "bool" || isInteger(req)))
    problems.push(`REQ ${req.address} must be a bit or an integer word`);
  if (ack.bit !== undefined) {
    problems.push(
      `ACK ${ack.address} is a bit of a word, which MC protocol cannot write atomically: use a bit device (M, B, Y …) or a word`,
    );
  } else if (ack.isArray || !(ack.type === "bool" || isInteger(ack)))
    problems.push(`ACK ${ack.address} must be a bit or an integer word`);
  if (result && (result.bit !== undefined || !isInteger(result)))
    problems.push(`result ${result.address} must be an integer word`);
  if (sequence && !isInteger(sequence)) problems.push(`sequence ${sequence.address} must be an integer word`);
  for (const [label, v] of [
    ["OK", okValue],
    ["NG", ngValue],
  ] as const) {
    if (!Number.isInteger(v)) problems.push(`${label} value must be an integer`);
  }
  if (okValue === ngValue && (ack.type !== "bool" || result)) problems.push("OK and NG values must differ");
  if (ack.type !== "bool" && okValue === 0)
    problems.push("OK value must not be 0 (0 is the cleared ACK word)");
  // The word that receives the OK/NG code must hold it, or every ACK write would fail at runtime.
  const codeWord =
    ack.type !== "bool" ? { label: "ACK", tag: ack } : result ? { label: "result", tag: result } : undefined;
  const range = codeWord && integerRange(codeWord.tag.type);
  if (codeWord && range) {
    for (const [label, v] of [
      ["OK", okValue],
      ["NG", ngValue],
    ] as const) {
      if (Number.isInteger(v) && (BigInt(v) < range[0] || BigInt(v) > range[1])) {
        problems.push(
          `${label} value ${v} does not fit the ${codeWord.label} word ${codeWord.tag.address} (${codeWord.tag.type}: ${range[0]}..${range[1]})`,
        );
      }
    }
  }
  for (const [label, v] of [
    ["step time-out", o.stepTimeoutMs],
    ["REQ clear time-out", o.reqClearTimeoutMs],
    ["downstream time-out", o.downstreamTimeoutMs],
  ] as const) {
    if (!(v > 0)) problems.push(`${label} must be > 0 ms`);
  }
  if (problems.length > 0)
    throw new HandshakeError(`group ${o.name}: ${problems.join("; ")}`, "watch", "HANDSHAKE_CONFIG");
}

function isInteger(tag: Tag): boolean {
  return ["int16", "uint16", "int32", "uint32"].includes(tag.type) && !tag.isArray;
}
