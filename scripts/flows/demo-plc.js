/**
 * The simulated PLC the flows read: the tags of lib/simulator/demo-addresses.ts (from the build, so the
 * simulator and the flows cannot disagree), and the three groups every management example works on.
 */
"use strict";
const { comment, debug, fixedGroup, handshakeGroup, requireBuilt } = require("./builder");

const { DEMO_TAGS, DEMO_RECIPE, DEMO_HANDSHAKE } = requireBuilt("lib/simulator/demo-addresses.js");

/** The tags the example flows read where the demo simulator moves memory (copies: flows may add to them). */
const TAGS = {
  fast: DEMO_TAGS.fast.map((t) => ({ ...t })),
  // The sine moves every 100 ms: the slow group reports it only when it moved by 50 or more.
  slow: DEMO_TAGS.slow.map((t) => (t.name === "sine" ? { ...t, deadband: "50" } : { ...t })),
  recipe: DEMO_RECIPE.tags.map((t) => ({ ...t })),
};

/** Three groups every management example works on: a fast and a slow FIXED one and a HANDSHAKE one. */
function sampleGroups(f, plcId, prefix, row) {
  comment(
    f,
    "groups-note",
    "Polling groups the endpoints and pages act on",
    "A FIXED group every second, a FIXED group every 5 s (not started at deploy: start it from the page\n" +
      "or the API) and a HANDSHAKE group that polls only when triggered (POST …/trigger or the page's\n" +
      "Trigger button). The PLC is 127.0.0.1:5000: run `npx jsscada-mc sim --generators` (or `npm start`\n" +
      "in the package's repository) first, or open the PLC node and enter your PLC.",
    0,
    row,
  );
  const dbg = debug(f, "groups-debug", "group data", 2, row + 2, false);
  fixedGroup(f, "g-fast", plcId, `${prefix}-fast`, TAGS.fast, 1, "s", 0, row + 1, [
    [f.id("groups-debug")],
    [],
  ]);
  fixedGroup(
    f,
    "g-slow",
    plcId,
    `${prefix}-slow`,
    TAGS.slow,
    5,
    "s",
    0,
    row + 2,
    [[f.id("groups-debug")], []],
    {
      autoStart: false,
    },
  );
  handshakeGroup(f, "g-hs", plcId, `${prefix}-on-demand`, TAGS.recipe, { trigger: "message" }, 0, row + 3, [
    [f.id("groups-debug")],
    [],
    [],
  ]);
  return dbg;
}

module.exports = { TAGS, DEMO_HANDSHAKE, sampleGroups };
