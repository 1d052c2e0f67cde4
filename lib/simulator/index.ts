/** An MC protocol (SLMP) PLC simulator for tests, demos and the CLI. */
export { PlcSimulator, type SimulatorOptions, type SimulatorStats } from "./server";
export { DeviceMemory, type DeviceMemoryOptions, parseAddress } from "./memory";
export {
  type CpuState,
  type HandlerContext,
  END,
  decodeRequestSafe,
  errorResponse,
  handleFrame,
  handleRequest,
} from "./handler";
export {
  type CounterSpec,
  type GeneratorSpec,
  type RandomWalkSpec,
  type SineSpec,
  type ToggleSpec,
  Generators,
  generatorStep,
} from "./generators";
export { type FailPredicate } from "./faults";
export { type PlcProgramOptions, type ProgramMemory, runPlcProgram } from "./handshake-program";
