/**
 * One poll of a tag table through a PLC: executes the read plan and turns per-tag results into
 * readings. A tag the PLC refuses only spoils its own reading (quality "bad"); when no tag could be
 * read the poll fails as a whole, with the PLC, group and tag named in the error.
 */
import { type Reply } from "../mc/client";
import { type Command } from "../mc/commands";
import { McError } from "../mc/errors";
import { type TagResult, executeReadPlan } from "../mc/planner";
import { type TagReading } from "./output";
import { type TagTable } from "./tag-table";

export interface RequestSender {
  readonly name: string;
  /** `owner` (the group) takes turns with other owners when requests queue up for the PLC. */
  request<T>(cmd: Command<T>, owner?: string): Promise<T>;
  /** `request` by callback, where the sender has it (pools do): one promise less per request. */
  submit?<T, C>(cmd: Command<T>, owner: string | undefined, reply: Reply<T, C>, context: C): void;
  /** performance.now() when the latest connection was set up, and how long that took (pools have them). */
  readonly connectedAt?: number;
  readonly connectMs?: number;
}

/**
 * A poll's own duration: when a connection was set up while it ran (it waited for it), the time from
 * then on. `startedAt`/`finishedAt` are performance.now() values.
 */
export function pollDuration(plc: RequestSender, startedAt: number, finishedAt: number): number {
  const connectedAt = plc.connectedAt;
  if (connectedAt === undefined || connectedAt <= startedAt || connectedAt > finishedAt) {
    return finishedAt - startedAt;
  }
  return finishedAt - connectedAt;
}

export interface PollOutcome {
  readonly readings: TagReading[];
  /** "good": every tag read; "partial": some tags bad (see their readings). */
  readonly quality: "good" | "partial";
  readonly requests: number;
  /** The bad tags, by name, with their own errors. */
  readonly tagErrors: { readonly tag: string; readonly error: McError }[];
}

/** The whole poll failed; `cause` keeps the typed error (time-out, end code …) for Catch nodes. */
export class PollError extends Error {
  readonly code: string;
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = "PollError";
    this.code = cause instanceof McError ? cause.code : "MC_UNKNOWN";
  }
}

export async function pollOnce(table: TagTable, plc: RequestSender, group: string): Promise<PollOutcome> {
  const timestamp = Date.now();
  const results = await executeReadPlan(table.plan, plc, group);
  return outcomeOf(table, results, group, table.plan.requests.length, timestamp);
}

/**
 * A poll's outcome from one result per tag of the table (in table order). Throws the PollError of a
 * poll in which no tag could be read.
 */
export function outcomeOf(
  table: TagTable,
  results: readonly TagResult[],
  group: string,
  requests: number,
  timestamp: number,
): PollOutcome {
  const readings: TagReading[] = [];
  const tagErrors: { tag: string; error: McError }[] = [];
  results.forEach((r, i) => {
    const name = table.names[i]!;
    if (r.ok) {
      readings.push({ name, value: r.value, quality: "good", timestamp });
    } else {
      tagErrors.push({ tag: name, error: r.error });
      readings.push({ name, value: null, quality: "bad", timestamp, error: r.error.message });
    }
  });
  if (tagErrors.length === results.length && tagErrors.length > 0) {
    const first = tagErrors[0]!.error;
    const which = table.names.length === 1 ? `tag ${table.names[0]}` : `all ${table.names.length} tags`;
    throw new PollError(`group ${group}: ${which} failed: ${first.message}`, first);
  }
  return { readings, quality: tagErrors.length > 0 ? "partial" : "good", requests, tagErrors };
}
