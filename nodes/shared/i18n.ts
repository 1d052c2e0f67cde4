/**
 * Runtime text through Node-RED's message catalogs (nodes/locales/<lang>/<node type>.json), so a
 * translation is a file, not a code change.
 *
 * Node-RED registers one catalog per node file, under the namespace "<module>/<node type>", and a
 * node module's `RED._("key")` looks in its own one. Texts several nodes share live in the PLC config
 * node's catalog (every other node needs a PLC node, so that catalog is always loaded) and are asked
 * for by their full namespace, as node-red-contrib-home-assistant-websocket asks for "<module>/all:…".
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { NodeAPI } from "node-red";

export type TextParams = Record<string, string | number>;
/** A catalog key (without the node type) and its `__name__` parameters → the text in the runtime's language. */
export type Translate = (key: string, params?: TextParams) => string;

/** The npm module name, which Node-RED uses in catalog namespaces (dist/nodes/shared → package root). */
export const MODULE_NAME: string = (
  JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8")) as {
    name: string;
  }
).name;

/** The catalog namespace Node-RED gives a node file of this package. */
export function catalogNamespace(type: string): string {
  return `${MODULE_NAME}/${type}`;
}

type RedText = (key: string, params?: TextParams) => string;

function redText(RED: NodeAPI): RedText {
  return (RED as unknown as { _: RedText })._;
}

/** Texts of the node type whose module's RED this is: "status.stopped" → "<type>.status.stopped". */
export function textsOf(RED: NodeAPI, type: string): Translate {
  const _ = redText(RED);
  return (key, params) => _(`${type}.${key}`, params);
}

/** Texts shared by several nodes: "status.stopped" → "<module>/jsscada-plc:shared.status.stopped". */
export function sharedTexts(RED: NodeAPI): Translate {
  const _ = redText(RED);
  const ns = catalogNamespace("jsscada-plc");
  return (key, params) => _(`${ns}:shared.${key}`, params);
}
