/**
 * The package's library API, for scripts and other Node.js programs (the Node-RED nodes are adapters
 * over the same pieces): the MC protocol client and its tag syntax, the PLC pool, the polling engine's
 * building blocks, the queue and the simulator.
 */
export { McClient, type ClientOptions, type ClientState } from "./mc/client";
export * as commands from "./mc/commands";
export {
  McError,
  McTimeoutError,
  McConnectionError,
  McEndCodeError,
  McProtocolError,
  McAddressError,
  McValueError,
  McUnavailableError,
  endCodeMeaning,
  type McErrorCode,
} from "./mc/errors";
export { DEVICES, deviceByName, type Device, type Series } from "./mc/devices";
export { parseTag, validateTag, type Tag, type TagOptions, type ValueType } from "./mc/tags";
export { decodeTag, encodeTag, type TagValue } from "./mc/values";
export {
  planReads,
  executeReadPlan,
  planWrites,
  type ReadPlan,
  type TagResult,
  type WriteItem,
} from "./mc/planner";
export { PlcPool, type PoolOptions, type PoolStats } from "./pool/pool";
export { Engine, type EngineStatus, type GroupStatus } from "./engine/registry";
export { FixedGroup, type FixedGroupOptions, type GroupMessage } from "./engine/fixed-group";
export { compileTagTable, type TagDefinition } from "./engine/tag-table";
export { Scheduler, type CycleReport } from "./engine/scheduler";
export * as queue from "./queue";
export * as simulator from "./simulator";
