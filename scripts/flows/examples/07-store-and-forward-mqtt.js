/**
 * examples/07-store-and-forward-mqtt.json: store-and-forward: poll → disk queue → MQTT QoS 1.
 */
"use strict";
const { Flow, comment, complete, debug, fixedGroup, func, functionBody, plc, queue } = require("../builder");
const { TAGS } = require("../demo-plc");

const EX7_INFO = `Store-and-forward: poll → disk queue → MQTT (QoS 1); the queue lets go of a message only when
the broker confirmed it (PUBACK), so nothing is lost while the broker or the network is down,
not even across a Node-RED restart.

- "add sequence number" numbers every message, so a subscriber can check that none is missing.
- The queue (disk, ack mode, 10 in flight, 5 s ack time-out) sends each message to mqtt out.
- mqtt out calls done() when the broker acknowledged a QoS 1 publish; the Complete node watching it
  sends the message back to the queue: that is the acknowledgement.
- While the broker is down mqtt out does not complete anything: the deliveries time out and are sent
  again, so after the broker is back every message arrives at least once (duplicates possible: the
  subscriber can drop repeated sequence numbers).

Set the broker in the mqtt-broker node (127.0.0.1:1883 here: e.g. Debian's mosquitto).`;

function mqttExample() {
  const f = new Flow("07-store-and-forward-mqtt").tab("tab", "Store-and-forward to MQTT", EX7_INFO);
  comment(f, "note", "poll → disk queue → MQTT QoS 1, acknowledged by a Complete node", EX7_INFO, 0, 0);
  const p = plc(f, "Simulator 127.0.0.1:5000");
  fixedGroup(f, "poll", p, "mqtt-source", TAGS.fast, 1, "s", 0, 1, [[f.id("seq")], []]);
  func(f, "seq", "add sequence number", functionBody("add-sequence"), 1, 1, [[f.id("queue")]]);
  queue(
    f,
    "queue",
    "mqtt-buffer",
    { persistence: "disk", maxInFlight: "10", ackTimeout: "5", capacity: "100000", overflow: "drop-oldest" },
    2,
    1,
    [[f.id("mqtt")], [f.id("events")]],
  );
  debug(f, "events", "queue events", 3, 2, false);
  const broker = f.config("broker", "mqtt-broker", {
    name: "local broker",
    broker: "127.0.0.1",
    port: "1883",
    clientid: "",
    autoConnect: true,
    usetls: false,
    protocolVersion: "4",
    keepalive: "15",
    cleansession: true,
    autoUnsubscribe: true,
    birthTopic: "",
    birthQos: "0",
    birthRetain: "false",
    birthPayload: "",
    birthMsg: {},
    closeTopic: "",
    closeQos: "0",
    closeRetain: "false",
    closePayload: "",
    closeMsg: {},
    willTopic: "",
    willQos: "0",
    willRetain: "false",
    willPayload: "",
    willMsg: {},
    userProps: "",
    sessionExpiry: "",
  });
  f.node(
    "mqtt",
    "mqtt out",
    {
      name: "publish QoS 1",
      topic: "plant/line1/polling",
      qos: "1",
      retain: "false",
      respTopic: "",
      contentType: "",
      userProps: "",
      correl: "",
      expiry: "",
      broker,
    },
    3,
    1,
    [],
  );
  complete(f, "published", "broker acknowledged", [f.id("mqtt")], 2, 3, [[f.id("queue")]]);
  return f;
}

module.exports = mqttExample;
