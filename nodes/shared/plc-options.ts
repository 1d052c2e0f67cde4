/** The PLC config node's editor strings turned into pool options, validated. */
import { type PoolOptions } from "../../lib/pool/pool";
import { type Translate } from "./i18n";
import { addressingOf } from "./plc-addressing";
import { num, substituteEnv } from "./runtime";
import type { PlcNodeDef } from "./types";

/**
 * Turns the editor's strings into pool options, or says which setting is wrong, in the words of `t`
 * (the jsscada-plc catalog: "errors.*", and "setting.*" for each setting's name).
 */
export function poolOptionsFrom(config: PlcNodeDef, t: Translate): PoolOptions | string {
  const host = substituteEnv(String(config.host ?? "")).trim();
  const port = num(substituteEnv(String(config.port ?? "")), NaN);
  if (!host) return t("errors.hostEmpty");
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return t("errors.port", { port: String(config.port) });
  const checks: Array<[string, number, number, number]> = [];
  const field = (setting: string, value: unknown, fallback: number, min: number, max: number): number => {
    const n = num(value, fallback);
    checks.push([setting, n, min, max]);
    return n;
  };
  const { frame, encoding, series, zrHex } = addressingOf(config);
  const options: PoolOptions = {
    name: config.name || `${host}:${port}`,
    connections: field("connections", config.connections, 1, 1, 64),
    client: {
      host,
      port,
      transport: config.transport === "udp" ? "udp" : "tcp",
      frame,
      encoding,
      series,
      zrHex,
      route: {
        network: field("network", config.network, 0, 0, 255),
        pc: field("pc", config.pc, 0xff, 0, 255),
        moduleIo: field("moduleIo", config.moduleIo, 0x3ff, 0, 0xffff),
        station: field("station", config.station, 0, 0, 255),
      },
      connectTimeoutMs: field("connectTimeout", config.connectTimeout, 5000, 100, 600_000),
      requestTimeoutMs: field("requestTimeout", config.requestTimeout, 3000, 50, 600_000),
      monitoringTimer:
        config.monitoringTimer === "" || config.monitoringTimer === undefined
          ? undefined
          : field("monitoringTimer", config.monitoringTimer, 0, 0, 0xffff),
    },
    backoff: {
      initialMs: field("backoffInitial", config.backoffInitial, 500, 10, 3_600_000),
      maxMs: field("backoffMax", config.backoffMax, 30_000, 10, 3_600_000),
      jitter: field("backoffJitter", config.backoffJitter, 0.2, 0, 1),
    },
    demotion: {
      failures: field("demoteAfter", config.demoteAfter, 3, 0, 1000),
      offScanMs: field("demoteFor", config.demoteFor, 10_000, 0, 3_600_000),
    },
    minRequestIntervalMs: field("minInterval", config.minInterval, 0, 0, 60_000),
  };
  for (const [setting, n, min, max] of checks) {
    if (!Number.isFinite(n) || n < min || n > max)
      return t("errors.range", { setting: t(`setting.${setting}`), min, max });
  }
  return options;
}
