/**
 * `jsscada-plc`: the shared PLC pool config node. A thin adapter: it validates its settings, owns one
 * PlcPool, and lets poll nodes register and deregister. Node-RED may restart users and this node
 * independently (modified-nodes deploys); the pool's reference counting keeps polling right.
 */
import type { NodeAPI } from "node-red";
import { PlcPool } from "../lib/pool/pool";
import { registerAdminRoutes } from "./shared/admin";
import { addressingOf } from "./shared/plc-addressing";
import { poolOptionsFrom } from "./shared/plc-options";
import { engineFor } from "./shared/runtime";
import { PLC_BUSY } from "./shared/status";
import type { PlcNode, PlcNodeDef } from "./shared/types";

export = function (RED: NodeAPI): void {
  registerAdminRoutes(RED);
  function JsscadaPlcNode(this: PlcNode, config: PlcNodeDef): void {
    RED.nodes.createNode(this, config);
    this.tagOptions = addressingOf(config);
    const options = poolOptionsFrom(config);
    this.plcName = typeof options === "string" ? config.name || config.host || this.id : options.name;
    if (typeof options === "string") {
      this.configError = `PLC ${this.plcName}: ${options}`;
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
        `PLC ${pool.name} is busy ${load.busyPercent} % of the time (${load.requestsPerSec} requests/s, ` +
          `${load.meanRequestMs ?? "?"} ms each): its groups ask for more than it can answer; ` +
          "share requests, lengthen intervals or add connections",
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
  RED.nodes.registerType("jsscada-plc", JsscadaPlcNode);
};
