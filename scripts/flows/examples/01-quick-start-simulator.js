/**
 * examples/01-quick-start-simulator.json: the quick start: one FIXED group on the simulator, commands from inject nodes.
 */
"use strict";
const { comment, debug, fixedGroup, inject, plc, Flow } = require("../builder");
const { TAGS } = require("../demo-plc");

function quickStart() {
  const f = new Flow("01-quick-start").tab("tab", "Quick start", "Poll a simulated PLC: no hardware needed.");
  comment(
    f,
    "note",
    "1. Start the simulator   2. Deploy   3. Open the Debug sidebar",
    "This flow reads the simulator at 127.0.0.1:5000 (3E binary over TCP). Start one first, in a\n" +
      "terminal where this package is installed:\n\n    npx jsscada-mc sim --generators\n\n" +
      "(in a clone of the repository `npm start` runs the same simulator together with a demo). The\n" +
      "generators move D0 (counter), D1 (sine), D2 (random walk) and M0 (toggle); D10 counts by 10 every\n" +
      "second.\n\nThe FIXED group reads its 4 tags every second and sends {counter, sine, walk, toggle} on\n" +
      "output 1. The inject nodes send it commands (msg.topic): stop, start, trigger (one poll now) and\n" +
      'interval (msg.payload "250ms"). Replies come out of output 2.\n\n' +
      "To use a real PLC, open the PLC node: host, port and the frame/encoding set in its Ethernet settings.\n\n" +
      "An FX3U/FX3G with FX3U-ENET(-L) or FX3U-ENET-ADP, or an A-series module, speaks only the 1E frame:\n" +
      "choose 1E in the PLC node (X/Y numbers in octal, as the FX tools show them). To try it without\n" +
      "hardware, start the simulator as an FX would answer:\n\n    npx jsscada-mc sim --generators --frame 1e\n\n" +
      "and set the PLC node to 1E; this flow then polls the same tags over 1E frames.",
    0,
    0,
  );
  const p = plc(f, "Simulator 127.0.0.1:5000");
  fixedGroup(f, "poll", p, "quickstart", TAGS.fast, 1, "s", 1, 2, [[f.id("data")], [f.id("replies")]]);
  debug(f, "data", "tag values", 2, 1);
  debug(f, "replies", "command replies", 2, 3);
  inject(f, "stop", "stop", "stop", 0, 1, [[f.id("poll")]]);
  inject(f, "start", "start", "start", 0, 2, [[f.id("poll")]]);
  inject(f, "trigger", "poll once now", "trigger", 0, 3, [[f.id("poll")]]);
  f.node(
    "faster",
    "inject",
    {
      name: "interval 250 ms",
      props: [
        { p: "topic", vt: "str" },
        { p: "payload", v: "250ms", vt: "str" },
      ],
      repeat: "",
      crontab: "",
      once: false,
      onceDelay: 0.1,
      topic: "interval",
    },
    0,
    4,
    [[f.id("poll")]],
  );
  return f;
}

module.exports = quickStart;
