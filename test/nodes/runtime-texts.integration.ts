/**
 * The nodes' texts in a real Node-RED runtime (not the test helper, whose RED._ returns keys): the
 * catalogs Node-RED registers for this package's node files resolve, a node's own keys and the
 * shared ones alike, with their parameters. Every node status is printed to the log by a status node
 * and a console debug node, so statuses are checked as users see them, beside the warnings and errors.
 * Slow (a Node-RED process): an integration test.
 */
import "should";
import { type FlowNode, type Runtime, eventually, startRuntime } from "../examples/runtime";

/** An inject node that sends `payload` (JSON) once, `delay` s after the deploy, to `target`. */
function injectOnce(id: string, target: string, delay: number, payload: unknown, topic = ""): FlowNode {
  return {
    id,
    z: "tab",
    type: "inject",
    props: [{ p: "payload" }, { p: "topic", vt: "str" }],
    topic,
    payload: JSON.stringify(payload),
    payloadType: "json",
    once: true,
    onceDelay: delay,
    repeat: "",
    wires: [[target]],
  };
}

/** A node of `type` (no property may equal a node id: Node-RED would take it for a dependency). */
const node = (id: string, type: string, props: object, outputs = 1): FlowNode => ({
  id,
  z: "tab",
  type,
  wires: Array.from({ length: outputs }, () => []),
  ...props,
});

describe("runtime texts in a real Node-RED runtime", function () {
  this.timeout(60_000);
  let rt: Runtime;

  before(async () => {
    rt = await startRuntime({
      flow: [
        { id: "tab", type: "tab", label: "texts" },
        // Every status of every node, printed as "[info] [debug:statuses] <text>".
        { id: "all-statuses", z: "tab", type: "status", scope: null, wires: [["status-log"]] },
        {
          id: "status-log",
          z: "tab",
          type: "debug",
          name: "statuses",
          active: true,
          tosidebar: false,
          console: true,
          complete: "status.text",
          targetType: "msg",
          wires: [],
        },
        // Refused by the shared scaffold (jsscada-plc catalog, full namespace).
        node("orphan-node", "jsscada-poll-fixed", { plc: "", group: "orphan", tags: [] }, 2),
        // Refused by the node's own catalog text, inside the shared one.
        node(
          "fast-node",
          "jsscada-poll-fixed",
          { plc: "sim-plc", group: "too-fast", interval: "1", tags: [{ name: "a", address: "D0" }] },
          2,
        ),
        { id: "sim-plc", type: "jsscada-plc", name: "texts-plc", host: "127.0.0.1", port: "1" },

        // jsscada-plc: settings it refuses, in its own words, passed on by a group that uses it.
        { id: "bad-port-plc", type: "jsscada-plc", name: "bad-port", host: "127.0.0.1", port: "0" },
        {
          id: "bad-range-plc",
          type: "jsscada-plc",
          name: "bad-range",
          host: "127.0.0.1",
          port: "5000",
          connections: "0",
        },
        node(
          "on-bad-plc-node",
          "jsscada-poll-fixed",
          { plc: "bad-port-plc", group: "on-bad-plc", tags: [] },
          2,
        ),

        // jsscada-write: an address the node does not allow, then a good write (status counts both);
        // and one without a PLC (named by the default label).
        { id: "live-plc", type: "jsscada-plc", name: "live", host: "${PLC_HOST}", port: "${PLC_PORT}" },
        node("writer", "jsscada-write", {
          name: "w",
          plc: "live-plc",
          tags: [{ name: "v", address: "D100" }],
        }),
        injectOnce("write-bad", "writer", 0.3, { D9000: 1 }),
        injectOnce("write-good", "writer", 1.2, 5),
        node("orphan-writer", "jsscada-write", { plc: "", tags: [] }),

        // jsscada-queue: filled to its alarm threshold, asked for a pull it does not do, and a disk
        // queue; a second node with a taken name is refused.
        node("mem-queue", "jsscada-queue", { name: "q-mem", capacity: "2", alarm: "90" }, 2),
        injectOnce("put-1", "mem-queue", 0.3, 1),
        injectOnce("put-2", "mem-queue", 0.5, 2),
        injectOnce("inject-pull", "mem-queue", 0.7, 1, "pull"),
        node("disk-queue", "jsscada-queue", { name: "q-disk", persistence: "disk" }, 2),
        injectOnce("put-disk", "disk-queue", 0.3, 1),
        node("dup-queue", "jsscada-queue", { name: "q-mem" }, 2),

        // jsscada-engine-status: a bad interval, a missing listener, a token variable that is not set.
        node("engine-status", "jsscada-engine-status", {
          interval: "-1",
          auth: "token",
          tokenEnv: "JSSCADA_TEXTS_NO_SUCH_TOKEN",
          websocket: "no-such-listener",
        }),
        // A status set while a node is built comes before the status node listens: starting a group
        // through the engine-status node changes it, and it shows again.
        node(
          "idle-group-node",
          "jsscada-poll-fixed",
          { plc: "live-plc", group: "idle", autoStart: false, tags: [{ name: "a", address: "D0" }] },
          2,
        ),
        injectOnce("inject-start", "engine-status", 0.3, { command: "start", group: "idle" }),
      ],
    });
    // The last status each inject leads to.
    await eventually(
      () =>
        [/1 writes · last 1 tag in 1 req · 1 refused/, /pull needs/, /1\/\d+ groups running/].every((r) =>
          r.test(rt.log()),
        ),
      20_000,
      "the write, queue and engine statuses",
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the runtime printed:\n${rt.log()}`);
    });
  });

  after(async () => {
    await rt?.stop();
  });

  it("refusals read in English, parameters filled, no catalog key left showing", () => {
    const log = rt.log();
    log.should.match(/group orphan: no PLC configured/);
    log.should.match(/group too-fast: interval must be at least 10 ms/);
  });

  it("jsscada-plc: a refused setting, in the log and in the status of a group that uses it", () => {
    const log = rt.log();
    log.should.match(/\[error\] \[jsscada-plc:bad-port\] PLC bad-port: port "0" is not 1–65535/);
    log.should.match(/PLC bad-range: connections must be a number from 1 to 64/);
    log.should.match(/group on-bad-plc: PLC bad-port: port "0" is not 1–65535/);
  });

  it("jsscada-write: a write counted beside a refused one, and a node without a PLC", () => {
    const log = rt.log();
    log.should.match(/\[debug:statuses\] 1 writes · last 1 tag in 1 req · 1 refused/);
    log.should.match(/\[error\] \[jsscada-write:orphan-writer\] write: no PLC configured/);
  });

  it("jsscada-queue: fill and in-flight statuses, the alarm warning, a refused command and name", () => {
    const log = rt.log();
    log.should.match(/\[debug:statuses\] 2 \/ 2 \(100 %\) · 1 in flight/);
    log.should.match(/\[debug:statuses\] 1 \/ 10 000 \(0 %\) · 1 in flight/); // the disk queue
    log.should.match(/queue q-mem: 100 % full \(alarm threshold\)/);
    log.should.match(/queue q-mem: pull needs the pull delivery mode/);
    log.should.match(/queue q-mem: another queue node already has this name/);
  });

  it("jsscada-engine-status: its status with the API lock, and its configuration errors", () => {
    const log = rt.log();
    log.should.match(
      /\[debug:statuses\] 1\/\d+ groups running \(max \d+\) · API locked: JSSCADA_TEXTS_NO_SUCH_TOKEN not set/,
    );
    log.should.match(/interval must be a number of seconds ≥ 0 \(0 = off\), got "-1"/);
    log.should.match(/the WebSocket listener no-such-listener is missing or not a websocket-listener/);
  });

  it("no catalog key and no unfilled parameter shows anywhere", () => {
    rt.log().should.not.match(
      /jsscada-[a-z-]+\.(status|errors|warn|setting|defaultName|log)\b|shared\.\w|__\w+__/,
    );
  });
});
