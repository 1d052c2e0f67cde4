/**
 * Every catalog key the nodes ask for exists in the English catalogs, in the catalog it is asked of:
 * the runtime's `t("…")`/`text("…")`/`shared("…")` calls in nodes/, the editor's `data-i18n`
 * attributes in nodes/*.html, its `this._("…")` calls in nodes/editor/<type>.js and the shared editor
 * script's `text("…")` calls. A key missing here would show raw to users (a real runtime prints the
 * key itself), on paths no other test happens to take.
 */
import "should";
import * as fs from "node:fs";
import * as path from "node:path";
import { MODULE_NAME, catalogNamespace } from "../../nodes/shared/i18n";
import { englishText } from "../helpers/node-red";

const ROOT = path.join(__dirname, "..", "..", "..");
const NODES = path.join(ROOT, "nodes");
const SHARED = "shared";

/** Which catalog each file's translate function reads (`t` is the node's own; `text`/`shared` the shared one). */
const CATALOG_OF_T: Record<string, string> = {
  "shared/fixed-status.ts": "jsscada-poll-fixed",
  "shared/handshake-events.ts": "jsscada-poll-handshake",
  "shared/queue-status.ts": "jsscada-queue",
  "shared/plc-options.ts": "jsscada-plc",
  "shared/group-node.ts": SHARED,
  "shared/status.ts": SHARED,
};

const nodeTypes = fs
  .readdirSync(NODES)
  .filter((f) => /^jsscada-.*\.ts$/.test(f))
  .map((f) => f.slice(0, -3));

/** Whether `key` of `catalog` renders to text, not to the key itself. */
async function resolves(catalog: string, key: string): Promise<boolean> {
  const full = catalog === SHARED ? `${catalogNamespace("jsscada-plc")}:shared.${key}` : `${catalog}.${key}`;
  const text = (await englishText(catalog === SHARED ? "jsscada-plc" : catalog))(full);
  return text !== full && !text.includes(key) && !text.includes(MODULE_NAME);
}

describe("message catalogs: every key the nodes ask for exists", () => {
  it("the runtime's keys, each in the catalog its function reads", async () => {
    const files = [...nodeTypes.map((t) => `${t}.ts`), ...Object.keys(CATALOG_OF_T)];
    const missing: string[] = [];
    let checked = 0;
    for (const file of files) {
      const source = fs.readFileSync(path.join(NODES, file), "utf8");
      for (const [, fn, key] of source.matchAll(/\b(t|text|shared)\("([A-Za-z0-9_.]+)"/g)) {
        const catalog = fn === "t" ? (CATALOG_OF_T[file] ?? file.slice(0, -3)) : SHARED;
        checked++;
        if (!(await resolves(catalog, key!))) missing.push(`${file}: ${catalog} ${key}`);
      }
    }
    missing.should.eql([]);
    checked.should.be.above(60);
  });

  it("every file that translates is listed above, so none is skipped", () => {
    const translating = fs
      .readdirSync(path.join(NODES, "shared"))
      .filter(
        (f) =>
          f !== "i18n.ts" && /\b(t|text): Translate\b|\(key: string\) => string/.test(read(`shared/${f}`)),
      )
      .map((f) => `shared/${f}`);
    translating.should.not.be.empty();
    for (const f of translating) Object.keys(CATALOG_OF_T).should.containEql(f);
  });

  it("the editor's data-i18n keys (labels, options, titles, placeholders)", async () => {
    const missing: string[] = [];
    let checked = 0;
    for (const type of nodeTypes) {
      const html = read(`${type}.html`);
      for (const [, attr] of html.matchAll(/data-i18n="([^"]+)"/g)) {
        for (const part of attr!.split(";")) {
          const key = part.replace(/^\[[a-z]+\]/, "");
          checked++;
          if (!key.startsWith(`${type}.`)) missing.push(`${type}.html: ${key} (not the node's own catalog)`);
          else if (!(await resolves(type, key.slice(type.length + 1)))) missing.push(`${type}.html: ${key}`);
        }
      }
    }
    missing.should.eql([]);
    checked.should.be.above(100);
  });

  it("the editor scripts' own keys (nodes/editor/<type>.js), each in its node's catalog", async () => {
    const missing: string[] = [];
    let checked = 0;
    for (const [type, source] of editorScripts()) {
      // Node-RED's own keys ("notification.…") and prefixes completed at run time ("….outputs." + n) aside.
      for (const [, key] of source.matchAll(/_\("(jsscada-[a-z-]+\.[A-Za-z0-9_.]*[A-Za-z0-9_])"/g)) {
        checked++;
        if (!key!.startsWith(`${type}.`)) missing.push(`${type}.js: ${key} (not the node's own catalog)`);
        else if (!(await resolves(type, key!.slice(type.length + 1)))) missing.push(`${type}.js: ${key}`);
      }
    }
    missing.should.eql([]);
    checked.should.be.above(5);
  });

  it("the shared editor script's keys (jsscada-editor.js), in the poll-fixed catalog's editor section", async () => {
    const source = read(path.join("editor", "jsscada-editor.js"));
    const keys = [...source.matchAll(/\btext\("([A-Za-z0-9_]+)"/g)].map((m) => m[1]!);
    keys.length.should.be.above(8);
    const missing: string[] = [];
    for (const key of keys) {
      if (!(await resolves("jsscada-poll-fixed", `editor.${key}`))) missing.push(key);
    }
    missing.should.eql([]);
  });

  it('the port labels completed at run time ("….outputs." + [...][i]) exist for every port', async () => {
    const missing: string[] = [];
    let checked = 0;
    for (const [type, source] of editorScripts()) {
      for (const [, prefix, list] of source.matchAll(
        /_\("(jsscada-[a-z-]+\.[A-Za-z.]+\.)" \+ \[([^\]]+)\]/g,
      )) {
        for (const [, name] of list!.matchAll(/"([A-Za-z]+)"/g)) {
          checked++;
          if (!(await resolves(type, `${prefix!.slice(type.length + 1)}${name!}`))) {
            missing.push(`${type}.js: ${prefix!}${name!}`);
          }
        }
      }
    }
    missing.should.eql([]);
    checked.should.be.above(6);
  });
});

/** Each node type's editor script (nodes/editor/<type>.js), for the types that have one. */
function editorScripts(): [type: string, source: string][] {
  return nodeTypes
    .filter((type) => fs.existsSync(path.join(NODES, "editor", `${type}.js`)))
    .map((type) => [type, read(path.join("editor", `${type}.js`))]);
}

function read(file: string): string {
  return fs.readFileSync(path.join(NODES, file), "utf8");
}
