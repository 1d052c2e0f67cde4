/**
 * The HANDSHAKE node's decisions, apart from Node-RED so they are tested directly: which input
 * message acknowledges which transaction, and which status each group event shows.
 */
import type { NodeStatus } from "node-red";
import { type GroupMessage } from "../../lib/engine/fixed-group";
import { type Rejection } from "../../lib/engine/handshake-message";
import { type SequenceEvent, type TransactionReport } from "../../lib/engine/handshake-plc";
import { type GroupStatus } from "../../lib/engine/registry";
import { type Translate } from "./i18n";
import { STATUS } from "./status";

export interface Acknowledgement {
  readonly id: string;
  readonly ok: boolean;
  /** Why the transaction is answered NG. */
  readonly reason?: string;
}

interface AckMessage {
  topic?: unknown;
  payload?: unknown;
  handshake?: { transactionId?: unknown; group?: unknown } | null;
  error?: { message?: string };
}

/**
 * PLC mode: `{topic: "ack"|"nack", payload: id}` (or the id in msg.handshake), or the data message
 * coming back to this group (from a Complete node: OK; from a Catch node, with msg.error: NG).
 */
export function acknowledgementOf(
  t: Translate,
  msg: AckMessage,
  groupName: string,
): Acknowledgement | undefined {
  const topic = typeof msg.topic === "string" ? msg.topic.trim().toLowerCase() : "";
  const carried = msg.handshake?.transactionId;
  if (
    (topic === "ack" || topic === "nack") &&
    (typeof msg.payload === "string" || typeof carried === "string")
  ) {
    const id = typeof msg.payload === "string" ? msg.payload : String(carried);
    return topic === "ack" ? { id, ok: true } : { id, ok: false, reason: t("ack.nack") };
  }
  if (typeof carried === "string" && msg.handshake?.group === groupName) {
    if (msg.error) {
      return {
        id: carried,
        ok: false,
        reason: t("ack.downstreamError", { message: msg.error.message ?? "unknown" }),
      };
    }
    return { id: carried, ok: true };
  }
  return undefined;
}

/** Message mode, after a read: green, yellow with bad tags; triggers turned away so far are counted. */
export function dataStatus(
  t: Translate,
  m: Pick<GroupMessage, "polling" | "badTags">,
  rejected: number,
): NodeStatus {
  const base = t("status.polling", { tags: m.polling.tags, ms: Math.round(m.polling.durationMs) });
  const text = rejected > 0 ? t("status.withRejected", { text: base, count: rejected }) : base;
  if (m.badTags.length > 0) return STATUS.degraded(t("status.bad", { count: m.badTags.length, text }));
  return STATUS.polling(text);
}

/** Message mode, a trigger turned away (duplicate or overflow): still polling, with the counts. */
export function rejectedStatus(t: Translate, r: Pick<Rejection, "reason">, s: GroupStatus): NodeStatus {
  return STATUS.polling(
    t("status.rejected", {
      reason: r.reason,
      duplicates: String(s.duplicates),
      overflows: String(s.overflows),
    }),
  );
}

/** PLC mode, a finished transaction: green when it completed OK, yellow when NG; unchanged when cut short. */
export function transactionStatus(
  t: Translate,
  report: Pick<TransactionReport, "completed" | "verdict" | "durationMs">,
  s: GroupStatus,
): NodeStatus | undefined {
  if (!report.completed) return undefined;
  const text = t("status.transactions", {
    transactions: String(s.transactions),
    ok: String(s.ok),
    ng: String(s.ng),
    ms: Math.round(report.durationMs),
  });
  return report.verdict === "ok" ? STATUS.polling(text) : STATUS.degraded(text);
}

/** The lib's phase names this node shows. */
export const PHASE = {
  reqHigh: "REQ already high: waiting for it to fall",
  waiting: "waiting for REQ",
} as const;

/** PLC mode, a step of the sequence: REQ stuck high at start is shown; idle only before any transaction. */
export function phaseStatus(t: Translate, phase: string, transactions: number): NodeStatus | undefined {
  if (phase === PHASE.reqHigh) return STATUS.degraded(t("status.reqHigh"));
  if (phase === PHASE.waiting && transactions === 0) return STATUS.idle(t("status.watchingReq"));
  return undefined;
}

/** Running and waiting for work: REQ in PLC mode, triggers in message mode. */
export function idleStatus(t: Translate, plcMode: boolean): NodeStatus {
  return plcMode ? STATUS.connecting(t("status.watchingReq")) : STATUS.idle(t("status.ready"));
}

/** The warning for a gap or a repeat in the PLC's sequence numbers. */
export function sequenceWarning(t: Translate, groupName: string, e: SequenceEvent): string {
  return e.kind === "lost"
    ? t("warn.lost", { group: groupName, lost: String(e.lost), previous: e.previous, sequence: e.sequence })
    : t("warn.repeated", { group: groupName, sequence: e.sequence });
}
