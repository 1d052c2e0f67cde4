/**
 * examples/09 (Dashboard 1, node-red-dashboard 3.6) in Debian's chromium, on its own runtime and user
 * directory: the same operator view as the Dashboard 2 one. With UPDATE_DOCS_IMAGES=1 its screenshot
 * replaces docs/images/dashboard-1.png.
 */
import "should";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { PlcSimulator } from "../../lib/simulator";
import { type Runtime, engineProbe, eventually, exampleFlow, probe, startRuntime } from "../examples/runtime";
import { type Browser, SHOTS, launchChromium, publish } from "./chromium";
import { levelOf } from "./plc-row";

const GROUPS = ["d1-fast", "d1-on-demand", "d1-slow"];

describe("Dashboard 1 example in chromium", function () {
  this.timeout(120000);
  let sim: PlcSimulator;
  let rt: Runtime;
  let browser: Browser;
  let page: Page;

  before(async () => {
    browser = await launchChromium();
    sim = new PlcSimulator();
    await sim.start();
    sim.addGenerator({ kind: "counter", address: "D0", periodMs: 50 });
    rt = await startRuntime({ flow: [...exampleFlow("09-dashboard-1.json", sim.port), ...engineProbe()] });
    page = await browser.context.newPage();
  });

  after(async () => {
    await browser?.close();
    if (rt) String(await rt.stop()).should.equal("0");
    await sim?.stop();
  });

  const row = (name: string) => page.locator(`table.jsscada-d1 tr[data-group="${name}"]`);
  const states = () =>
    page
      .locator("table.jsscada-d1 tr[data-group]")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-state")));

  it("/ui: groups table, Stop All / Start All, a row's Start and Trigger, the queue gauge, both charts", async () => {
    await page.goto(`${rt.url}/ui`);
    await eventually(
      async () => (await page.locator("table.jsscada-d1 tr[data-group]").count()) === 3,
      20000,
      "3 rows",
    );
    (await page.locator("table.jsscada-d1 td.name").allTextContents()).should.deepEqual(GROUPS);

    await page.getByRole("button", { name: "Stop All" }).click();
    await eventually(async () => (await states()).every((s) => s === "stopped"), 10000, "all stopped");
    await page.getByRole("button", { name: "Start All" }).click();
    await eventually(async () => (await states()).every((s) => s === "running"), 10000, "all running");

    await row("d1-slow").locator("button.stop").click();
    await eventually(
      async () => (await row("d1-slow").getAttribute("data-state")) === "stopped",
      10000,
      "d1-slow stopped",
    );
    await row("d1-slow").locator("button.start").click();
    await eventually(
      async () => (await row("d1-slow").getAttribute("data-state")) === "running",
      10000,
      "d1-slow running",
    );

    const polls = async () => (await probe(rt)).groups.find((g) => g.name === "d1-on-demand")!.polls;
    const before = await polls();
    await row("d1-on-demand").locator("button.trigger").click();
    await eventually(async () => (await polls()) > before, 10000, "a triggered poll");
    // "Trigger HANDSHAKE groups" sends one trigger per HANDSHAKE group; the answer shows as a toast
    // (once the row's toast has gone).
    await page.locator("md-toast").first().waitFor({ state: "detached", timeout: 10000 });
    await page.getByRole("button", { name: "Trigger HANDSHAKE groups" }).click();
    await page
      .locator("md-toast")
      .filter({ hasText: /\d{3}: / })
      .first()
      .waitFor({ timeout: 10000 });

    // The queue gauge (this example has no queue: 0 % and says so) and the two charts.
    (await page.locator("ui-gauge, .nr-dashboard-gauge").count()).should.be.aboveOrEqual(1);
    await page.getByText("no queue in this runtime").waitFor({ timeout: 10000 });
    await eventually(
      async () => (await page.locator("ui-chart-js canvas, .nr-dashboard-chart canvas").count()) >= 2,
      10000,
      "2 charts",
    );
    await page.waitForTimeout(3000);
    await page.screenshot({ path: path.join(SHOTS, "dashboard-1.png"), fullPage: true });
    publish("dashboard-1.png");
  });

  it("/ui: the PLC row shows the engine's live load, and turns red when the PLC cannot keep up", async () => {
    const plcRow = page.locator("table.jsscada-d1-plcs tr[data-plc]");
    // One read of the whole row inside the page, so its cells, flag and colour come from one render.
    const shown = () =>
      plcRow.evaluate((tr) => {
        const cell = (c: string) => tr.querySelector(`td.${c}`)!.textContent.trim();
        return {
          level: tr.getAttribute("data-level")!,
          requestsPerSec: Number(cell("req")),
          meanRequestMs: Number(cell("mean")),
          busy: cell("busy"),
          busyColour: getComputedStyle(tr.querySelector("td.busy")!).color,
          connections: cell("conns").split(" · "),
          wordsPerSec: Number(cell("words")),
          saved: Number(cell("saved").split(" ")[0]),
          missed: Number(cell("missed")),
        };
      });
    await eventually(
      async () => {
        if ((await plcRow.count()) !== 1) return false;
        const r = await shown();
        return r.requestsPerSec > 0 && r.meanRequestMs > 0 && r.wordsPerSec > 0;
      },
      20000,
      "a PLC row with requests, request time and words",
    );
    const quiet = await shown();
    quiet.connections.should.have.length(1);
    quiet.level.should.equal(levelOf(parseFloat(quiet.busy)));
    // The figures are the engine's: its total of saved requests never falls behind the row's.
    const engine = (await probe(rt)).plcs[0] as { load: { shared: { saved: number }; missedCycles: number } };
    engine.load.shared.saved.should.be.aboveOrEqual(quiet.saved);

    // A PLC that takes 1.5 s per request cannot answer a group polled every second: over the 10 s
    // window its connection is busy 75–100 % of the time (a group waits for the next grid slot after a
    // missed one), so the row turns red and says so, and cycles are missed.
    sim.setLatency(1500);
    try {
      let loaded = await shown();
      await eventually(
        async () => {
          loaded = await shown();
          // On the way up the row passes yellow: each render flagged by its own busy %.
          loaded.level.should.equal(levelOf(parseFloat(loaded.busy)));
          return loaded.level === "alarm";
        },
        40000,
        "a red row",
      );
      loaded.busy.should.match(/^(9\d|100) % overloaded$/);
      loaded.busyColour.should.equal("rgb(198, 40, 40)");
      await eventually(async () => (await shown()).missed > 0, 10000, "missed cycles counted");
      await page.screenshot({ path: path.join(SHOTS, "dashboard-1-plc-busy.png"), fullPage: true });
    } finally {
      sim.setLatency(0);
    }
  });
});
