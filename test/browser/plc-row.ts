/**
 * The PLC load row of the operator views (demo/pages/polling.html, Dashboard 2, Dashboard 1), read the
 * way an operator reads it, and checked against the engine's own figures (plcs[].load).
 */
import "should";
import type { Page } from "playwright-core";
import { eventually } from "../examples/runtime";

/** The row's cells as shown, and the engine status the page rendered them from, read at one instant. */
interface ShownRow {
  level: string;
  cells: Record<string, string>;
  plc: {
    connections: number;
    load: {
      requestsPerSec: number;
      meanRequestMs: number | null;
      busyPercent: number;
      busyPercentByConnection: number[];
      wordsPerSec: number;
      savedPerSec: number;
      shared: { saved: number };
      missedCycles: number;
    };
  } | null;
}

export function levelOf(busyPercent: number): string {
  return busyPercent >= 90 ? "alarm" : busyPercent >= 70 ? "warn" : "ok";
}

/** The operator page's row for `plc`, and the plcs[] entry of the status it shows. */
function readPageRow(page: Page, plc: string): Promise<ShownRow | null> {
  return page.evaluate((name) => {
    const tr = document.querySelector(`#plcs tbody tr[data-plc="${name}"]`);
    const status = (
      window as unknown as { pollingPage: { status(): { plcs: ShownRow["plc"][] } } }
    ).pollingPage.status();
    if (!tr || !status) return null;
    const cells: Record<string, string> = {};
    tr.querySelectorAll("td").forEach((td) => {
      if (td.className) cells[td.className.replace(/^num /, "")] = td.textContent ?? "";
    });
    const shown = (status.plcs as Array<{ displayName?: string } | null>).find(
      (p) => p?.displayName === name,
    );
    return { level: tr.getAttribute("data-level") ?? "", cells, plc: (shown as ShownRow["plc"]) ?? null };
  }, plc);
}

/**
 * The operator page shows `plc` with the engine's figures, the PLC is really polled (requests, request
 * time and words above 0), the row is flagged by its busy %, and `saved` grows while groups share reads.
 */
export async function pageShowsPlcLoad(page: Page, plc: string): Promise<void> {
  let row: ShownRow | null = null;
  await eventually(
    async () => {
      row = await readPageRow(page, plc);
      return Boolean(row?.plc && row.plc.load.requestsPerSec > 0 && row.plc.load.wordsPerSec > 0);
    },
    20000,
    `a PLC row for ${plc} with requests and words`,
  );
  const first = row!;
  const load = first.plc!.load;
  first.cells.req!.should.equal(load.requestsPerSec.toFixed(1));
  first.cells.mean!.should.equal(`${load.meanRequestMs!.toFixed(1)} ms`);
  load.meanRequestMs!.should.be.above(0);
  first.cells.busy!.should.equal(`${load.busyPercent.toFixed(0)} %`);
  first.cells.conns!.split(" · ").should.have.length(first.plc!.connections);
  first.cells.words!.should.equal(load.wordsPerSec.toFixed(0));
  first.cells.saved!.should.equal(`${load.shared.saved} (${load.savedPerSec.toFixed(1)}/s)`);
  first.cells.missed!.should.equal(String(load.missedCycles));
  first.level.should.equal(levelOf(load.busyPercent));
  // Live, not a snapshot: the saved-requests total goes on rising as shared cycles come round.
  await eventually(
    async () => {
      const now = await readPageRow(page, plc);
      return Number(now?.cells.saved?.split(" ")[0]) > load.shared.saved;
    },
    20000,
    "requests saved by sharing to rise",
  );
}

/** Dashboard 2's PLC table row for `plc`: its cells in column order (flag, PLC, state, busy, …). */
export async function dashboard2PlcCells(page: Page, plc: string): Promise<string[]> {
  const row = page
    .locator("tr")
    .filter({ has: page.locator("td", { hasText: plc }) })
    .filter({
      has: page.locator(".nrdb-ui-table-cell-color-spot"),
    });
  return row.first().locator("td").allTextContents();
}

/** The flag colour of Dashboard 2's PLC row, as the browser computes it. */
export function dashboard2PlcFlag(page: Page, plc: string): Promise<string> {
  return page
    .locator("tr")
    .filter({ has: page.locator("td", { hasText: plc }) })
    .locator(".nrdb-ui-table-cell-color-spot")
    .first()
    .evaluate((e) => getComputedStyle(e).backgroundColor);
}

/** Flag colours of the dashboards' rows (scripts/flows/functions/plc-rows.js). */
export const FLAG_RGB = { ok: "rgb(46, 125, 50)", warn: "rgb(249, 168, 37)", alarm: "rgb(198, 40, 40)" };
