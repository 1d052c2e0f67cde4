/**
 * Node configurations carry a `version` (the editor's defaults give new nodes the current one), so a
 * flow saved by an older release is brought to the current shape when it is deployed, as
 * node-red-contrib-home-assistant-websocket does: each step takes one version to the next.
 *
 * Version 0 is every flow saved before `version` existed. Its step writes down, for each property a
 * node may lack (added by a later release, or never set by a hand-written flow), the value the runtime
 * has always used when it was missing, so an old flow behaves exactly as before. Steps only fill what
 * is absent: a node the editor already completed from its defaults passes through unchanged.
 */

type Config = { version?: number } & object;
type Step = (config: Record<string, unknown>) => void;

/** Fills the absent properties only. */
const fill =
  (defaults: Record<string, unknown>): Step =>
  (config) => {
    for (const [key, value] of Object.entries(defaults)) if (config[key] === undefined) config[key] = value;
  };

/**
 * The PLC node's settings as the editor gives them to a new node, which is also what the runtime used
 * when one was absent before versions existed. The example flows write them out: scripts/flows/builder.js
 * reads them from the build, so the two cannot drift.
 */
export const PLC_DEFAULTS: Readonly<Record<string, string | boolean>> = Object.freeze({
  transport: "tcp",
  frame: "3E",
  encoding: "binary",
  series: "ql",
  zrHex: false,
  octalXY: true,
  network: "0",
  pc: "255",
  moduleIo: "1023",
  station: "0",
  connections: "1",
  connectTimeout: "5000",
  requestTimeout: "3000",
  monitoringTimer: "",
  backoffInitial: "500",
  backoffMax: "30000",
  backoffJitter: "0.2",
  demoteAfter: "3",
  demoteFor: "10000",
  minInterval: "0",
});

/** Per node type, the step from version i to i + 1 at index i; the current version is the count. */
const STEPS: Record<string, readonly Step[]> = {
  "jsscada-plc": [fill(PLC_DEFAULTS)],
  "jsscada-poll-fixed": [
    fill({
      intervalUnit: "ms",
      autoStart: true,
      payloadFormat: "object",
      changedOnly: false,
      // Flows from before shared reads existed share too: sharing has always been the default.
      shareReads: true,
    }),
  ],
  "jsscada-poll-handshake": [
    fill({
      trigger: "message",
      autoStart: true,
      payloadFormat: "object",
      concurrency: "coalesce",
      ackAfterDownstream: false,
      reqHighAtStart: "ignore",
    }),
  ],
  "jsscada-write": [fill({ allowMsgAddresses: false, allowList: "" })],
  "jsscada-queue": [fill({ persistence: "memory", requireAck: false, moveCorrupt: false })],
  // Older flows had no API authentication: absent means none, not the token a new node defaults to.
  "jsscada-engine-status": [fill({ auth: "none", tokenEnv: "", websocket: "" })],
};

/** The version new nodes of this type are saved with (their editor default). */
export function currentVersion(type: string): number {
  return STEPS[type]?.length ?? 0;
}

/**
 * Brings the configuration to the current shape, in place: Node-RED hands each node constructor its
 * own copy of the flow's properties, with non-enumerable links (`_flow`) that a copy would lose.
 */
export function migrate<C extends Config>(type: string, config: C): C {
  const steps = STEPS[type] ?? [];
  const from = typeof config.version === "number" && config.version >= 0 ? config.version : 0;
  for (const step of steps.slice(from)) step(config);
  if (from < steps.length) config.version = steps.length;
  return config;
}
