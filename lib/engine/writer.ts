/**
 * Writing typed values to a PLC through the shared pool: resolving `{tagName|address: value}` against
 * the tags a node was configured with, refusing anything outside the node's allow-list (so a flow
 * exposed over HTTP cannot write arbitrary PLC memory), batching with planWrites, and turning PLC
 * refusals into errors a user can act on.
 */
import { McEndCodeError, McError, hex4 } from "../mc/errors";
import { type Device } from "../mc/devices";
import { planWrites, type WriteItem } from "../mc/planner";
import { type Tag, type TagOptions, parseTag } from "../mc/tags";
import { type WireFormat } from "../mc/wire";
import { type RequestSender } from "./poller";

/** An inclusive range of device numbers (words on word devices, points on bit devices). */
export interface AddressRange {
  readonly device: Device;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The write was refused before anything was sent: unknown tag, address not allowed, bad input. */
export class WriteRefusedError extends Error {
  readonly code = "WRITE_REFUSED";
  constructor(message: string) {
    super(message);
    this.name = "WriteRefusedError";
  }
}

/**
 * The PLC (or the connection) failed a write. Keeps the MC error's code and end code, and says how
 * many of the planned requests had already been written, since writes are not atomic across requests.
 */
export class PlcWriteError extends Error {
  readonly code: string;
  readonly endCode?: number;
  constructor(
    message: string,
    override readonly cause: unknown,
    readonly requestsWritten: number,
  ) {
    super(message);
    this.name = "PlcWriteError";
    this.code = cause instanceof McError ? cause.code : "MC_UNKNOWN";
    if (cause instanceof McEndCodeError) this.endCode = cause.endCode;
  }
}

const END_RUN_WRITE_REFUSED = 0x0055;

/** The span a tag occupies, in the units AddressRange uses. */
function spanOf(tag: Tag): { start: number; end: number } {
  const len = tag.ref.device.kind === "word" ? tag.words : tag.points;
  return { start: tag.ref.number, end: tag.ref.number + Math.max(1, len) - 1 };
}

function rangeOfTag(tag: Tag): AddressRange {
  return { device: tag.ref.device, ...spanOf(tag), text: tag.address };
}

/**
 * Parses an allow-list: ranges like `D100-D199`, single addresses like `D500` or `D500:int32` (its
 * whole span), separated by commas, semicolons or new lines. Every bad entry is reported at once.
 */
export function parseAllowList(text: string, options: TagOptions): AddressRange[] {
  const ranges: AddressRange[] = [];
  const problems: string[] = [];
  for (const raw of String(text ?? "").split(/[,;\n]/)) {
    const entry = raw.trim();
    if (!entry) continue;
    try {
      const dash = entry.indexOf("-");
      if (dash < 0) {
        ranges.push({ ...rangeOfTag(parseTag(entry, options)), text: entry });
        continue;
      }
      const from = parseTag(entry.slice(0, dash), options);
      const to = parseTag(entry.slice(dash + 1), options);
      if (from.ref.device !== to.ref.device) throw new Error("both ends must be on the same device");
      if (from.bit !== undefined || to.bit !== undefined)
        throw new Error("a range cannot start or end at a bit of a word");
      if (to.ref.number < from.ref.number) throw new Error("the range ends before it starts");
      ranges.push({ device: from.ref.device, start: from.ref.number, end: spanOf(to).end, text: entry });
    } catch (err) {
      problems.push(`allow-list entry "${entry}": ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new WriteRefusedError(problems.join("; "));
  return ranges;
}

export interface WriterTag {
  readonly name: string;
  readonly address: string;
}

export interface TagWriterOptions {
  /** For messages: the PLC's name. */
  readonly plcName: string;
  readonly tagOptions: TagOptions;
  readonly format: WireFormat;
  /** Whether a message may name addresses instead of configured tag names. */
  readonly allowAddresses?: boolean;
  /** Ranges addresses from messages may fall in, besides the configured tags (allow-list text). */
  readonly allowList?: string;
}

export interface WriteResult {
  /** What was written, as `name or address → value`. */
  readonly written: Record<string, unknown>;
  readonly requests: number;
  readonly durationMs: number;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

export class TagWriter {
  private readonly tags = new Map<string, Tag>();
  private readonly allowed: AddressRange[];

  constructor(
    rows: readonly WriterTag[],
    private readonly options: TagWriterOptions,
  ) {
    const problems: string[] = [];
    (rows ?? []).forEach((row, i) => {
      const name = String(row?.name ?? "").trim();
      const label = `row ${i + 1}${name ? ` (${name})` : ""}`;
      if (!name) return problems.push(`${label}: tag name is empty`);
      if (this.tags.has(name)) return problems.push(`${label}: duplicate tag name "${name}"`);
      try {
        const tag = parseTag(String(row?.address ?? ""), options.tagOptions);
        if (tag.bit !== undefined)
          throw new Error(`"${tag.address}" is a bit of a word, which MC protocol cannot write atomically`);
        this.tags.set(name, tag);
      } catch (err) {
        problems.push(`${label}: ${(err as Error).message}`);
      }
    });
    if (problems.length > 0) throw new WriteRefusedError(problems.join("; "));
    if (this.tags.size === 0 && !options.allowAddresses) {
      throw new WriteRefusedError(
        "no tags configured and addresses in messages are not allowed: nothing could be written",
      );
    }
    this.allowed = [
      ...[...this.tags.values()].map(rangeOfTag),
      ...parseAllowList(options.allowList ?? "", options.tagOptions),
    ];
  }

  get tagNames(): string[] {
    return [...this.tags.keys()];
  }

  /**
   * `payload` is a value for the single configured tag, or `{tagName|address: value}`. Throws
   * WriteRefusedError naming every refused key, or McValueError for a value that does not fit.
   */
  resolve(payload: unknown): { items: WriteItem[]; keys: string[] } {
    if (!isPlainObject(payload)) {
      if (this.tags.size !== 1) {
        throw new WriteRefusedError(
          `msg.payload must be an object {tagName: value} (this node has ${this.tags.size} tags: ${this.tagNames.join(", ") || "none"})`,
        );
      }
      if (payload === undefined || payload === null)
        throw new WriteRefusedError("msg.payload is empty: no value to write");
      const [name, tag] = [...this.tags.entries()][0]!;
      return { items: [{ tag, value: payload }], keys: [name] };
    }
    const keys = Object.keys(payload);
    if (keys.length === 0) throw new WriteRefusedError("msg.payload is an empty object: nothing to write");
    const items: WriteItem[] = [];
    const refused: string[] = [];
    for (const key of keys) {
      const tag = this.tags.get(key) ?? this.addressTag(key, refused);
      if (tag) items.push({ tag, value: payload[key] });
    }
    if (refused.length > 0)
      throw new WriteRefusedError(`write refused, nothing written: ${refused.join("; ")}`);
    return { items, keys };
  }

  /** Resolves, plans and sends; nothing is sent when any key or value is refused. */
  async write(payload: unknown, plc: RequestSender): Promise<WriteResult> {
    const started = performance.now();
    const { items, keys } = this.resolve(payload);
    const requests = await writeItems(items, plc, this.options.format);
    const written: Record<string, unknown> = {};
    keys.forEach((k, i) => (written[k] = items[i]!.value));
    return { written, requests, durationMs: performance.now() - started };
  }

  private addressTag(key: string, refused: string[]): Tag | undefined {
    if (!this.options.allowAddresses) {
      refused.push(
        `unknown tag "${key}" (this node writes only its tags: ${this.tagNames.join(", ")}; addresses in messages are not allowed)`,
      );
      return undefined;
    }
    let tag: Tag;
    try {
      tag = parseTag(key, this.options.tagOptions);
    } catch (err) {
      refused.push(`"${key}" is neither a tag of this node nor a valid address: ${(err as Error).message}`);
      return undefined;
    }
    const { start, end } = spanOf(tag);
    const inside = this.allowed.some((r) => r.device === tag.ref.device && r.start <= start && end <= r.end);
    if (!inside) {
      refused.push(
        `address ${tag.address} is outside this node's allow-list (${this.allowed.map((r) => r.text).join(", ")})`,
      );
      return undefined;
    }
    return tag;
  }
}

/**
 * Plans and sends the writes, in order. Returns the number of requests. A PLC refusal becomes a
 * PlcWriteError whose message says what to do about it.
 */
export async function writeItems(
  items: readonly WriteItem[],
  plc: RequestSender,
  format: WireFormat,
  owner?: string,
): Promise<number> {
  const commands = planWrites(items, format);
  let done = 0;
  try {
    for (const cmd of commands) {
      await plc.request(cmd, owner);
      done++;
    }
  } catch (err) {
    throw writeError(err, items, plc.name, done, commands.length);
  }
  return commands.length;
}

function writeError(
  err: unknown,
  items: readonly WriteItem[],
  plcName: string,
  done: number,
  total: number,
): PlcWriteError {
  const targets = items.map((i) => i.tag.address).join(", ");
  const partial = done > 0 ? ` (${done} of ${total} write requests had already been written)` : "";
  if (err instanceof McEndCodeError && err.endCode === END_RUN_WRITE_REFUSED) {
    return new PlcWriteError(
      `PLC ${plcName} refused the write to ${targets}: PLC is in RUN and online change is disabled (end code ${hex4(err.endCode)}). ` +
        `Allow online change ("Enable online change" in the PLC's Ethernet/SLMP settings) or switch the CPU to STOP${partial}`,
      err,
      done,
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new PlcWriteError(`PLC ${plcName}: write to ${targets} failed: ${message}${partial}`, err, done);
}
