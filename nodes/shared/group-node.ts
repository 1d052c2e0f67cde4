/**
 * What every polling group node does around its group, written once for the FIXED and HANDSHAKE
 * nodes: find its PLC (or refuse, red and listed in the engine's status), build and register the group
 * with the engine and the PLC pool, start it on deploy, turn data into messages, report failed polls
 * (status, log, Catch) and tear everything down on close. Each node adds its own events and commands.
 */
import type { EventEmitter } from "node:events";
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from "node-red";
import { type PollError } from "../../lib/engine/poller";
import { CapacityError, type GroupMode, type ManagedGroup } from "../../lib/engine/registry";
import { type PlcPool } from "../../lib/pool/pool";
import { ErrorLog } from "./error-log";
import { type Translate, sharedTexts } from "./i18n";
import { engineFor, refuseGroup } from "./runtime";
import { STATUS, ThrottledStatus, statusForError } from "./status";
import type { PlcNode } from "./types";

/** The properties both poll nodes' dialogs save. */
export interface GroupNodeDef extends NodeDef {
  plc: string;
  group: string;
  autoStart: boolean;
}

export type PollingGroup = ManagedGroup & EventEmitter;

/** What a node's `create` gets to build its group with. */
export interface GroupSetup {
  readonly name: string;
  readonly plcNode: PlcNode;
  readonly pool: PlcPool;
}

export interface GroupNodeSpec<G extends PollingGroup> {
  readonly mode: GroupMode;
  /** How many outputs the node has: data on the first, command replies on the last. */
  readonly outputs: number;
  /** Builds the group; an error thrown here refuses the node with its message. */
  create(setup: GroupSetup): G;
  /** What the status says right after a start, until the group's first result. */
  startedStatus(): NodeStatus;
  /** Attaches the node's own group events and input handler, before the group starts on deploy. */
  wire(groupNode: GroupNode<G>): void;
}

type Send = (msg: (NodeMessage | null)[]) => void;
type Done = (err?: Error) => void;

export interface GroupNode<G extends PollingGroup> {
  readonly group: G;
  readonly name: string;
  readonly plcNode: PlcNode;
  readonly pool: PlcPool;
  readonly status: ThrottledStatus;
  readonly errorLog: ErrorLog;
  /** True once the node is closing: nothing more is sent. */
  readonly closing: boolean;
  /** Starts through the engine (which enforces the group limit); throws CapacityError at the limit. */
  start(): void;
  /** `fields` on output `index`: continuing each trigger's message (http in → … → http response), or new. */
  sendOut(index: number, triggers: readonly unknown[], fields: object): void;
  /** A command's answer: the input message continues on the last output with the group's status. */
  reply(msg: NodeMessageInFlow, send: Send, done: Done, result: object): void;
}

/** One message per trigger origin (each continues its own message), or one new message if none. */
export function messagesFor(triggers: readonly unknown[], fields: object): NodeMessage[] {
  if (triggers.length === 0) return [{ ...fields }];
  return triggers.map((origin) => Object.assign(origin as NodeMessage, fields));
}

/** Sets the node up around its group, or refuses it (red status, listed as refused, inputs fail). */
export function createGroupNode<G extends PollingGroup>(
  RED: NodeAPI,
  node: Node,
  config: GroupNodeDef,
  spec: GroupNodeSpec<G>,
): void {
  const text: Translate = sharedTexts(RED);
  const status = new ThrottledStatus(node);
  const name = (config.group || config.name || node.id).trim();
  const plcNode = RED.nodes.getNode(config.plc) as PlcNode | null;

  // Anything that prevents polling: shown in red, logged once, and every input message fails with it.
  const refuse = (reason: string): void =>
    refuseGroup(RED, node, { name, mode: spec.mode, plc: plcNode?.plcName }, reason);
  const refuseGroupBecause = (reason: string) => refuse(text("errors.group", { group: name, reason }));
  if (!plcNode) return refuseGroupBecause(text("errors.noPlc"));
  if (!plcNode.pool) return refuseGroupBecause(plcNode.configError ?? text("errors.plcInvalid"));
  const pool = plcNode.pool;

  let group: G;
  try {
    group = spec.create({ name, plcNode, pool });
  } catch (err) {
    // Errors from lib may name the group already.
    return refuseGroupBecause((err as Error).message.replace(/^group [^:]+: /, ""));
  }
  const engine = engineFor(RED);
  try {
    engine.registerGroup(group);
  } catch (err) {
    return refuse((err as Error).message);
  }
  pool.register(node.id);
  const errorLog = new ErrorLog(node);
  let closing = false;
  const outputs = (index: number, msg: NodeMessage) =>
    Array.from({ length: spec.outputs }, (_, i) => (i === index ? msg : null));

  const self: GroupNode<G> = {
    group,
    name,
    plcNode,
    pool,
    status,
    errorLog,
    get closing() {
      return closing;
    },
    start() {
      try {
        engine.startGroup(group);
        status.set(spec.startedStatus());
      } catch (err) {
        if (err instanceof CapacityError) status.set(STATUS.error(text("status.capacity")));
        throw err;
      }
    },
    sendOut(index, triggers, fields) {
      if (closing) return;
      for (const msg of messagesFor(triggers, fields)) node.send(outputs(index, msg));
    },
    reply(msg, send, done, result) {
      send(outputs(spec.outputs - 1, Object.assign(msg, { payload: { ...result, group: group.status() } })));
      done();
    },
  };

  group.on("poll-error", (err: PollError) => {
    status.set(statusForError(err.code, err.message, text));
    errorLog.report({ code: err.code, group: name, plc: pool.name }, err.message, {
      topic: name,
      payload: null,
    });
  });
  group.on("state", (state: string) => {
    if (state === "stopped") status.set(STATUS.stopped(text("status.stopped")));
  });

  spec.wire(self);
  if (config.autoStart !== false) {
    try {
      self.start();
    } catch (err) {
      node.error((err as Error).message);
    }
  } else {
    status.set(STATUS.stopped(text("status.waitingForStart")));
  }

  node.on("close", (_removed: boolean, done: () => void) => {
    closing = true;
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
