/**
 * Errors reach Catch nodes as documented, in a real Node-RED runtime: `msg.error.code` and
 * `msg.pollingError` (group, PLC, tag), and an outage of one PLC is a few Catch messages per group, not
 * one per failed poll or per changed retry text.
 */
import "should";
import * as net from "node:net";
import { type FlowNode, type Runtime, request, startRuntime } from "./runtime";

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function flow(port: number): FlowNode[] {
  const z = "c0000000000000t1";
  const groups = [1, 2, 3, 4, 5].map((i) => ({
    id: `c00000000000000${i}`,
    type: "jsscada-poll-fixed",
    z,
    name: "",
    plc: "c0000000000000p1",
    group: `outage-${i}`,
    tags: [{ name: "v", address: "D0" }],
    interval: "200",
    intervalUnit: "ms",
    autoStart: true,
    payloadFormat: "object",
    changedOnly: false,
    wires: [[], []],
  }));
  return [
    { id: z, type: "tab", label: "catch test", disabled: false, info: "" },
    {
      id: "c0000000000000p1",
      type: "jsscada-plc",
      name: "dead PLC",
      host: "127.0.0.1",
      port: String(port),
      transport: "tcp",
      frame: "3E",
      encoding: "binary",
      series: "ql",
      connectTimeout: "300",
      requestTimeout: "300",
      backoffInitial: "100",
      backoffMax: "2000",
      demoteAfter: "3",
      demoteFor: "1000",
    },
    ...groups,
    {
      id: "c0000000000000c1",
      type: "catch",
      z,
      name: "",
      scope: null,
      uncaught: false,
      wires: [["c0000000000000f1"]],
    },
    {
      id: "c0000000000000f1",
      type: "function",
      z,
      name: "keep",
      func:
        "const all = global.get('caught') || [];\n" +
        "all.push({ message: msg.error.message, code: msg.error.code, details: msg.pollingError, legacy: msg._error });\n" +
        "global.set('caught', all);\nreturn null;",
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: "",
      finalize: "",
      libs: [],
      wires: [[]],
    },
    {
      id: "c0000000000000h1",
      type: "http in",
      z,
      url: "/test/caught",
      method: "get",
      upload: false,
      swaggerDoc: "",
      wires: [["c0000000000000h2"]],
    },
    {
      id: "c0000000000000h2",
      type: "function",
      z,
      name: "read",
      func: "msg.payload = global.get('caught') || [];\nreturn msg;",
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: "",
      finalize: "",
      libs: [],
      wires: [["c0000000000000h3"]],
    },
    { id: "c0000000000000h3", type: "http response", z, statusCode: "", headers: {}, wires: [] },
  ];
}

interface Caught {
  message: string;
  code?: string;
  details?: { code: string; group: string; plc: string; suppressed: number };
  legacy?: unknown;
}

describe("errors into Catch nodes", function () {
  this.timeout(60000);
  let rt: Runtime | undefined;
  afterEach(async () => {
    if (rt) String(await rt.stop()).should.equal("0");
    rt = undefined;
  });

  it("an 8 s outage of one PLC with 5 groups at 200 ms: msg.error.code and the group, at most 3 per group", async () => {
    rt = await startRuntime({ flow: flow(await deadPort()) });
    await new Promise((r) => setTimeout(r, 8000));
    const caught = (await request<Caught[]>("GET", `${rt.url}/test/caught`)).body;
    caught.length.should.be.above(4);
    for (const c of caught) {
      String(c.code).should.match(/^MC_/);
      c.details!.code.should.equal(c.code);
      c.details!.plc.should.equal("dead PLC");
      c.details!.group.should.match(/^outage-[1-5]$/);
      c.message.should.match(/^group outage-[1-5]/);
      (c.legacy === undefined).should.be.true();
    }
    for (let i = 1; i <= 5; i++) {
      const mine = caught.filter((c) => c.details!.group === `outage-${i}`);
      mine.length.should.be.within(1, 3, `outage-${i}: ${mine.map((c) => c.code).join(", ")}`);
    }
  });
});
