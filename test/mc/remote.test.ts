/**
 * Remote operations (1001 RUN with clear modes, 1002 STOP, 1003 PAUSE, 1005 LATCH CLEAR, 1006 RESET)
 * byte for byte against the request data in the iQ-R MC manual (SH-080008 p.174–178, E71 examples;
 * ../shared/MC-1E-AND-BUFFER.md Part C), and against the simulator, whose SD203 and SD210–SD216 follow
 * the CPU state and its clock; plus the CLI commands and the CPU model padding.
 */
import "should";
import { McClient } from "../../lib/mc/client";
import { batchReadWords, remoteOperation, type Command } from "../../lib/mc/commands";
import { deviceByName } from "../../lib/mc/devices";
import { McEndCodeError } from "../../lib/mc/errors";
import { type Encoding, FieldWriter } from "../../lib/mc/wire";
import { PlcSimulator } from "../../lib/simulator";
import { cli } from "../cli/helpers";
import { until } from "../helpers/scripted-peer";

/** Command + subcommand + data as the manual prints them (binary: LE; ASCII: hex text). */
function requestData(encoding: Encoding, cmd: Command<unknown>): string {
  const w = new FieldWriter({ encoding, series: "ql" });
  w.u16(cmd.command).u16(cmd.subcommand);
  cmd.write(w);
  return encoding === "ascii" ? w.toBuffer().toString("latin1") : w.toBuffer().toString("hex").toUpperCase();
}

describe("remote operations: the manual's request data", () => {
  it("1001 RUN clear all, 1002 STOP, 1003 PAUSE, 1005 LATCH CLEAR, 1006 RESET", () => {
    const cases: [Command<void>, string, string][] = [
      [remoteOperation("run", false, "all"), "0110000001000200", "1001000000010200"],
      [remoteOperation("stop"), "021000000100", "100200000001"],
      [remoteOperation("pause"), "031000000100", "100300000001"],
      [remoteOperation("latch-clear"), "051000000100", "100500000001"],
      [remoteOperation("reset"), "061000000100", "100600000001"],
    ];
    for (const [cmd, binary, ascii] of cases) {
      requestData("binary", cmd).should.equal(binary);
      requestData("ascii", cmd).should.equal(ascii);
    }
    requestData("binary", remoteOperation("run", true, "outside-latch")).should.equal("0110000003000100");
    (() => remoteOperation("stop", false, "all")).should.throw({ code: "MC_BAD_VALUE" });
  });
});

for (const c of [
  { frame: "3E", encoding: "binary", transport: "tcp" },
  { frame: "4E", encoding: "ascii", transport: "udp" },
] as const) {
  describe(`remote operations against the simulator (${c.frame} ${c.encoding} ${c.transport})`, () => {
    let sim: PlcSimulator;
    let client: McClient;
    let clock = Date.UTC(2026, 10, 30, 12, 0, 0);
    const sd = (n: number, count = 1) =>
      client.request(batchReadWords(client.format, { device: deviceByName("SD")!, number: n }, count));

    beforeEach(async () => {
      sim = new PlcSimulator({ ...c, now: () => clock });
      client = new McClient({ host: "127.0.0.1", port: await sim.start(), ...c });
    });
    afterEach(async () => {
      client.close();
      await sim.stop();
    });

    it("SD203 follows RUN, STOP and PAUSE", async () => {
      (await sd(203)).should.eql([0]);
      await client.remote("stop");
      sim.cpuState.should.equal("stop");
      (await sd(203)).should.eql([1]);
      await client.remote("pause", true);
      (await sd(203)).should.eql([2]);
      await client.remote("run", false, "outside-latch");
      (await sd(203)).should.eql([0]);
      sim.cpuState = "stop";
      (await sd(203)).should.eql([1]);
    });

    it("SD210–SD216 hold the simulator's clock (local time), refreshed each second", async () => {
      const at = (ms: number) => {
        const t = new Date(ms);
        return [
          t.getFullYear(),
          t.getMonth() + 1,
          t.getDate(),
          t.getHours(),
          t.getMinutes(),
          t.getSeconds(),
          t.getDay(),
        ];
      };
      (await sd(210, 7)).should.eql(at(clock));
      clock += 61_000;
      (await sd(210, 7)).should.eql(at(clock));
    });

    it("LATCH CLEAR and RESET only in STOP (4013 otherwise); latch clear zeroes L, reset returns to RUN", async () => {
      sim.memory.set("L5", true);
      const refused = (await client.remote("latch-clear").catch((e: unknown) => e)) as McEndCodeError;
      refused.should.be.instanceOf(McEndCodeError);
      refused.endCode.should.equal(0x4013);
      await client.remote("reset").should.be.rejectedWith({ endCode: 0x4013 });
      sim.memory.get("L5").should.be.true();
      await client.remote("stop");
      await client.remote("latch-clear");
      sim.memory.get("L5").should.be.false();
      await client.remote("reset");
      sim.cpuState.should.equal("run");
      if (c.transport === "tcp")
        await until(() => client.state === "disconnected", 2000, "the reset to drop the connection");
      // The client reconnects on demand after the CPU came back.
      (await sd(203)).should.eql([0]);
    });
  });
}

describe("CPU model padding", () => {
  for (const padding of ["space", "nul"] as const) {
    it(`the client trims a model name padded with ${padding === "nul" ? "NULs" : "spaces"}`, async () => {
      const sim = new PlcSimulator({ model: "MOCK-PLC", modelPadding: padding });
      const client = new McClient({ host: "127.0.0.1", port: await sim.start() });
      try {
        (await client.readCpuModel()).model.should.equal("MOCK-PLC");
        const r = await cli("info", "--port", String(sim.port));
        r.stdout.should.match(/model: +MOCK-PLC\n/);
        r.stdout.includes("\0").should.be.false();
      } finally {
        client.close();
        await sim.stop();
      }
    });
  }
});

describe("jsscada-mc run|stop|pause|reset|latch-clear", () => {
  let sim: PlcSimulator;
  let port: string;
  beforeEach(async () => {
    sim = new PlcSimulator();
    port = String(await sim.start());
  });
  afterEach(() => sim.stop());

  it("stop, pause and run change the CPU state", async () => {
    (await cli("stop", "--port", port)).stdout.should.equal("OK: remote STOP\n");
    sim.cpuState.should.equal("stop");
    (await cli("pause", "--port", port, "--force")).code.should.equal(0);
    sim.cpuState.should.equal("pause");
    (await cli("run", "--port", port)).code.should.equal(0);
    sim.cpuState.should.equal("run");
  });

  it("the destructive ones want --yes, and sending nothing without it", async () => {
    for (const args of [["reset"], ["latch-clear"], ["run", "--clear", "all"]]) {
      const r = await cli(...args, "--port", port);
      r.code.should.equal(2);
      r.stderr.should.match(/add --yes to confirm/);
    }
    sim.stats.requests.should.equal(0);
    (await cli("run", "--clear", "sometimes", "--port", port)).stderr.should.match(
      /--clear must be none, outside-latch, all/,
    );
  });

  it("reset --yes: 4013 in RUN (exit 1), restarts from STOP (exit 0)", async () => {
    const refused = await cli("reset", "--yes", "--port", port);
    refused.code.should.equal(1);
    refused.stderr.should.match(/end code 4013/);
    sim.cpuState = "stop";
    const r = await cli("reset", "--yes", "--port", port);
    r.stdout.should.equal("OK: remote RESET\n");
    sim.cpuState.should.equal("run");
    (await cli("latch-clear", "--yes", "--port", port)).code.should.equal(1);
  });

  it("1E has only run and stop", async () => {
    const sim1E = new PlcSimulator({ frame: "1E" });
    const p = String(await sim1E.start());
    try {
      (await cli("stop", "--port", p, "--frame", "1e")).code.should.equal(0);
      sim1E.cpuState.should.equal("stop");
      const r = await cli("pause", "--port", p, "--frame", "1e");
      r.code.should.equal(2);
      r.stderr.should.match(/1E frames have no remote PAUSE/);
    } finally {
      await sim1E.stop();
    }
  });
});
