/**
 * Admin HTTP routes for the editor, guarded by Node-RED's permissions: tag address validation as you
 * type (by the runtime's own parser, so the editor and deploy agree), and the editor scripts.
 */
import * as path from "node:path";
import type { NodeAPI } from "node-red";
import { parseTagCsv } from "../../lib/engine/tag-csv";
import { type TagOptions, validateTag } from "../../lib/mc/tags";
import { addressingOf } from "./plc-addressing";

const registered = new WeakSet<object>();
/** dist/nodes/editor, where the build copies nodes/editor. */
const EDITOR_DIR = path.join(__dirname, "..", "editor");
/** Only the editor's own files, never a path. */
const EDITOR_FILE = /^jsscada-[a-z0-9-]+\.js$/;

/** The editor's request read as deploy reads the PLC node (1E reaches fewer devices: refused alike). */
export function tagOptionsFromQuery(q: Record<string, unknown>): TagOptions {
  return addressingOf(q);
}

export function registerAdminRoutes(RED: NodeAPI): void {
  // Each node module has its own RED object, but they share one httpAdmin app.
  if (registered.has(RED.httpAdmin)) return;
  registered.add(RED.httpAdmin);
  // POST {addresses: string[], series, encoding, zrHex, octalXY, frame} → {errors: (string|null)[]}
  RED.httpAdmin.post("/jsscada/validate-tags", RED.auth.needsPermission("flows.read"), (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const options = tagOptionsFromQuery(body);
    const addresses = Array.isArray(body.addresses) ? body.addresses : [];
    res.json({ errors: addresses.map((a) => validateTag(String(a), options)) });
  });
  // POST {csv} → {rows} or {error}: the editor's "import CSV" uses the runtime's own CSV reader.
  RED.httpAdmin.post("/jsscada/parse-tag-csv", RED.auth.needsPermission("flows.read"), (req, res) => {
    try {
      const csv = (req.body as { csv?: unknown } | undefined)?.csv;
      res.json({ rows: parseTagCsv(typeof csv === "string" ? csv : "") });
    } catch (err) {
      res.json({ error: (err as Error).message });
    }
  });
  // Editor code, linted and formatted as files: the shared tag table (jsscada/editor.js) and each
  // node's definition (jsscada/editor/<type>.js), loaded by the <script src> tags of the nodes' .html.
  RED.httpAdmin.get("/jsscada/editor.js", (_req, res) => {
    res.sendFile(path.join(EDITOR_DIR, "jsscada-editor.js"));
  });
  RED.httpAdmin.get("/jsscada/editor/:file", (req, res) => {
    const file = String(req.params.file);
    if (!EDITOR_FILE.test(file)) {
      res.sendStatus(404);
      return;
    }
    res.sendFile(path.join(EDITOR_DIR, file), (err) => {
      if (err && !res.headersSent) res.sendStatus(404);
    });
  });
}
