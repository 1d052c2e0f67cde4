/**
 * A 1E PLC (FX3U with an Ethernet adapter, as the simulator plays it) in a flow: the PLC node's frame
 * choice reaches the runtime, a FIXED group polls it and a write node writes to it, with X/Y in octal.
 */
import "should";
import { validateTag } from "../../lib/mc/tags";
import { PlcSimulator } from "../../lib/simulator";
import { tagOptionsFromQuery } from "../../nodes/shared/admin";
import { until } from "../helpers/scripted-peer";
import {
  ALL_NODES,
  catchAll,
  helper,
  nextMessage,
  nodeModule,
  plcConfig,
  triggerPolls,
} from "../helpers/node-red";

const writeNode = nodeModule("jsscada-write");
const NODES = [...ALL_NODES, writeNode];

interface Msg {
  payload: Record<string, unknown>;
  polling?: Record<string, unknown>;
  write?: Record<string, unknown>;
  error?: { message: string };
}

const TAGS = [
  { name: "speed", address: "D100" },
  { name: "total", address: "D200:int32" },
  { name: "lamp", address: "Y17" },
  { name: "flags", address: "M0:bool[4]" },
];

function flow(port: number, tags = TAGS): object[] {
  return [
    plcConfig("plc", port, { frame: "1E", encoding: "ascii", octalXY: true }),
    {
      id: "g-node",
      type: "jsscada-poll-fixed",
      name: "",
      plc: "plc",
      group: "fx",
      tags,
      interval: "50",
      intervalUnit: "ms",
      autoStart: true,
      payloadFormat: "object",
      changedOnly: false,
      wires: [["out"], []],
    },
    {
      id: "w-node",
      type: "jsscada-write",
      name: "",
      plc: "plc",
      tags,
      allowMsgAddresses: false,
      allowList: "",
      wires: [["written"]],
    },
    { id: "out", type: "helper" },
    { id: "written", type: "helper" },
    ...catchAll(),
  ];
}

describe("a 1E PLC in a FIXED group and a write node", function () {
  let sim: PlcSimulator;

  beforeEach(async () => {
    sim = new PlcSimulator({ frame: "1E", encoding: "ascii" });
    await sim.start();
  });

  afterEach(async () => {
    await helper.unload();
    await sim.stop();
  });

  it("writes through the write node and polls the values back over 1E frames", async () => {
    await helper.load(NODES, flow(sim.port));
    const written = nextMessage<Msg>(helper.getNode("written"));
    helper.getNode("w-node").receive({
      payload: { speed: -7, total: 123456, lamp: true, flags: [true, false, false, true] },
    });
    (await written).write!.should.containEql({ plc: "plc-sim" });
    // Y17 is octal on an FX: point 15.
    sim.memory.readBits("Y", 15, 1).should.eql([true]);
    const out = helper.getNode("out");
    let msg: Msg;
    do msg = await nextMessage<Msg>(out);
    while (msg.payload.speed !== -7);
    msg.payload.should.eql({ speed: -7, total: 123456, lamp: true, flags: [true, false, false, true] });
    msg.polling!.quality!.should.equal("good");
    // D100–D201 is more than one 64-word read: D, Y and M take one 1E batch read (01) each, or two for D.
    (msg.polling!.requests as number).should.equal(4);
    Object.keys(sim.stats.byCommand)
      .every((k) => /^0[0-5]$/.test(k))
      .should.be.true();
  });

  it("flags a device 1E cannot reach at deploy, naming the 1E devices, and does not poll", async () => {
    // Beside it, a group on the same PLC polled only when asked, with requests of its own.
    const beside = {
      ...(flow(sim.port)[1] as object),
      id: "beside-node",
      group: "beside",
      tags: [{ name: "x", address: "D100" }],
      autoStart: false,
      shareReads: false,
      wires: [["beside"], []],
    };
    await helper.load(NODES, [
      ...flow(sim.port, [{ name: "bad", address: "SD203" }]),
      beside,
      { id: "beside", type: "helper" },
    ]);
    const g = helper.getNode("g-node");
    await until(() => (g.error as unknown as { called: boolean }).called);
    String((g.error as unknown as { args: unknown[][] }).args[0]![0]).should.match(
      /row 1 \(bad\).*SD cannot be reached with 1E frames/,
    );
    // g would have polled at deploy and every 50 ms since: the PLC saw only the two polls beside it.
    const perPoll = await triggerPolls("beside-node", "beside", 2);
    sim.stats.requests.should.equal(2 * perPoll);
  });
});

describe("the editor's tag check for a 1E PLC", () => {
  it("refuses the devices 1E cannot reach and reads X/Y in octal, as deploy does", () => {
    const options = tagOptionsFromQuery({ series: "ql", encoding: "binary", octalXY: "true", frame: "1E" });
    (validateTag("D100", options) === null).should.be.true();
    validateTag("SD203", options)!.should.match(/SD cannot be reached with 1E frames/);
    validateTag("X18", options)!.should.match(/digit 8 or 9 in octal/);
    (validateTag("SD203", tagOptionsFromQuery({ series: "ql", frame: "3E" })) === null).should.be.true();
  });
});
