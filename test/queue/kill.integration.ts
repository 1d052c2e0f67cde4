import { spawn } from "node:child_process";
import path from "node:path";
import "should";
import { SqliteStore } from "../../lib/queue";
import { tempDir } from "./helpers";

describe("persistent queue survives kill -9", () => {
  it("keeps every message whose put was acknowledged", async function () {
    this.timeout(30_000);
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, "queue.db");
      const child = spawn(process.execPath, [path.join(__dirname, "fixtures", "put-until-killed.js"), file], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let output = "";
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on("exit", (_c, signal) => resolve(signal)),
      );
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => {
        output += chunk;
        if (output.length > 200_000 && !child.killed) child.kill("SIGKILL");
      });
      (await exited)!.should.equal("SIGKILL");

      // A line counts only when complete: a partial last line was not acknowledged in full.
      const reported = output.split("\n").slice(0, -1).map(Number);
      reported.length.should.be.above(10_000);

      const store = SqliteStore.open<{ seq: number }>(file);
      const stored = new Set<number>();
      for (let after = 0; ;) {
        const rows = store.read(after, 10_000);
        const last = rows.at(-1);
        if (last === undefined) break;
        for (const row of rows) stored.add(row.payload.seq);
        after = last.seq;
      }
      store.close();
      const missing = reported.filter((s) => !stored.has(s));
      missing.should.eql([]);
      stored.size.should.be.aboveOrEqual(reported.length);
    } finally {
      tmp.remove();
    }
  });
});
