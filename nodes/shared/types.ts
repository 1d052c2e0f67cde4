/** The properties each node's editor dialog saves, as the runtime receives them (strings from inputs). */
import type { Node, NodeDef } from "node-red";
import { type TagDefinition } from "../../lib/engine/tag-table";
import { type TagOptions } from "../../lib/mc/tags";
import { type PlcPool } from "../../lib/pool/pool";

export interface PlcNodeDef extends NodeDef {
  host: string;
  port: string;
  transport: "tcp" | "udp";
  frame: "1E" | "3E" | "4E";
  encoding: "binary" | "ascii";
  series: "ql" | "iqr" | "iqf";
  zrHex: boolean;
  octalXY: boolean;
  network: string;
  pc: string;
  moduleIo: string;
  station: string;
  connections: string;
  connectTimeout: string;
  requestTimeout: string;
  monitoringTimer: string;
  backoffInitial: string;
  backoffMax: string;
  backoffJitter: string;
  demoteAfter: string;
  demoteFor: string;
  minInterval: string;
}

/** A tag table row as the editor saves it. */
export type TagRow = TagDefinition;

export interface PollFixedNodeDef extends NodeDef {
  plc: string;
  group: string;
  tags: TagRow[];
  interval: string;
  intervalUnit: "ms" | "s" | "min" | "h";
  autoStart: boolean;
  payloadFormat: "object" | "array";
  changedOnly: boolean;
  /** Absent in flows saved before it existed: sharing is the default. */
  shareReads?: boolean;
}

export interface EngineStatusNodeDef extends NodeDef {
  interval: string;
  /** "token": HTTP and WebSocket callers need the API token; absent or "none": no check (older flows). */
  auth?: "none" | "token";
  /** The environment variable holding the token (default POLLING_API_TOKEN). */
  tokenEnv?: string;
  /** A websocket-listener config node: WebSocket protocol, per-session status and server ping. */
  websocket?: string;
}

export interface PlcNode extends Node {
  /** Undefined when the configuration is invalid; `configError` says why. */
  pool?: PlcPool;
  configError?: string;
  plcName: string;
  tagOptions: TagOptions;
}
