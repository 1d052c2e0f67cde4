/** jsscada-mc with --frame 1e against the 1E simulator, in every encoding and transport. */
import "should";
import { PlcSimulator } from "../../lib/simulator";
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
