/**
 * `jsscada-plc`: the shared PLC pool config node. A thin adapter: it validates its settings, owns one
 * PlcPool, and lets poll nodes register and deregister. Node-RED may restart users and this node
 * independently (modified-nodes deploys); the pool's reference counting keeps polling right.
 */
import type { NodeAPI } from "node-red";
import { PlcPool } from "../lib/pool/pool";
import { registerAdminRoutes } from "./shared/admin";
import { textsOf } from "./shared/i18n";
import { addressingOf } from "./shared/plc-addressing";
import { poolOptionsFrom } from "./shared/plc-options";
import { engineFor } from "./shared/runtime";
import { PLC_BUSY } from "./shared/status";
import type { PlcNode, PlcNodeDef } from "./shared/types";

const TYPE = "jsscada-plc";

export = function (RED: NodeAPI): void {
  registerAdminRoutes(RED);
  const t = textsOf(RED, TYPE);
  function JsscadaPlcNode(this: PlcNode, config: PlcNodeDef): void {
    RED.nodes.createNode(this, config);
    this.tagOptions = addressingOf(config);
    const options = poolOptionsFrom(config, t);
    this.plcName = typeof options === "string" ? config.name || config.host || this.id : options.name;
    if (typeof options === "string") {
      this.configError = t("errors.config", { plc: this.plcName, reason: options });
      this.error(this.configError);
      return;
    }
    const pool = new PlcPool(options);
    this.pool = pool;
    const engine = engineFor(RED);
    engine.registerPlc(this.id, pool);
    pool.on("state", (state: string, detail?: string) => {
      if (state === "reconnecting" || state === "demoted") {
        this.debug(`PLC ${pool.name} ${state}${detail ? `: ${detail}` : ""}`);
      }
    });
    // Config nodes have no status on the canvas: a PLC asked for more than it answers is logged instead,
    // and shown on its groups' status lines.
    let warnedAt = -Infinity;
    const loadCheck = setInterval(() => {
      const load = pool.load.snapshot();
      if (load.busyPercent < PLC_BUSY.red || Date.now() - warnedAt < 60_000) return;
      warnedAt = Date.now();
      this.warn(
        t("warn.busy", {
          plc: pool.name,
          busy: load.busyPercent,
          rate: load.requestsPerSec,
          ms: load.meanRequestMs ?? "?",
        }),
      );
    }, 10_000);
    loadCheck.unref();
    this.on("close", (_removed: boolean, done: () => void) => {
      clearInterval(loadCheck);
      engine.unregisterPlc(this.id, pool);
      pool.close();
      done();
    });
  }
  RED.nodes.registerType(TYPE, JsscadaPlcNode);
};
