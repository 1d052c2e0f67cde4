/**
 * `jsscada-engine-status`: the engine's status on an interval, and every engine command by message.
 * The reply keeps the incoming message and sets `msg.payload` and `msg.statusCode`, so
 * `http in` → engine-status → `http response` is a complete REST endpoint.
 */
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from "node-red";
import { commandOf } from "./commands";
import { engineFor, num } from "./runtime";
import { STATUS, ThrottledStatus } from "./status";
import type { EngineStatusNodeDef } from "./types";

/** The target of a command: msg.payload.name / group / plc, or an `http in` route's `:name`. */
function targetOf(msg: NodeMessageInFlow): string | undefined {
  const p = msg.payload as Record<string, unknown> | undefined;
  const fromPayload = p && typeof p === "object" ? (p.name ?? p.group ?? p.plc) : undefined;
  if (typeof fromPayload === "string") return fromPayload;
  const params = (msg as { req?: { params?: Record<string, string> } }).req?.params;
  return params?.name;
}

export = function (RED: NodeAPI): void {
  function JsscadaEngineStatusNode(this: Node, config: EngineStatusNodeDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const engine = engineFor(RED);
    const status = new ThrottledStatus(node, 1000);
    const seconds = num(config.interval, 1);
    const show = (): void => {
      const s = engine.status().engine;
      status.set(STATUS.idle(`${s.runningGroups}/${s.totalGroups} groups running (max ${s.maxGroups})`));
    };

    let timer: NodeJS.Timeout | undefined;
    if (!Number.isFinite(seconds) || seconds < 0) {
      node.error(`interval must be a number of seconds ≥ 0 (0 = off), got "${config.interval}"`);
    } else if (seconds > 0) {
      timer = setInterval(
        () => {
          node.send({ topic: "status", payload: engine.status(), statusCode: 200 } as NodeMessage);
          show();
        },
        Math.max(50, seconds * 1000),
      );
    }
    show();

    node.on("input", async (msg: NodeMessageInFlow, send, done) => {
      const cmd = commandOf(msg)?.command ?? "status";
      try {
        const result = await engine.execute(cmd, targetOf(msg));
        (msg as NodeMessage & { statusCode: number }).statusCode = result.statusCode;
        msg.payload = result.payload;
        send(msg);
        show();
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on("close", (done: () => void) => {
      clearInterval(timer);
      status.close();
      done();
    });
  }
  RED.nodes.registerType("jsscada-engine-status", JsscadaEngineStatusNode);
};
