/**
 * `jsscada-poll-fixed`: a FIXED polling group. Thin adapter over lib/engine/FixedGroup: it compiles
 * the tag table against its PLC and handles start/stop/trigger/interval/tags commands; what every
 * group node does (PLC, registration, autoStart, data out, poll errors, close) is nodes/shared/group-node.
 */
import type { Node, NodeAPI, NodeMessageInFlow } from "node-red";
import { FixedGroup, type GroupMessage } from "../lib/engine/fixed-group";
import { type TagDefinition, compileTagTable } from "../lib/engine/tag-table";
import { MIN_INTERVAL_MS } from "../lib/engine/scheduler";
import { asyncInput } from "./shared/async-input";
import { registerAdminRoutes } from "./shared/admin";
import { commandOf, intervalFrom, tagRowsFrom } from "./shared/commands";
import { fixedDataStatus } from "./shared/fixed-status";
import { createGroupNode } from "./shared/group-node";
import { textsOf } from "./shared/i18n";
import { migrate } from "./shared/migrations";
import { num, sharedReadsFor } from "./shared/runtime";
import { STATUS } from "./shared/status";
import type { PollFixedNodeDef } from "./shared/types";

const TYPE = "jsscada-poll-fixed";
const UNIT_MS = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 } as const;

export = function (RED: NodeAPI): void {
  registerAdminRoutes(RED);
  const t = textsOf(RED, TYPE);

  function JsscadaPollFixedNode(this: Node, saved: PollFixedNodeDef): void {
    const config = migrate(TYPE, saved);
    RED.nodes.createNode(this, config);
    const node = this;

    createGroupNode(RED, node, config, {
      mode: "fixed",
      outputs: 2,
      create: ({ name, plcNode, pool }) => {
        const intervalMs = num(config.interval, 1000) * (UNIT_MS[config.intervalUnit] ?? 1);
        if (!Number.isFinite(intervalMs) || intervalMs < MIN_INTERVAL_MS) {
          throw new Error(t("errors.interval", { min: MIN_INTERVAL_MS }));
        }
        return new FixedGroup({
          name,
          plc: pool,
          table: compileTagTable(config.tags ?? [], plcNode.tagOptions, pool.format),
          intervalMs,
          output: {
            format: config.payloadFormat === "array" ? "array" : "object",
            changedOnly: Boolean(config.changedOnly),
          },
          reads: sharedReadsFor(pool),
          shareReads: config.shareReads !== false,
        });
      },
      startedStatus: () => STATUS.connecting(t("status.starting")),
      wire: (g) => {
        const { group, pool, status, errorLog } = g;
        const compile = (rows: readonly TagDefinition[]) =>
          compileTagTable(rows, g.plcNode.tagOptions, pool.format);

        group.on("data", (m: GroupMessage) => {
          g.sendOut(0, m.triggers, { topic: m.topic, payload: m.payload, polling: m.polling });
          status.set(fixedDataStatus(t, m, pool.load.busyPercent()));
          for (const { tag, error } of m.badTags) {
            errorLog.report(
              { code: error.code, group: g.name, plc: pool.name, tag },
              t("errors.badTag", { group: g.name, tag, message: error.message }),
              { topic: g.name, payload: m.payload, polling: m.polling },
            );
          }
        });

        const onInput = asyncInput(async (msg: NodeMessageInFlow, send, done) => {
          const cmd = commandOf(msg);
          const reply = (result: object) => g.reply(msg, send, done, result);
          try {
            switch (cmd?.command ?? "trigger") {
              case "start":
                g.start();
                return reply({ command: "start", ok: true });
              case "stop":
                await group.stop();
                return reply({ command: "stop", ok: true });
              case "interval": {
                const ms = intervalFrom(cmd?.args);
                if (!Number.isFinite(ms) || ms < MIN_INTERVAL_MS) {
                  throw new Error(
                    t("errors.intervalCommand", { min: MIN_INTERVAL_MS, got: JSON.stringify(cmd?.args) }),
                  );
                }
                group.setInterval(ms);
                return reply({ command: "interval", ok: true, intervalMs: ms });
              }
              case "tags": {
                const rows = tagRowsFrom(cmd?.args);
                group.setTable(compile(rows));
                return reply({ command: "tags", ok: true, tags: rows.length });
              }
              case "trigger":
                // The data message continues this message (so http in → poll → http response works).
                await group.trigger(msg);
                return done();
              default:
                throw new Error(t("errors.unknownCommand", { command: String(cmd?.command) }));
            }
          } catch (err) {
            done(err as Error);
          }
        });
        node.on("input", onInput);
      },
    });
  }

  RED.nodes.registerType(TYPE, JsscadaPollFixedNode);
};
