/**
 * `jsscada-poll-handshake`: a HANDSHAKE polling group. Thin adapter over lib/engine's
 * MessageTriggerGroup (trigger "message") and PlcHandshakeGroup (trigger "plc"): it compiles the tag
 * table and handshake addresses against its PLC, registers with the engine and the pool, turns group
 * events into messages and statuses, and routes input messages to triggers, commands or downstream
 * acknowledgements. Outputs: 1 data, 2 rejected triggers / handshake errors / sequence warnings,
 * 3 command replies.
 */
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from "node-red";
import { type GroupMessage } from "../lib/engine/fixed-group";
import { MessageTriggerGroup, type Rejection } from "../lib/engine/handshake-message";
import {
  type HandshakeError,
  type HandshakeMessage,
  PlcHandshakeGroup,
  type SequenceEvent,
  type TransactionReport,
} from "../lib/engine/handshake-plc";
import { type PollError } from "../lib/engine/poller";
import { CapacityError } from "../lib/engine/registry";
import { type TagDefinition, compileTagTable } from "../lib/engine/tag-table";
import { type Tag, parseTag } from "../lib/mc/tags";
import { registerAdminRoutes } from "./shared/admin";
import { commandOf } from "./shared/commands";
import { ErrorLog } from "./shared/error-log";
import { engineFor, num, refuseGroup, watchReaderFor } from "./shared/runtime";
import { STATUS, ThrottledStatus, statusForError } from "./shared/status";
import type { PlcNode } from "./shared/types";
import type { PollHandshakeNodeDef } from "./shared/types-handshake";

const TYPE = "jsscada-poll-handshake";
const COMMANDS = new Set(["start", "stop", "status", "trigger"]);
const buttonRoutes = new WeakSet<object>();

type Done = (err?: Error) => void;
type Send = (msg: (NodeMessage | null)[]) => void;

export = function (RED: NodeAPI): void {
  registerAdminRoutes(RED);
  // The editor's button, as core inject's: the node's own input handler does the work.
  if (!buttonRoutes.has(RED.httpAdmin)) {
    buttonRoutes.add(RED.httpAdmin);
    RED.httpAdmin.post(`/${TYPE}/:id/trigger`, RED.auth.needsPermission(`${TYPE}.write`), (req, res) => {
      const node = RED.nodes.getNode(String(req.params.id)) as (Node & { type: string }) | null;
      if (!node || node.type !== TYPE) {
        res.sendStatus(404);
        return;
      }
      try {
        node.receive({ _jsscadaButton: true } as unknown as NodeMessage);
        res.sendStatus(200);
      } catch (err) {
        res.status(500).send((err as Error).message);
      }
    });
  }

  function JsscadaPollHandshakeNode(this: Node, config: PollHandshakeNodeDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new ThrottledStatus(node);
    const groupName = (config.group || config.name || node.id).trim();
    const plcNode = RED.nodes.getNode(config.plc) as PlcNode | null;
    const plcMode = config.trigger === "plc";

    const refuse = (reason: string): void =>
      refuseGroup(RED, node, { name: groupName, mode: "handshake", plc: plcNode?.plcName }, reason);
    if (!plcNode) return refuse(`group ${groupName}: no PLC configured`);
    if (!plcNode.pool)
      return refuse(`group ${groupName}: ${plcNode.configError ?? "PLC configuration is invalid"}`);
    const pool = plcNode.pool;
    const format = config.payloadFormat === "array" ? "array" : "object";

    let group: MessageTriggerGroup | PlcHandshakeGroup;
    try {
      const table = compileTagTable(config.tags ?? ([] as TagDefinition[]), plcNode.tagOptions, pool.format);
      if (plcMode) {
        const tag = (label: string, text: string | undefined, required: boolean): Tag | undefined => {
          const t = String(text ?? "").trim();
          if (!t) {
            if (required) throw new Error(`${label} address is required in PLC trigger mode`);
            return undefined;
          }
          try {
            return parseTag(t, plcNode.tagOptions);
          } catch (err) {
            throw new Error(`${label}: ${(err as Error).message}`, { cause: err });
          }
        };
        group = new PlcHandshakeGroup({
          name: groupName,
          plc: pool,
          format: pool.format,
          table,
          payloadFormat: format,
          req: tag("REQ", config.req, true)!,
          ack: tag("ACK", config.ack, true)!,
          result: tag("result", config.result, false),
          sequence: tag("sequence", config.sequence, false),
          okValue: num(config.okValue, 1),
          ngValue: num(config.ngValue, 2),
          watchMs: num(config.watchInterval, 100),
          stepTimeoutMs: num(config.stepTimeout, 5000),
          reqClearTimeoutMs: num(config.reqClearTimeout, 10_000),
          ackAfterDownstream: Boolean(config.ackAfterDownstream),
          downstreamTimeoutMs: num(config.downstreamTimeout, 10_000),
          reqHighAtStart: config.reqHighAtStart === "handle" ? "handle" : "ignore",
          watchReader: watchReaderFor(pool),
        });
      } else {
        group = new MessageTriggerGroup({
          name: groupName,
          plc: pool,
          table,
          format,
          dedupMs: num(config.dedup, 1000),
          concurrency: config.concurrency === "queue" ? "queue" : "coalesce",
          maxPending: num(config.maxPending, 100),
        });
      }
    } catch (err) {
      return refuse(`group ${groupName}: ${(err as Error).message.replace(/^group [^:]+: /, "")}`);
    }

    const engine = engineFor(RED);
    try {
      engine.registerGroup(group);
    } catch (err) {
      return refuse((err as Error).message);
    }
    pool.register(node.id);
    const errorLog = new ErrorLog(node);
    let closing = false;
    const counts = { rejected: 0, errors: 0 };

    group.on("data", (m: GroupMessage | HandshakeMessage) => {
      const fields: Record<string, unknown> = { topic: m.topic, payload: m.payload, polling: m.polling };
      if ("handshake" in m) fields.handshake = m.handshake;
      if (m.triggers.length === 0) node.send([fields as NodeMessage, null, null]);
      for (const origin of m.triggers) node.send([Object.assign(origin as NodeMessage, fields), null, null]);
      if (!plcMode) {
        const extra = counts.rejected > 0 ? ` · ${counts.rejected} rejected` : "";
        const text = `${m.polling.tags} tags · ${Math.round(m.polling.durationMs)} ms${extra}`;
        status.set(
          m.badTags.length > 0 ? STATUS.degraded(`${m.badTags.length} bad · ${text}`) : STATUS.polling(text),
        );
      }
    });
    // A commissioning read of a PLC-driven group goes out with the command replies (output 3), never on
    // the data output: it has no transaction behind it and must not reach a queue as a record.
    group.on("read", (m: HandshakeMessage) => {
      const fields = { topic: m.topic, payload: m.payload, polling: m.polling, handshake: null };
      if (m.triggers.length === 0) node.send([null, null, fields as NodeMessage]);
      for (const origin of m.triggers) node.send([null, null, Object.assign(origin as NodeMessage, fields)]);
    });
    group.on("rejected", (r: Rejection) => {
      counts.rejected++;
      const s = group.status();
      status.set(STATUS.polling(`${r.reason} · ${s.duplicates} dup · ${s.overflows} overflow`));
    });
    group.on("poll-error", (err: PollError) => {
      showError(err.code, err.message);
      errorLog.report({ code: err.code, group: groupName, plc: pool.name }, err.message, {
        topic: groupName,
        payload: null,
      });
    });
    group.on("handshake-error", (err: HandshakeError) => {
      counts.errors++;
      showError(err.code, err.message);
      const out = {
        topic: groupName,
        payload: err.payload ?? null,
        handshake: { transactionId: err.transactionId ?? null, group: groupName, step: err.step },
        error: { message: err.message, code: err.code, step: err.step },
      };
      if (!closing) node.send([null, out as NodeMessage, null]);
      const { error: _sent, ...forCatch } = out;
      errorLog.report(
        { code: err.code, group: groupName, plc: pool.name, step: err.step },
        err.message,
        forCatch,
      );
    });
    group.on("sequence", (e: SequenceEvent) => {
      const text =
        e.kind === "lost"
          ? `group ${groupName}: ${e.lost} transaction(s) lost (sequence ${e.previous} → ${e.sequence})`
          : `group ${groupName}: sequence ${e.sequence} repeated (the PLC retried an already delivered transaction); acknowledged without sending it again`;
      node.warn(text);
      if (!closing)
        node.send([
          null,
          { topic: groupName, payload: null, sequence: { ...e, message: text } } as NodeMessage,
          null,
        ]);
    });
    group.on("transaction", (t: TransactionReport) => {
      const s = group.status();
      const text = `${s.transactions} txn · ${s.ok} ok · ${s.ng} NG · ${Math.round(t.durationMs)} ms`;
      if (t.completed && t.verdict === "ok") status.set(STATUS.polling(text));
      else if (t.completed) status.set(STATUS.degraded(text));
    });
    group.on("phase", (phase: string) => {
      if (phase === "REQ already high: waiting for it to fall") status.set(STATUS.degraded(phase));
      else if (phase === "waiting for REQ" && group.status().transactions === 0)
        status.set(STATUS.idle("watching REQ"));
    });
    group.on("state", (state: string) => {
      if (state === "stopped") status.set(STATUS.stopped("stopped"));
      // Started by the engine (start / start-all) or recovered: idle until the next trigger or REQ.
      else if (state === "running") status.set(idleStatus());
    });

    function showError(code: string, message: string): void {
      status.set(statusForError(code, message));
    }

    function idleStatus() {
      return plcMode ? STATUS.connecting("watching REQ") : STATUS.idle("ready for triggers");
    }

    function start(): void {
      try {
        engine.startGroup(group);
        status.set(idleStatus());
      } catch (err) {
        if (err instanceof CapacityError) status.set(STATUS.error("capacity reached"));
        throw err;
      }
    }

    if (config.autoStart !== false) {
      try {
        start();
      } catch (err) {
        node.error((err as Error).message);
      }
    } else status.set(STATUS.stopped("stopped (waiting for start)"));

    /** PLC mode: the data message coming back (Complete/Catch node), or {topic: "ack"|"nack", payload: id}. */
    function acknowledgement(
      msg: NodeMessageInFlow,
    ): { id: string; ok: boolean; reason?: string } | undefined {
      const m = msg as NodeMessageInFlow & {
        handshake?: { transactionId?: unknown; group?: unknown };
        error?: { message?: string };
      };
      const topic = typeof m.topic === "string" ? m.topic.trim().toLowerCase() : "";
      if (
        (topic === "ack" || topic === "nack") &&
        (typeof m.payload === "string" || typeof m.handshake?.transactionId === "string")
      ) {
        const id = typeof m.payload === "string" ? m.payload : String(m.handshake!.transactionId);
        return {
          id,
          ok: topic === "ack",
          reason: topic === "nack" ? "NG requested by a nack message" : undefined,
        };
      }
      if (m.handshake && typeof m.handshake.transactionId === "string" && m.handshake.group === groupName) {
        if (m.error)
          return {
            id: m.handshake.transactionId,
            ok: false,
            reason: `downstream error: ${m.error.message ?? "unknown"}`,
          };
        return { id: m.handshake.transactionId, ok: true };
      }
      return undefined;
    }

    node.on("input", async (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const cmd = commandOf(msg);
      const command = cmd && COMMANDS.has(cmd.command) ? cmd.command : undefined;
      const reply = (result: object): void => {
        send([null, null, Object.assign(msg, { payload: { ...result, group: group.status() } })]);
        done();
      };
      try {
        if (command === "start") {
          start();
          return reply({ command, ok: true });
        }
        if (command === "stop") {
          await group.stop();
          return reply({ command, ok: true });
        }
        if (command === "status") return reply({ command, ok: true });
        if (group instanceof PlcHandshakeGroup) {
          const ack = command ? undefined : acknowledgement(msg);
          if (ack) {
            const matched = ack.ok ? group.accept(ack.id) : group.reject(ack.id, ack.reason);
            if (!matched) {
              node.warn(
                `group ${groupName}: acknowledgement for transaction ${ack.id} ignored: it is not awaiting one (awaiting: ${group.awaiting ?? "none"})`,
              );
            }
            return done();
          }
          if (command === "trigger" || (msg as { _jsscadaButton?: boolean })._jsscadaButton) {
            delete (msg as { _jsscadaButton?: boolean })._jsscadaButton;
            await group.readOnce(msg);
            return done();
          }
          throw new Error(
            `group ${groupName} is triggered by the PLC: its input takes only commands (start, stop, status, trigger) and acknowledgements`,
          );
        }
        delete (msg as { _jsscadaButton?: boolean })._jsscadaButton;
        const result = await group.request(msg);
        if (!result.accepted && !closing) {
          const { reason, detail, retryAfterMs } = result;
          send([
            null,
            Object.assign(msg, { rejected: { reason, group: groupName, detail, retryAfterMs } }),
            null,
          ]);
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on("close", (_removed: boolean, done: () => void) => {
      closing = true;
      status.close();
      engine.unregisterGroup(group);
      group.removeAllListeners("data");
      void group.stop().finally(() => {
        group.removeAllListeners();
        pool.deregister(node.id);
        done();
      });
    });
  }

  RED.nodes.registerType("jsscada-poll-handshake", JsscadaPollHandshakeNode);
};
