/** Reading a command from an input message: `msg.payload.command` wins over `msg.topic`. */
import type { NodeMessage } from "node-red";
import { parseTagCsv } from "../../lib/engine/tag-csv";
import { type TagDefinition } from "../../lib/engine/tag-table";

export interface InputCommand {
  readonly command: string;
  /** The rest of msg.payload when it is an object, else msg.payload itself. */
  readonly args: unknown;
}

export function commandOf(msg: NodeMessage): InputCommand | undefined {
  const payload = msg.payload as Record<string, unknown> | undefined;
  if (
    payload &&
    typeof payload === "object" &&
    !Array.isArray(payload) &&
    typeof payload.command === "string"
  ) {
    return { command: payload.command.trim().toLowerCase(), args: payload };
  }
  if (typeof msg.topic === "string" && msg.topic.trim() !== "") {
    return { command: msg.topic.trim().toLowerCase(), args: msg.payload };
  }
  return undefined;
}

/** Interval in ms from `{interval: 500}`, `{interval: "2s"}`, a bare number (ms) or "500ms"/"1.5s"/"2min"/"1h". */
export function intervalFrom(args: unknown): number {
  const raw =
    args && typeof args === "object" && !Array.isArray(args)
      ? (args as Record<string, unknown>).interval
      : args;
  if (typeof raw === "number") return raw;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h)?\s*$/i.exec(typeof raw === "string" ? raw : "");
  if (!m) return Number.NaN;
  const factor = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 }[(m[2] ?? "ms").toLowerCase() as "ms"];
  return Number(m[1]) * factor;
}

/**
 * A new tag table from a `tags` command: `msg.payload` (or `msg.payload.tags`) as an array of
 * `{name, address, deadband?}`, or as CSV text (`name,address[,deadband]` per line).
 */
export function tagRowsFrom(args: unknown): TagDefinition[] {
  const value =
    args && typeof args === "object" && !Array.isArray(args) ? (args as { tags?: unknown }).tags : args;
  if (typeof value === "string") return parseTagCsv(value);
  return Array.isArray(value) ? (value as TagDefinition[]) : [];
}
