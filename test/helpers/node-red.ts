/** node-red-node-test-helper, initialised once, plus the package's node modules and core test nodes. */
import * as fs from "node:fs";
import * as path from "node:path";
import { catalogNamespace } from "../../nodes/shared/i18n";

/* eslint-disable @typescript-eslint/no-require-imports */
export interface TestNode {
  id: string;
  on(event: string, fn: (...args: any[]) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
  receive(msg: object): void;
  status: { getCalls?: unknown } & ((...args: unknown[]) => void);
  error: { called?: boolean; args?: unknown[][] } & ((...args: unknown[]) => void);
  [key: string]: unknown;
}

export interface Helper {
  init(runtimePath: string, settings?: object): void;
  settings(settings: object): void;
  load(nodes: unknown[], flow: object[], credentials?: object): Promise<void>;
  setFlows(flow: object[], type: "full" | "nodes" | "flows"): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): TestNode;
  startServer(done: () => void): void;
  stopServer(done: () => void): void;
  request(): HttpAgent;
  url(): string;
  log(): { args: unknown[][] };
}

/** What the tests use of supertest (the helper's `request()` is supertest on the admin app). */
export interface HttpAgent {
  get(url: string): HttpCall;
  post(url: string): HttpCall;
}
interface HttpCall {
  expect(status: number): Promise<{ body: object }>;
}

export const helper = require("node-red-node-test-helper") as Helper;
helper.init(require.resolve("node-red"));

const dist = path.join(__dirname, "..", "..", "nodes");
export type NodeModule = (RED: object) => unknown;

/**
 * The package's node module of `type`, given a RED whose `RED._` renders the English catalog as a
 * real runtime does (the test helper's returns the bare key): the catalogs are registered with
 * Node-RED's own i18n under the namespaces its loader gives them, and a key without one gets the
 * node file's, so tests read the texts users see.
 */
export function nodeModule(type: string): NodeModule {
  const module = require(path.join(dist, type)) as NodeModule;
  return async (RED: object) =>
    module(Object.create(RED, { _: { value: await englishText(type) } }) as object);
}

/** `RED._` as a runtime gives it to the node file of `type`, in English. */
export async function englishText(type: string): Promise<(key: string, params?: object) => string> {
  await catalogsReady;
  return (key, params) => i18n._(key.includes(":") ? key : `${catalogNamespace(type)}:${key}`, params);
}

const { i18n } = require("@node-red/util") as {
  i18n: {
    init(settings: object): void;
    registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>;
    _(key: string, params?: object): string;
  };
};
i18n.init({ lang: "en-US" });
const catalogsReady = Promise.all(
  fs
    .readdirSync(path.join(dist, "locales", "en-US"))
    .filter((f) => f.endsWith(".json"))
    .map((f) => i18n.registerMessageCatalog(catalogNamespace(f.slice(0, -5)), path.join(dist, "locales"), f)),
);

export const plcNode = nodeModule("jsscada-plc");
export const fixedNode = nodeModule("jsscada-poll-fixed");
export const engineStatusNode = nodeModule("jsscada-engine-status");
export const catchNode = require("@node-red/nodes/core/common/25-catch.js") as NodeModule;
export const ALL_NODES = [plcNode, fixedNode, engineStatusNode, catchNode];

/** A jsscada-plc config node for a simulator on `port`, with short time-outs for tests. */
export function plcConfig(id: string, port: number, extra: object = {}): object {
  return {
    id,
    type: "jsscada-plc",
    // Not the id: Node-RED takes any property equal to a config node's id for a dependency.
    name: `${id}-sim`,
    host: "127.0.0.1",
    port: String(port),
    transport: "tcp",
    frame: "3E",
    encoding: "binary",
    series: "ql",
    requestTimeout: "300",
    connectTimeout: "500",
    backoffInitial: "50",
    backoffMax: "200",
    ...extra,
  };
}

/** Resolves with the next message the node sends (or rejects after ms). */
export function nextMessage<T = Record<string, unknown>>(node: TestNode, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message from ${node.id} within ${ms} ms`)), ms);
    node.on("input", (msg: T) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

type Spy = { getCalls(): { thisValue: unknown; args: unknown[] }[] };

/**
 * The first argument of every call of a Node method the test helper spies on (status, warn, error)
 * made by this node: the helper's spy is shared by every node.
 */
export function callsOf(node: TestNode, method: "status" | "warn" | "error"): unknown[] {
  return (node[method] as Spy)
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => c.args[0]);
}

/** The status the node shows now (its last node.status call), undefined before any. */
export function lastStatus(node: TestNode): { fill?: string; shape?: string; text?: string } | undefined {
  return callsOf(node, "status").at(-1) as { fill?: string; shape?: string; text?: string } | undefined;
}

/**
 * Triggers the group node `groupId` `n` times, each once the last one's data reached helper `outId`;
 * resolves with the number of requests the last poll took (msg.polling.requests).
 */
export async function triggerPolls(groupId: string, outId: string, n: number): Promise<number> {
  let requests = 0;
  for (let i = 0; i < n; i++) {
    const data = nextMessage<{ polling: { requests: number } }>(helper.getNode(outId));
    helper.getNode(groupId).receive({ topic: "trigger" });
    requests = (await data).polling.requests;
  }
  return requests;
}

/** Collects every message a helper node receives. */
export function collect<T = Record<string, unknown>>(node: TestNode): T[] {
  const out: T[] = [];
  node.on("input", (msg: T) => out.push(msg));
  return out;
}

/** A Catch node for every node, wired to a helper node with id "caught". */
export function catchAll(): object[] {
  return [
    { id: "catch-all", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper" },
  ];
}
