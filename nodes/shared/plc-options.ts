/** The PLC config node's editor strings turned into pool options, validated. */
import { type PoolOptions } from "../../lib/pool/pool";
import { addressingOf } from "./plc-addressing";
import { num, substituteEnv } from "./runtime";
import type { PlcNodeDef } from "./types";

/** Turns the editor's strings into pool options, or says which setting is wrong. */
export function poolOptionsFrom(config: PlcNodeDef): PoolOptions | string {
  const host = substituteEnv(String(config.host ?? "")).trim();
  const port = num(substituteEnv(String(config.port ?? "")), NaN);
  if (!host) return "host is empty";
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `port "${config.port}" is not 1–65535`;
  const checks: Array<[string, number, number, number]> = [];
  const field = (label: string, value: unknown, fallback: number, min: number, max: number): number => {
    const n = num(value, fallback);
    checks.push([label, n, min, max]);
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
        network: field("network number", config.network, 0, 0, 255),
        pc: field("PC number", config.pc, 0xff, 0, 255),
        moduleIo: field("module I/O number", config.moduleIo, 0x3ff, 0, 0xffff),
        station: field("station number", config.station, 0, 0, 255),
      },
      connectTimeoutMs: field("connect time-out", config.connectTimeout, 5000, 100, 600_000),
      requestTimeoutMs: field("request time-out", config.requestTimeout, 3000, 50, 600_000),
      monitoringTimer:
        config.monitoringTimer === "" || config.monitoringTimer === undefined
          ? undefined
          : field("monitoring timer", config.monitoringTimer, 0, 0, 0xffff),
    },
    backoff: {
      initialMs: field("reconnect initial delay", config.backoffInitial, 500, 10, 3_600_000),
      maxMs: field("reconnect maximum delay", config.backoffMax, 30_000, 10, 3_600_000),
      jitter: field("reconnect jitter", config.backoffJitter, 0.2, 0, 1),
    },
    demotion: {
      failures: field("demotion failures", config.demoteAfter, 3, 0, 1000),
      offScanMs: field("demotion time", config.demoteFor, 10_000, 0, 3_600_000),
    },
    minRequestIntervalMs: field("minimum request interval", config.minInterval, 0, 0, 60_000),
  };
  for (const [label, n, min, max] of checks) {
    if (!Number.isFinite(n) || n < min || n > max) return `${label} must be a number from ${min} to ${max}`;
  }
  return options;
}
