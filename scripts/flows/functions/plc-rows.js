// Engine status → one row per PLC with the load it carries over the last 10 s, flagged yellow from
// 70 % busy and red from 90 % as the node status is. Command answers carry no PLCs: nothing to show.
if (msg.topic !== "status" || !msg.payload || !Array.isArray(msg.payload.plcs)) return null;
const round = (x) => (typeof x === "number" ? Math.round(x * 10) / 10 : null);
const COLOURS = { ok: "#2e7d32", warn: "#f9a825", alarm: "#c62828" };
const WORDS = { ok: "", warn: " busy", alarm: " overloaded" };
msg.payload = msg.payload.plcs
  .map((p) => {
    const load = p.load || {};
    const busy = load.busyPercent || 0;
    const level = busy >= 90 ? "alarm" : busy >= 70 ? "warn" : "ok";
    return {
      plc: p.displayName || p.name,
      state: p.state,
      level,
      flag: COLOURS[level],
      busy: `${Math.round(busy)} %${WORDS[level]}`,
      perConnection: (load.busyPercentByConnection || []).map((c) => `${Math.round(c)} %`).join(" · "),
      requestsPerSec: round(load.requestsPerSec),
      meanRequestMs: round(load.meanRequestMs),
      wordsPerSec: Math.round(load.wordsPerSec || 0),
      saved: `${(load.shared && load.shared.saved) || 0} (${round(load.savedPerSec)}/s)`,
      missedCycles: load.missedCycles || 0,
    };
  })
  .sort((a, b) => (a.plc < b.plc ? -1 : 1));
return msg;
