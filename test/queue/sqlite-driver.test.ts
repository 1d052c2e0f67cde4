/**
 * better-sqlite3 (a native, optional dependency) is loaded by the first disk queue only, and a disk
 * queue on a machine where it cannot load fails with a typed error that says what to do. Each case runs
 * in a fresh Node process, since a module once loaded stays in require's cache.
 */
import "should";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const LIB = path.resolve(__dirname, "../../lib");

function run(script: string, preload?: string): Record<string, unknown> {
  const args = preload ? ["-r", preload, "-e", script] : ["-e", script];
  const out = execFileSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, LIB } });
  return JSON.parse(out.trim().split("\n").pop()!) as Record<string, unknown>;
}

const LOADED = `Object.keys(require.cache).some((f) => f.includes("better-sqlite3"))`;

describe("better-sqlite3 loading", function () {
  this.timeout(20000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "jsscada-driver-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is not loaded by the package or a memory queue, and is loaded by the first disk queue", () => {
    const file = path.join(dir, "q.db");
    const r = run(`
      const q = require(process.env.LIB + "/queue");
      require(process.env.LIB);
      const queue = new q.Queue({ deliver: () => {} });
      queue.put({ n: 1 });
      const before = ${LOADED};
      q.SqliteStore.open(${JSON.stringify(file)}).close();
      console.log(JSON.stringify({ before, after: ${LOADED} }));
      queue.close();
    `);
    r.should.eql({ before: false, after: true });
  });

  it("cannot load: a disk queue fails with QUEUE_STORE_UNAVAILABLE, naming the module and the remedy", () => {
    // A machine where the native module was not built: require() fails as Node fails it.
    const preload = path.join(dir, "no-sqlite.js");
    fs.writeFileSync(
      preload,
      `const Module = require("module");
       const load = Module._load;
       Module._load = function (request, ...rest) {
         if (request === "better-sqlite3") throw new Error("Could not locate the bindings file.\\n tried: ...");
         return load.call(this, request, ...rest);
       };`,
    );
    const r = run(
      `const q = require(process.env.LIB + "/queue");
       const memory = new q.Queue({ deliver: () => {} });
       memory.put({ n: 1 });
       try { q.SqliteStore.open(${JSON.stringify(path.join(dir, "q.db"))}); console.log("{}"); }
       catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, memory: memory.status().size })); }
       memory.close();`,
      preload,
    );
    r.should.have.properties({ name: "QueueStoreError", code: "QUEUE_STORE_UNAVAILABLE", memory: 1 });
    String(r.message).should.match(
      /q\.db: disk queues need the better-sqlite3 module, which cannot be loaded here \(Could not locate the bindings file\.\); reinstall .* or use a memory queue$/,
    );
    fs.existsSync(path.join(dir, "q.db")).should.be.false();
  });
});
