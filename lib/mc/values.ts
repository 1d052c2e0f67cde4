/**
 * Typed values <-> PLC words and bits, for parsed tags. Word order follows Mitsubishi: the low word of a
 * 32/64-bit value sits at the lower device number unless the tag says `:swap`. Strings hold two
 * characters per word, the first in the low byte.
 */
import { McValueError } from "./errors";
import { type Tag } from "./tags";

export type ScalarValue = boolean | number | bigint | string;
export type TagValue = ScalarValue | ScalarValue[];

export type EncodedValue =
  { readonly unit: "word"; readonly words: number[] } | { readonly unit: "bit"; readonly bits: boolean[] };

const scratch = new DataView(new ArrayBuffer(8));

/** The element's words, least significant first, whatever order the PLC holds them in. */
function lowFirst(words: ArrayLike<number>, offset: number, n: number, swap: boolean): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = words[offset + (swap ? n - 1 - i : i)]! & 0xffff;
  return out;
}

function toBigUint(w: readonly number[]): bigint {
  let v = 0n;
  for (let i = w.length - 1; i >= 0; i--) v = (v << 16n) | BigInt(w[i]!);
  return v;
}

function decodeString(tag: Tag, words: ArrayLike<number>, offset: number): string {
  const n = tag.stringLength!;
  const bytes = Buffer.allocUnsafe(tag.elementWords * 2);
  for (let i = 0; i < tag.elementWords; i++) {
    const w = words[offset + i]! & 0xffff;
    bytes[2 * i] = tag.swap ? w >> 8 : w & 0xff;
    bytes[2 * i + 1] = tag.swap ? w & 0xff : w >> 8;
  }
  return bytes.toString("latin1", 0, n).replace(/\0+$/, "");
}

function decodeElement(tag: Tag, words: ArrayLike<number>, offset: number): ScalarValue {
  if (tag.type === "string") return decodeString(tag, words, offset);
  // One- and two-word types, the bulk of any tag table, read their words in place.
  const swapped = tag.swap && tag.elementWords === 2;
  const lo = words[offset + (swapped ? 1 : 0)]! & 0xffff;
  switch (tag.type) {
    case "bool":
      return ((lo >> (tag.bit ?? 0)) & 1) === 1;
    case "int16":
      return (lo << 16) >> 16;
    case "uint16":
      return lo;
    case "int32":
      return lo | ((words[offset + (swapped ? 0 : 1)]! & 0xffff) << 16) | 0;
    case "uint32":
      return (lo | ((words[offset + (swapped ? 0 : 1)]! & 0xffff) << 16)) >>> 0;
    case "float32":
      scratch.setUint32(0, (lo | ((words[offset + (swapped ? 0 : 1)]! & 0xffff) << 16)) >>> 0);
      return scratch.getFloat32(0);
  }
  const w = lowFirst(words, offset, tag.elementWords, tag.swap);
  switch (tag.type) {
    case "float64":
      scratch.setUint32(0, (w[2]! | (w[3]! << 16)) >>> 0);
      scratch.setUint32(4, (w[0]! | (w[1]! << 16)) >>> 0);
      return scratch.getFloat64(0);
    case "int64":
      return BigInt.asIntN(64, toBigUint(w));
    case "uint64":
      return toBigUint(w);
  }
}

/** Decodes a word-device tag from its words (starting at the tag's device number, at `offset` in `words`). */
export function decodeTag(tag: Tag, words: ArrayLike<number>, offset = 0): TagValue {
  if (tag.ref.device.kind !== "word")
    throw new McValueError(`${tag.address} is a bit-device tag: use decodeBits`);
  if (words.length - offset < tag.words) {
    throw new McValueError(`${tag.address} needs ${tag.words} words, got ${words.length - offset}`);
  }
  if (!tag.isArray) return decodeElement(tag, words, offset);
  if (tag.type === "int16" || tag.type === "uint16") {
    // The most common array by far, decoded in one loop rather than element by element.
    const signed = tag.type === "int16";
    const out = new Array<number>(tag.arrayLength);
    for (let i = 0; i < out.length; i++) {
      const w = words[offset + i]! & 0xffff;
      out[i] = signed ? (w << 16) >> 16 : w;
    }
    return out;
  }
  const out = new Array<ScalarValue>(tag.arrayLength);
  for (let i = 0; i < tag.arrayLength; i++) out[i] = decodeElement(tag, words, offset + i * tag.elementWords);
  return out;
}

/** Decodes a bit-device tag from its points (starting at the tag's device number). */
export function decodeBits(tag: Tag, bits: ArrayLike<boolean | number>): boolean | boolean[] {
  if (tag.ref.device.kind !== "bit")
    throw new McValueError(`${tag.address} is a word-device tag: use decodeTag`);
  if (bits.length < tag.points)
    throw new McValueError(`${tag.address} needs ${tag.points} bits, got ${bits.length}`);
  if (!tag.isArray) return Boolean(bits[0]);
  return Array.from({ length: tag.arrayLength }, (_, i) => Boolean(bits[i]));
}

const INT_RANGE: Record<string, readonly [bigint, bigint]> = {
  int16: [-0x8000n, 0x7fffn],
  uint16: [0n, 0xffffn],
  int32: [-0x80000000n, 0x7fffffffn],
  uint32: [0n, 0xffffffffn],
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  uint64: [0n, (1n << 64n) - 1n],
};

/** The values an integer tag type holds, or undefined for other types. */
export function integerRange(type: string): readonly [bigint, bigint] | undefined {
  return INT_RANGE[type];
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 20 ? v.slice(0, 20) + "…" : v);
  if (typeof v === "bigint") return `${v}n`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v);
  return typeof v;
}

function bad(tag: Tag, v: unknown, why: string): never {
  throw new McValueError(`cannot write ${describe(v)} to "${tag.address}": ${why}`);
}

/** Integers arrive as numbers (or bigints for 64-bit); anything fractional or out of range is refused. */
function toInteger(tag: Tag, v: unknown): bigint {
  let big: bigint;
  if (typeof v === "bigint") big = v;
  else if (typeof v === "number") {
    if (!Number.isInteger(v)) bad(tag, v, `${tag.type} needs an integer`);
    if (!Number.isSafeInteger(v)) bad(tag, v, "integer beyond 2^53 loses precision; pass a bigint");
    big = BigInt(v);
  } else return bad(tag, v, `${tag.type} needs a number`);
  const [lo, hi] = INT_RANGE[tag.type]!;
  if (big < lo || big > hi) bad(tag, v, `out of range for ${tag.type} (${lo}..${hi})`);
  return BigInt.asUintN(tag.elementWords * 16, big);
}

function encodeString(tag: Tag, v: unknown, out: number[]): void {
  if (typeof v !== "string") bad(tag, v, "string tag needs a string");
  const n = tag.stringLength!;
  if (v.length > n) bad(tag, v, `${v.length} characters, the tag holds ${n}`);
  if ([...v].some((c) => c.charCodeAt(0) > 0xff))
    bad(tag, v, "only 8-bit (Latin-1) characters can be stored");
  const bytes = Buffer.alloc(tag.elementWords * 2);
  bytes.write(v, "latin1");
  for (let i = 0; i < tag.elementWords; i++) {
    const lo = bytes[2 * i]!;
    const hi = bytes[2 * i + 1]!;
    out.push(tag.swap ? (lo << 8) | hi : (hi << 8) | lo);
  }
}

function encodeElement(tag: Tag, v: unknown, out: number[]): void {
  if (tag.type === "string") return encodeString(tag, v, out);
  const low: number[] = [];
  if (tag.type === "float32" || tag.type === "float64") {
    if (typeof v !== "number") bad(tag, v, `${tag.type} needs a number`);
    if (tag.type === "float32") {
      if (Number.isFinite(v) && !Number.isFinite(Math.fround(v))) bad(tag, v, "beyond the float32 range");
      scratch.setFloat32(0, v);
      const u = scratch.getUint32(0);
      low.push(u & 0xffff, u >>> 16);
    } else {
      scratch.setFloat64(0, v);
      const hi = scratch.getUint32(0);
      const lo = scratch.getUint32(4);
      low.push(lo & 0xffff, lo >>> 16, hi & 0xffff, hi >>> 16);
    }
  } else {
    let u = toInteger(tag, v);
    for (let i = 0; i < tag.elementWords; i++) {
      low.push(Number(u & 0xffffn));
      u >>= 16n;
    }
  }
  if (tag.swap) low.reverse();
  out.push(...low);
}

function toBit(tag: Tag, v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (v === 0 || v === 1) return v === 1;
  return bad(tag, v, "bool needs true/false (or 0/1)");
}

function elementsOf(tag: Tag, value: unknown): readonly unknown[] {
  if (!tag.isArray) return [value];
  const list = Array.isArray(value)
    ? value
    : ArrayBuffer.isView(value) && !(value instanceof DataView)
      ? value
      : null;
  if (!list) bad(tag, value, `array tag needs an array of ${tag.arrayLength}`);
  const arr = Array.from(list as ArrayLike<unknown>);
  if (arr.length !== tag.arrayLength) bad(tag, value, `array tag needs exactly ${tag.arrayLength} elements`);
  return arr;
}

/** Encodes a value for writing; throws McValueError when it does not fit the tag. */
export function encodeTag(tag: Tag, value: unknown): EncodedValue {
  if (tag.bit !== undefined) {
    throw new McValueError(
      `cannot write "${tag.address}": a single bit of a word cannot be written atomically over MC protocol ` +
        "(read-modify-write would overwrite concurrent PLC changes); write the whole word instead",
    );
  }
  const elements = elementsOf(tag, value);
  if (tag.ref.device.kind === "bit") return { unit: "bit", bits: elements.map((v) => toBit(tag, v)) };
  const words: number[] = [];
  for (const v of elements) encodeElement(tag, v, words);
  return { unit: "word", words };
}
