/** Editor properties of the HANDSHAKE poll node and the write node, as the runtime receives them. */
import type { NodeDef } from "node-red";
import type { TagRow } from "./types";

export interface PollHandshakeNodeDef extends NodeDef {
  plc: string;
  group: string;
  tags: TagRow[];
  trigger: "message" | "plc";
  autoStart: boolean;
  payloadFormat: "object" | "array";
  /** Message mode. */
  dedup: string;
  concurrency: "coalesce" | "queue";
  maxPending: string;
  /** PLC mode. */
  req: string;
  ack: string;
  result: string;
  sequence: string;
  okValue: string;
  ngValue: string;
  watchInterval: string;
  stepTimeout: string;
  reqClearTimeout: string;
  ackAfterDownstream: boolean;
  downstreamTimeout: string;
  reqHighAtStart: "ignore" | "handle";
}

export interface WriteNodeDef extends NodeDef {
  plc: string;
  tags: TagRow[];
  allowMsgAddresses: boolean;
  allowList: string;
}
