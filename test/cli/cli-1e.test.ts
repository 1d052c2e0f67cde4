/** jsscada-mc with --frame 1e against the 1E simulator, in every encoding and transport. */
import "should";
import { runCli } from "../../lib/cli/run";
import { PlcSimulator } from "../../lib/simulator";
import { until } from "../helpers/scripted-peer";
import { cli, json } from "./helpers";

for (const encoding of ["binary", "ascii"] as const) {
  for (const transport of ["tcp", "udp"] as const) {
    describe(`jsscada-mc --frame 1e (${encoding}, ${transport})`, () => {
      let sim: PlcSimulator;
      let flags: string[];
      before(async () => {
        sim = new PlcSimulator({ frame: "1E", encoding, transport });
        flags = ["--port", String(await sim.start()), "--frame", "1e", `--${encoding}`, `--${transport}`];
      });
      after(() => sim.stop());

      it("writes and reads tags, X/Y in octal with --octal-xy", async () => {
        const w = await cli(
          "write",
          ...["D100", "-123", "D200:float32", "1.5", "M3", "true", "Y17", "true", "R10:string(4)", "FX3U"],
          ...flags,
          "--octal-xy",
        );
        w.stderr.should.equal("");
        w.stdout.should.match(/^OK: wrote 5 tags in \d+ requests?\n$/);
        sim.memory.readBits("Y", 15, 1).should.eql([true]);
        const r = await cli(
          "read",
          "D100",
          "D200:float32",
          "M3",
          "Y17",
          "R10:string(4)",
          ...flags,
          "--octal-xy",
        );
        r.code.should.equal(0);
        json(r).should.eql({ D100: -123, "D200:float32": 1.5, M3: true, Y17: true, "R10:string(4)": "FX3U" });
      });

      it("info prints the 1-byte model code and a loopback round trip", async () => {
        const r = await cli("info", ...flags);
        r.code.should.equal(0);
        r.stdout.should.match(/\(1E .*\)\nmodel: +FX3U\/FX3UC\ncode: +0x00F3\nloopback: OK/);
      });

      it("refuses devices 1E cannot reach as a usage error (exit 2), sending nothing", async () => {
        const before = sim.stats.requests;
        const r = await cli("read", "SD203", ...flags);
        r.code.should.equal(2);
        r.stderr.should.match(/SD cannot be reached with 1E frames/);
        sim.stats.requests.should.equal(before);
      });
    });
  }
}

/** Runs `jsscada-mc sim ARGS` in-process until the returned stop() is called. */
async function startSim(
  args: string[],
): Promise<{ port: string; out: () => string; stop: () => Promise<number> }> {
  const abort = new AbortController();
  let out = "";
  const done = runCli(["sim", "--port", "0", ...args], {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (out += t) },
    signal: abort.signal,
  });
  await until(() => /^port \d+$/m.test(out) || /jsscada-mc sim:/.test(out), 5000, "the simulator to listen");
  return {
    port: /^port (\d+)$/m.exec(out)?.[1] ?? "",
    out: () => out,
    stop: () => {
      abort.abort();
      return done;
    },
  };
}

describe("jsscada-mc sim --frame 1e and --modules", () => {
  it("serves 1E frames as an FX3U would", async () => {
    const sim = await startSim(["--frame", "1e", "--ascii"]);
    try {
      sim.out().should.match(/1E ascii over TCP/);
      (await cli("write", "D5", "1308", "--port", sim.port, "--frame", "1e", "--ascii")).code.should.equal(0);
      json(await cli("read", "D5", "--port", sim.port, "--frame", "1e", "--ascii")).should.eql({ D5: 1308 });
    } finally {
      (await sim.stop()).should.equal(0);
    }
  });

  it("holds buffer memory for the modules given and answers 4043 for the others", async () => {
    const sim = await startSim(["--modules", "2=100,3E0=10", "--series", "iqr"]);
    try {
      const flags = ["--port", sim.port, "--series", "iqr"];
      (await cli("write", "U2\\G99", "7", "U3E0\\HG9", "8", ...flags)).code.should.equal(0);
      json(await cli("read", "U2\\G99", "U3E0\\HG9", ...flags)).should.eql({ "U2\\G99": 7, "U3E0\\HG9": 8 });
      const missing = await cli("read", "U1\\G0", ...flags);
      missing.code.should.equal(1);
      missing.stderr.should.match(/4043/);
    } finally {
      await sim.stop();
    }
    (await cli("sim", "--modules", "G1")).stderr.should.match(/--modules takes MODULE=WORDS pairs/);
  });
});
