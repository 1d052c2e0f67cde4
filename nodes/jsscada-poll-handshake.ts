/**
 * `jsscada-poll-handshake`: a HANDSHAKE polling group. Thin adapter over lib/engine's
 * MessageTriggerGroup (trigger "message") and PlcHandshakeGroup (trigger "plc"): it compiles the tag
 * table and handshake addresses against its PLC, turns the group's own events into messages and
 * statuses (nodes/shared/handshake-events), and routes input messages to triggers, commands or
 * downstream acknowledgements. What every group node does is nodes/shared/group-node.
 * Outputs: 1 data, 2 rejected triggers / handshake errors / sequence warnings, 3 command replies.
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
import { type TagDefinition, compileTagTable } from "../lib/engine/tag-table";
import { type Tag, parseTag } from "../lib/mc/tags";
import { asyncInput } from "./shared/async-input";
import { registerAdminRoutes } from "./shared/admin";
import { commandOf } from "./shared/commands";
import { createGroupNode } from "./shared/group-node";
import {
  acknowledgementOf,
  dataStatus,
  idleStatus,
  phaseStatus,
  rejectedStatus,
  sequenceWarning,
  transactionStatus,
} from "./shared/handshake-events";
import { sharedTexts, textsOf } from "./shared/i18n";
import { migrate } from "./shared/migrations";
import { num, watchReaderFor } from "./shared/runtime";
import { statusForError } from "./shared/status";
import type { PollHandshakeNodeDef } from "./shared/types-handshake";

const TYPE = "jsscada-poll-handshake";
const COMMANDS = new Set(["start", "stop", "status", "trigger"]);
const buttonRoutes = new WeakSet<object>();

type Done = (err?: Error) => void;
type Send = (msg: (NodeMessage | null)[]) => void;
type ButtonMessage = NodeMessageInFlow & { _jsscadaButton?: boolean };

export = function (RED: NodeAPI): void {
  registerAdminRoutes(RED);
  const t = textsOf(RED, TYPE);
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
        node.receive({ _jsscadaButton: true });
        res.sendStatus(200);
      } catch (err) {
        res.status(500).send((err as Error).message);
      }
    });
  }

  function JsscadaPollHandshakeNode(this: Node, saved: PollHandshakeNodeDef): void {
    const config = migrate(TYPE, saved);
    RED.nodes.createNode(this, config);
    const node = this;
    const plcMode = config.trigger === "plc";
    const format = config.payloadFormat === "array" ? "array" : "object";

    createGroupNode<MessageTriggerGroup | PlcHandshakeGroup>(RED, node, config, {
      mode: "handshake",
      outputs: 3,
      create: ({ name, plcNode, pool }) => {
        const table = compileTagTable(
          config.tags ?? ([] as TagDefinition[]),
          plcNode.tagOptions,
          pool.format,
        );
        if (!plcMode) {
          return new MessageTriggerGroup({
            name,
            plc: pool,
            table,
            format,
            dedupMs: num(config.dedup, 1000),
            concurrency: config.concurrency === "queue" ? "queue" : "coalesce",
            maxPending: num(config.maxPending, 100),
          });
        }
        const tag = (label: string, text: string | undefined, required: boolean): Tag | undefined => {
          const address = String(text ?? "").trim();
          if (!address) {
            if (required) throw new Error(t("errors.addressRequired", { label }));
            return undefined;
          }
          try {
            return parseTag(address, plcNode.tagOptions);
          } catch (err) {
            throw new Error(t("errors.address", { label, message: (err as Error).message }), { cause: err });
          }
        };
        return new PlcHandshakeGroup({
          name,
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
      },
      startedStatus: () => idleStatus(t, plcMode),
      wire: (g) => {
        const { group, name, pool, status, errorLog } = g;
        let rejected = 0;
        const shared = sharedTexts(RED);

        group.on("data", (m: GroupMessage | HandshakeMessage) => {
          const fields: Record<string, unknown> = { topic: m.topic, payload: m.payload, polling: m.polling };
          if ("handshake" in m) fields.handshake = m.handshake;
          g.sendOut(0, m.triggers, fields);
          if (!plcMode) status.set(dataStatus(t, m, rejected));
        });
        // A commissioning read of a PLC-driven group goes out with the command replies (output 3), never
        // on the data output: it has no transaction behind it and must not reach a queue as a record.
        group.on("read", (m: HandshakeMessage) => {
          g.sendOut(2, m.triggers, {
            topic: m.topic,
            payload: m.payload,
            polling: m.polling,
            handshake: null,
          });
        });
        group.on("rejected", (r: Rejection) => {
          rejected++;
          status.set(rejectedStatus(t, r, group.status()));
        });
        group.on("handshake-error", (err: HandshakeError) => {
          status.set(statusForError(err.code, err.message, shared));
          const out = {
            topic: name,
            payload: err.payload ?? null,
            handshake: { transactionId: err.transactionId ?? null, group: name, step: err.step },
          };
          g.sendOut(1, [], { ...out, error: { message: err.message, code: err.code, step: err.step } });
          errorLog.report({ code: err.code, group: name, plc: pool.name, step: err.step }, err.message, out);
        });
        group.on("sequence", (e: SequenceEvent) => {
          const text = sequenceWarning(t, name, e);
          node.warn(text);
          g.sendOut(1, [], { topic: name, payload: null, sequence: { ...e, message: text } });
        });
        group.on("transaction", (report: TransactionReport) => {
          const shown = transactionStatus(t, report, group.status());
          if (shown) status.set(shown);
        });
        group.on("phase", (phase: string) => {
          const shown = phaseStatus(t, phase, Number(group.status().transactions));
          if (shown) status.set(shown);
        });
        // Started by the engine (start / start-all) or recovered: idle until the next trigger or REQ.
        group.on("state", (state: string) => {
          if (state === "running") status.set(idleStatus(t, plcMode));
        });

        const onInput = asyncInput(async (msg: ButtonMessage, send: Send, done: Done) => {
          const cmd = commandOf(msg);
          const command = cmd && COMMANDS.has(cmd.command) ? cmd.command : undefined;
          const reply = (result: object) => g.reply(msg, send, done, result);
          const button = Boolean(msg._jsscadaButton);
          delete msg._jsscadaButton;
          try {
            if (command === "start") {
              g.start();
              return reply({ command, ok: true });
            }
            if (command === "stop") {
              await group.stop();
              return reply({ command, ok: true });
            }
            if (command === "status") return reply({ command, ok: true });
            if (group instanceof PlcHandshakeGroup) {
              const ack = command ? undefined : acknowledgementOf(t, msg, name);
              if (ack) {
                const matched = ack.ok ? group.accept(ack.id) : group.reject(ack.id, ack.reason);
                if (!matched) {
                  node.warn(
                    t("warn.ackIgnored", {
                      group: name,
                      id: ack.id,
                      awaiting: group.awaiting ?? t("warn.none"),
                    }),
                  );
                }
                return done();
              }
              if (command === "trigger" || button) {
                await group.readOnce(msg);
                return done();
              }
              throw new Error(t("errors.plcDriven", { group: name }));
            }
            const result = await group.request(msg);
            if (!result.accepted && !g.closing) {
              const { reason, detail, retryAfterMs } = result;
              send([
                null,
                Object.assign(msg, { rejected: { reason, group: name, detail, retryAfterMs } }),
                null,
              ]);
            }
            done();
          } catch (err) {
            done(err as Error);
          }
        });
        node.on("input", onInput);
      },
    });
  }

  RED.nodes.registerType(TYPE, JsscadaPollHandshakeNode);
};
