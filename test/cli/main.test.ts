import "should";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { cli, json } from "./helpers";

// The compiled shim next to this compiled test (dist/test/cli -> dist/lib/cli), whatever the outDir.
const MAIN = path.resolve(__dirname, "../../lib/cli/main.js");

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no port printed: ${out}`)), 10_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /^port (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`sim exited early with ${code}: ${out}`)));
  });
}

describe("jsscada-mc executable", () => {
  it("is a node script", () => {
    fs.readFileSync(MAIN, "utf8").should.startWith("#!/usr/bin/env node");
  });

  it("runs by itself after a build, as `npx jsscada-mc` runs it (the build keeps its run bit)", () => {
    (fs.statSync(MAIN).mode & 0o111).should.equal(0o111);
    const out = execFileSync(MAIN, ["--help"], { encoding: "utf8" });
    out.should.match(/jsscada-mc/);
  });

  it("sim serves until SIGINT, then exits 0 and frees the port", async function () {
    this.timeout(20_000);
    const child = spawn(process.execPath, [MAIN, "sim", "--port", "0", "--generators"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const port = await waitForPort(child);
      const written = await cli("write", "D500", "4321", "--port", String(port));
      written.code.should.equal(0);
      json(await cli("read", "D500", "--port", String(port))).should.eql({ D500: 4321 });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      (await exited)!.should.equal(0);
      const after = await cli("read", "D500", "--port", String(port));
      after.code.should.equal(1);
      after.stderr.should.match(/port busy or PLC down/);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
