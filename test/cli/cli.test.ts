import "should";
import * as net from "node:net";
import { runCli } from "../../lib/cli/run";
import { type Series } from "../../lib/mc/devices";
import { PlcSimulator } from "../../lib/simulator";
import { cli, json } from "./helpers";

interface Combo {
  readonly frame: "3E" | "4E";
  readonly encoding: "binary" | "ascii";
  readonly transport: "tcp" | "udp";
  readonly series: Series;
}

const COMBOS: Combo[] = (["3E", "4E"] as const).flatMap((frame) =>
  (["binary", "ascii"] as const).flatMap((encoding) =>
    (["tcp", "udp"] as const).flatMap((transport) =>
      (["ql", "iqr"] as const).map((series) => ({ frame, encoding, transport, series })),
    ),
  ),
);

function flags(c: Combo, port: number): string[] {
  return [
    "--port",
    String(port),
    "--frame",
    c.frame.toLowerCase(),
    `--${c.encoding}`,
    `--${c.transport}`,
    "--series",
    c.series,
  ];
}

describe("jsscada-mc CLI against the simulator", () => {
  for (const c of COMBOS) {
    describe(`${c.frame} ${c.encoding} ${c.transport} ${c.series}`, () => {
      let sim: PlcSimulator;
      before(async () => {
        sim = new PlcSimulator({
          frame: c.frame,
          encoding: c.encoding,
          transport: c.transport,
          series: c.series,
        });
        await sim.start();
      });
      after(() => sim.stop());

      it("writes tags of several types and reads them back as JSON", async () => {
        const w = await cli(
          "write",
          ...["D100", "-123", "D200:float32", "1.5", "M3", "true", "W1A:uint16", "65535"],
          ...["D300:string(8)", "hello", "ZR100:int32", "-70000", "X10:bool[3]", "[true,false,true]"],
          ...flags(c, sim.port),
        );
        w.stderr.should.equal("");
        w.code.should.equal(0);
        w.stdout.should.match(/^OK: wrote 7 tags in \d+ requests?\n$/);
        const r = await cli(
          "read",
          ...["D100", "D200:float32", "M3", "W1A:uint16", "D300:string(8)", "ZR100:int32", "X10:bool[3]"],
          ...flags(c, sim.port),
        );
        r.stderr.should.equal("");
        r.code.should.equal(0);
        json(r).should.eql({
          D100: -123,
          "D200:float32": 1.5,
          M3: true,
          "W1A:uint16": 65535,
          "D300:string(8)": "hello",
          "ZR100:int32": -70000,
          "X10:bool[3]": [true, false, true],
        });
        sim.memory.readWords("W", 0x1a, 1).should.eql([0xffff]);
      });

      it("info prints the CPU model, its code and a loopback round trip", async () => {
        const r = await cli("info", ...flags(c, sim.port));
        r.code.should.equal(0);
        r.stdout.should.match(c.series === "iqr" ? /model: +R08CPU\n/ : /model: +Q03UDVCPU\n/);
        r.stdout.should.match(c.series === "iqr" ? /code: +0x4801\n/ : /code: +0x0366\n/);
        r.stdout.should.match(/loopback: OK, round trip \d+\.\d\d ms/);
      });
    });
  }

  describe("values and errors", () => {
    let sim: PlcSimulator;
    beforeEach(async () => {
      sim = new PlcSimulator();
      await sim.start();
    });
    afterEach(() => sim.stop());
    const port = () => ["--port", String(sim.port)];

    it("prints 64-bit values beyond 2^53 exactly", async () => {
      (
        await cli(
          "write",
          "D0:uint64",
          "18446744073709551615",
          "D4:int64[2]",
          "[-9007199254740993, 5]",
          ...port(),
        )
      ).code.should.equal(0);
      const r = await cli("read", "D0:uint64", "D4:int64[2]", ...port());
      r.stdout.should.equal('{"D0:uint64":18446744073709551615,"D4:int64[2]":[-9007199254740993,5]}\n');
    });

    it("takes text that is not JSON as a string", async () => {
      (await cli("write", "D10:string(6)", "a b:c", ...port())).code.should.equal(0);
      json(await cli("read", "D10:string(6)", ...port())).should.eql({ "D10:string(6)": "a b:c" });
    });

    it("exits 1 with 'port busy or PLC down' when the connection is refused", async () => {
      const free = await freePort();
      const r = await cli("read", "D0", "--port", String(free));
      r.code.should.equal(1);
      r.stdout.should.equal("");
      r.stderr.should.match(/connection refused \(port busy or PLC down\)/);
    });

    it("exits 1 naming the end code and its meaning when the PLC refuses", async () => {
      const r = await cli("read", "D20000", ...port());
      r.code.should.equal(1);
      r.stderr.should.match(
        /"D20000": PLC end code 4031: start address or range outside the configured device range/,
      );
      sim.failNext(0xc059);
      const i = await cli("info", ...port());
      i.code.should.equal(1);
      i.stderr.should.match(/read CPU model: PLC end code C059: command or subcommand wrong/);
    });

    it("prints the good tags and exits 1 when only some tags fail", async () => {
      sim.memory.writeWords("D", 5, [42]);
      const r = await cli("read", "D5", "D20000", ...port());
      r.code.should.equal(1);
      json(r).should.eql({ D5: 42, D20000: null });
      r.stderr.should.match(/4031/);
    });

    it("exits 1 on a time-out and hints at the data code", async () => {
      sim.stall(true);
      const r = await cli("read", "D0", "--timeout", "150", ...port());
      r.code.should.equal(1);
      r.stderr.should.match(/timed out after 150 ms/);
      r.stderr.should.match(/--binary\/--ascii/);
    });

    it("exits 2 for a bad address, quoting it, without contacting the PLC", async () => {
      const r = await cli("read", "D0", "DQ5", ...port());
      r.code.should.equal(2);
      r.stderr.should.match(/unknown device "DQ" in "DQ5"/);
      sim.stats.connectionsAccepted.should.equal(0);
    });

    it("exits 2 for unknown options, bad option values and missing values", async () => {
      const cases: [string[], RegExp][] = [
        [["read", "D0", "--bogus"], /Unknown option '--bogus'/],
        [["read", "D0", "--frame", "5e"], /--frame must be 1e, 3e or 4e/],
        [["read", "D0", "--series", "fx"], /--series must be ql, iqr or iqf/],
        [["read", "D0", "--port", "70000"], /--port must be a whole number from 1 to 65535/],
        [["read", "D0", "--ascii", "--binary"], /--binary and --ascii exclude each other/],
        [["read", "D0", "--timeout"], /argument missing/],
        [["read"], /no address given/],
        [["write", "D0", "1", "D1"], /"D1" has no value/],
        [["write", "D0", "abc"], /cannot write "abc" to "D0": int16 needs a number/],
        [["write", "D0.3", "1"], /single bit of a word cannot be written/],
        [["info", "extra"], /unexpected argument "extra"/],
        [["sim", "--host", "0.0.0.0"], /--listen HOST/],
        [["frobnicate"], /unknown command "frobnicate"/],
      ];
      for (const [[command, ...rest], message] of cases) {
        const argv = [command!, ...port(), ...rest];
        const r = await cli(...argv);
        r.code.should.equal(2, argv.join(" "));
        r.stderr.should.match(message);
      }
      sim.stats.requests.should.equal(0);
    });

    it("prints help for the top level and for each command with exit 0", async () => {
      for (const argv of [
        ["--help"],
        ["-h"],
        ["read", "--help"],
        ["write", "-h"],
        ["info", "--help"],
        ["sim", "--help"],
      ]) {
        const r = await cli(...argv);
        r.code.should.equal(0, argv.join(" "));
        r.stdout.should.match(/^Usage: jsscada-mc/);
      }
      (await cli("sim", "--help")).stdout.should.match(/--max-clients N/);
      (await cli()).code.should.equal(2);
    });

    it("sim reports a busy port as exit 1", async () => {
      const r = await cli("sim", "--port", String(sim.port));
      r.code.should.equal(1);
      r.stderr.should.match(/cannot listen on 127\.0\.0\.1:\d+: already in use/);
    });
  });

  describe("sim in-process", () => {
    it("serves reads and writes with its options until aborted, then frees the port", async () => {
      const abort = new AbortController();
      let out = "";
      const done = runCli(
        [
          "sim",
          "--port",
          "0",
          "--frame",
          "4e",
          "--ascii",
          "--generators",
          "--max-clients",
          "1",
          "--latency",
          "2",
        ],
        {
          stdout: { write: (t: string) => (out += t) },
          stderr: { write: () => undefined },
          signal: abort.signal,
        },
      );
      const port = await new Promise<number>((resolve) => {
        const poll = setInterval(() => {
          const m = /^port (\d+)$/m.exec(out);
          if (m) {
            clearInterval(poll);
            resolve(Number(m[1]));
          }
        }, 5);
      });
      out.should.match(/4E ascii over TCP, series ql/);
      await new Promise((r) => setTimeout(r, 250));
      const r = await cli("read", "D0", "D1", "M0", "--port", String(port), "--frame", "4e", "--ascii");
      r.code.should.equal(0);
      (json(r).D0 as number).should.be.above(0); // the counter generator runs
      abort.abort();
      (await done).should.equal(0);
      out.should.match(/simulator stopped/);
      (await cli("read", "D0", "--port", String(port))).code.should.equal(1);
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
