import "should";
import { PlcSimulator } from "../../lib/simulator";
import { ALL_NODES, catchAll, helper, nextMessage, nodeModule, plcConfig } from "../helpers/node-red";

const writeNode = nodeModule("jsscada-write");
const NODES = [...ALL_NODES, writeNode];

interface Msg {
  payload: unknown;
  write?: Record<string, unknown>;
  error?: { message: string; code?: string };
  [k: string]: unknown;
}

function writer(extra: object = {}): object {
  return {
    id: "w-node",
    type: "jsscada-write",
    name: "",
    plc: "plc",
    tags: [
      { name: "speed", address: "D100" },
      { name: "setpoint", address: "D102:float32" },
      { name: "run", address: "M5" },
    ],
    allowMsgAddresses: false,
    allowList: "",
    wires: [["out"]],
    ...extra,
  };
}

describe("jsscada-write", function () {
  let sim: PlcSimulator;

  async function load(
    node: object,
    options: ConstructorParameters<typeof PlcSimulator>[0] = {},
  ): Promise<void> {
    sim = new PlcSimulator(options);
    await sim.start();
    await helper.load(NODES, [
      plcConfig("plc", sim.port),
      node,
      { id: "out", type: "helper" },
      ...catchAll(),
    ]);
  }

  afterEach(async () => {
    await helper.unload();
    await sim.stop();
  });

  it("writes typed values by tag name in one batch and passes the message on with msg.write", async () => {
    await load(writer());
    const before = sim.stats.requests;
    const got = nextMessage<Msg>(helper.getNode("out"));
    helper.getNode("w-node").receive({ payload: { speed: -2, setpoint: 12.5, run: true }, _keep: 1 });
    const msg = await got;
    msg._keep!.should.equal(1);
    msg.write!.should.containEql({ plc: "plc-sim", requests: 2 });
    (msg.write!.written as object).should.eql({ speed: -2, setpoint: 12.5, run: true });
    (sim.stats.requests - before).should.equal(2, "one word request, one bit request");
    sim.memory.readWords("D", 100, 1).should.eql([0xfffe]);
    Buffer.from(Uint16Array.from(sim.memory.readWords("D", 102, 2)).buffer)
      .readFloatLE(0)
      .should.equal(12.5);
    sim.memory.get("M5").should.be.true();
  });

  it("a bare payload goes to the node's single tag", async () => {
    await load(writer({ tags: [{ name: "count", address: "D7:uint32" }] }));
    const got = nextMessage<Msg>(helper.getNode("out"));
    helper.getNode("w-node").receive({ payload: 100000 });
    await got;
    sim.memory.readWords("D", 7, 2).should.eql([100000 & 0xffff, 1]);
  });

  it("refuses addresses in messages unless allowed, and outside the allow-list: done(err), nothing written", async () => {
    await load(writer());
    const caught = nextMessage<Msg>(helper.getNode("caught"));
    const before = sim.stats.requests;
    helper.getNode("w-node").receive({ payload: { speed: 1, D500: 2 } });
    (await caught).error!.message.should.match(/unknown tag "D500".*not allowed/);
    sim.stats.requests.should.equal(before);
  });

  it("with addresses allowed, writes inside the allow-list and refuses the rest", async () => {
    await load(writer({ allowMsgAddresses: true, allowList: "D1000-D1099" }));
    const got = nextMessage<Msg>(helper.getNode("out"));
    helper.getNode("w-node").receive({ payload: { "D1010:int32": 70000, speed: 3 } });
    await got;
    sim.memory.readWords("D", 1010, 2).should.eql([70000 & 0xffff, 1]);
    const caught = nextMessage<Msg>(helper.getNode("caught"));
    helper.getNode("w-node").receive({ payload: { D2000: 1 } });
    (await caught).error!.message.should.match(/D2000 is outside this node's allow-list/);
  });

  it("end code 0055 is a readable error", async () => {
    await load(writer(), { onlineChangeDisabled: true });
    const caught = nextMessage<Msg>(helper.getNode("caught"));
    helper.getNode("w-node").receive({ payload: { speed: 1 } });
    (await caught).error!.message.should.match(
      /PLC is in RUN and online change is disabled \(end code 0055\)/,
    );
  });

  it("a bad tag table keeps the node from writing, with the reason", async () => {
    await load(writer({ tags: [{ name: "b", address: "D100.3" }] }));
    const caught = nextMessage<Msg>(helper.getNode("caught"));
    helper.getNode("w-node").receive({ payload: true });
    (await caught).error!.message.should.match(/bit of a word/);
  });
});
