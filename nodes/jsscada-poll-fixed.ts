/**
 * `jsscada-poll-fixed`: a FIXED polling group. Thin adapter over lib/engine/FixedGroup: it compiles
 * the tag table against its PLC, registers with the engine and the PLC pool, turns group events into
 * messages and statuses, and handles start/stop/trigger/interval/tags commands.
 */
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from "node-red";
import { FixedGroup, type GroupMessage } from "../lib/engine/fixed-group";
import { type PollError } from "../lib/engine/poller";
import { CapacityError } from "../lib/engine/registry";
import { type TagDefinition, compileTagTable } from "../lib/engine/tag-table";
import { MIN_INTERVAL_MS } from "../lib/engine/scheduler";
import { registerAdminRoutes } from "./shared/admin";
import { commandOf, intervalFrom, tagRowsFrom } from "./shared/commands";
import { ErrorLog } from "./shared/error-log";
import { engineFor, num, refuseGroup, sharedReadsFor } from "./shared/runtime";
import { PLC_BUSY, STATUS, ThrottledStatus, statusForError } from "./shared/status";
import type { PlcNode, PollFixedNodeDef } from "./shared/types";

const UNIT_MS = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 } as const;

export = function (RED: NodeAPI): void {
  registerAdminRoutes(RED);

  function JsscadaPollFixedNode(this: Node, config: PollFixedNodeDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new ThrottledStatus(node);
    const groupName = (config.group || config.name || node.id).trim();
    const plcNode = RED.nodes.getNode(config.plc) as PlcNode | null;

    // Anything that prevents polling: shown in red, logged once, and every input message fails with it.
    const refuse = (reason: string): void =>
      refuseGroup(RED, node, { name: groupName, mode: "fixed", plc: plcNode?.plcName }, reason);
    if (!plcNode) return refuse(`group ${groupName}: no PLC configured`);
    if (!plcNode.pool)
      return refuse(`group ${groupName}: ${plcNode.configError ?? "PLC configuration is invalid"}`);
    const pool = plcNode.pool;

    const intervalMs = num(config.interval, 1000) * (UNIT_MS[config.intervalUnit] ?? 1);
    if (!Number.isFinite(intervalMs) || intervalMs < MIN_INTERVAL_MS) {
      return refuse(`group ${groupName}: interval must be at least ${MIN_INTERVAL_MS} ms`);
    }
    const compile = (rows: readonly TagDefinition[]) =>
      compileTagTable(rows, plcNode.tagOptions, pool.format);
    let table;
    try {
      table = compile(config.tags ?? []);
    } catch (err) {
      return refuse(`group ${groupName}: ${(err as Error).message}`);
    }

    const engine = engineFor(RED);
    const group = new FixedGroup({
      name: groupName,
      plc: pool,
      table,
      intervalMs,
      output: {
        format: config.payloadFormat === "array" ? "array" : "object",
        changedOnly: Boolean(config.changedOnly),
      },
      reads: sharedReadsFor(pool),
      shareReads: config.shareReads !== false,
    });
    try {
      engine.registerGroup(group);
    } catch (err) {
      return refuse((err as Error).message);
    }
    pool.register(node.id);
    const errorLog = new ErrorLog(node);

    group.on("data", (m: GroupMessage) => {
      const fields = { topic: m.topic, payload: m.payload, polling: m.polling };
      if (m.triggers.length === 0) node.send([fields as NodeMessage, null]);
      for (const origin of m.triggers) node.send([Object.assign(origin as NodeMessage, fields), null]);
      const bad = m.badTags.length;
      const busy = pool.load.busyPercent();
      const text = `${m.polling.tags} tags · ${Math.round(m.polling.durationMs)} ms · PLC ${Math.round(busy)} %`;
      status.set(
        bad > 0
          ? STATUS.degraded(`${bad} bad tag${bad > 1 ? "s" : ""} · ${text}`)
          : busy >= PLC_BUSY.red
            ? STATUS.error(`PLC busy · ${text}`)
            : busy >= PLC_BUSY.yellow
              ? STATUS.degraded(`PLC busy · ${text}`)
              : STATUS.polling(text),
      );
      for (const { tag, error } of m.badTags) {
        errorLog.report(
          { code: error.code, group: groupName, plc: pool.name, tag },
          `group ${groupName}, tag ${tag}: ${error.message}`,
          { topic: groupName, payload: m.payload, polling: m.polling },
        );
      }
    });
    group.on("poll-error", (err: PollError) => {
      status.set(statusForError(err.code, err.message));
      errorLog.report({ code: err.code, group: groupName, plc: pool.name }, err.message, {
        topic: groupName,
        payload: null,
      });
    });
    group.on("state", (state: string) => {
      if (state === "stopped") status.set(STATUS.stopped("stopped"));
    });

    function start(): void {
      try {
        engine.startGroup(group);
        status.set(STATUS.connecting("starting"));
      } catch (err) {
        if (!(err instanceof CapacityError)) throw err;
        status.set(STATUS.error("capacity reached"));
        throw err;
      }
    }

    if (config.autoStart !== false) {
      try {
        start();
      } catch (err) {
        node.error((err as Error).message);
      }
    } else {
      status.set(STATUS.stopped("stopped (waiting for start)"));
    }

    node.on("input", async (msg: NodeMessageInFlow, send, done) => {
      const cmd = commandOf(msg);
      const reply = (result: object): void => {
        send([null, Object.assign(msg, { payload: { ...result, group: group.status() } })]);
        done();
      };
      try {
        switch (cmd?.command ?? "trigger") {
          case "start":
            start();
            return reply({ command: "start", ok: true });
          case "stop":
            await group.stop();
            return reply({ command: "stop", ok: true });
          case "interval": {
            const ms = intervalFrom(cmd?.args);
            if (!Number.isFinite(ms) || ms < MIN_INTERVAL_MS) {
              throw new Error(
                `interval must be a number of ms ≥ ${MIN_INTERVAL_MS} (or "2s", "1min"), got ${JSON.stringify(cmd?.args)}`,
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
            throw new Error(
              `unknown command "${cmd?.command}": use start, stop, trigger, interval or tags (in msg.topic or msg.payload.command)`,
            );
        }
      } catch (err) {
        done(err as Error);
      }
    });

    node.on("close", (_removed: boolean, done: () => void) => {
      status.close();
      engine.unregisterGroup(group);
      group.removeAllListeners("data");
      group.removeAllListeners("state");
      void group.stop().finally(() => {
        group.removeAllListeners();
        pool.deregister(node.id);
        done();
      });
    });
  }

  RED.nodes.registerType("jsscada-poll-fixed", JsscadaPollFixedNode);
};
