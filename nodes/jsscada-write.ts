/**
 * `jsscada-write`: writes typed values through the shared PLC pool. Thin adapter over
 * lib/engine/writer's TagWriter: `msg.payload` is a value for the node's single tag, or
 * `{tagName|address: value}`; addresses only when the node allows them, and only inside its
 * allow-list. The input message is passed on with `msg.write` after the PLC confirmed every request.
 */
import type { Node, NodeAPI, NodeMessageInFlow } from "node-red";
import { TagWriter, type PlcWriteError } from "../lib/engine/writer";
import { asyncInput } from "./shared/async-input";
import { registerAdminRoutes } from "./shared/admin";
import { sharedTexts, textsOf } from "./shared/i18n";
import { STATUS, ThrottledStatus, short, refuseNode } from "./shared/status";
import type { PlcNode } from "./shared/types";
import type { WriteNodeDef } from "./shared/types-handshake";

const TYPE = "jsscada-write";
type Done = (err?: Error) => void;

export = function (RED: NodeAPI): void {
  registerAdminRoutes(RED);
  const t = textsOf(RED, TYPE);
  const shared = sharedTexts(RED);

  function JsscadaWriteNode(this: Node, config: WriteNodeDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new ThrottledStatus(node);
    const label = config.name || t("defaultName");
    const plcNode = RED.nodes.getNode(config.plc) as PlcNode | null;

    const refuse = (reason: string): void => refuseNode(node, t("errors.refused", { label, reason }));
    if (!plcNode) return refuse(shared("errors.noPlc"));
    if (!plcNode.pool) return refuse(plcNode.configError ?? shared("errors.plcInvalid"));
    const pool = plcNode.pool;

    let writer: TagWriter;
    try {
      writer = new TagWriter(config.tags ?? [], {
        plcName: pool.name,
        tagOptions: plcNode.tagOptions,
        format: pool.format,
        allowAddresses: Boolean(config.allowMsgAddresses),
        allowList: config.allowList ?? "",
      });
    } catch (err) {
      return refuse((err as Error).message);
    }
    pool.register(node.id);
    status.set(STATUS.idle(t("status.ready")));
    let writes = 0;
    let refused = 0;

    const onInput = asyncInput(async (msg: NodeMessageInFlow, send, done: Done) => {
      try {
        const result = await writer.write(msg.payload, pool);
        writes++;
        const tags = Object.keys(result.written).length;
        const text = t(tags === 1 ? "status.writtenOne" : "status.written", {
          writes,
          tags,
          requests: result.requests,
        });
        status.set(STATUS.polling(refused ? t("status.withRefused", { text, refused }) : text));
        send(
          Object.assign(msg, {
            write: { plc: pool.name, ...result, durationMs: Math.round(result.durationMs * 1000) / 1000 },
          }),
        );
        done();
      } catch (err) {
        const e = err as PlcWriteError;
        if (e.code === "WRITE_REFUSED" || e.code === "MC_BAD_VALUE") refused++;
        const text = short(e.message.replace(/^PLC [^:]+: /, ""));
        if (e.code === "MC_PLC_OFFLINE" || e.code?.startsWith("MC_CONNECTION"))
          status.set(STATUS.disconnected(text));
        else status.set(STATUS.error(text));
        done(e);
      }
    });
    node.on("input", onInput);

    node.on("close", (_removed: boolean, done: () => void) => {
      status.close();
      pool.deregister(node.id);
      done();
    });
  }

  RED.nodes.registerType(TYPE, JsscadaWriteNode);
};
