/**
 * What a CPU shows about itself in its special registers, kept in step by the simulator:
 * - SD203 b0–b3 the operating status (0 RUN, 1 STOP, 2 PAUSE), changed by remote RUN/STOP/PAUSE/RESET
 *   (the STOP/PAUSE cause in b4–b7 is not simulated and stays 0);
 * - SD210–SD216 the clock: year (4 digits), month, day, hour, minute, second, day of the week
 *   (0 = Sunday), binary, in the host's local time, as QnU/L/iQ-R CPUs store them (older Qn(H) CPUs
 *   packed BCD pairs instead; not simulated).
 * Source: the CPUs' special register lists (docs/PROTOCOL.md, "Simulator").
 */
import { deviceByName } from "../mc/devices";
import { type DeviceMemory } from "./memory";

export type CpuState = "run" | "stop" | "pause";

const SD = deviceByName("SD")!;
const STATUS: Record<CpuState, number> = { run: 0, stop: 1, pause: 2 };

/** Writes SD203 for `state` (only the status bits b0–b3). */
export function writeCpuStatus(memory: DeviceMemory, state: CpuState): void {
  if (!memory.inRange(SD, 203, 1)) return;
  const [old] = memory.readWords(SD, 203, 1);
  memory.writeWords(SD, 203, [(old! & ~0xf) | STATUS[state]]);
}

/** Writes SD210–SD216 from `ms` (epoch milliseconds), local time. */
export function writeClock(memory: DeviceMemory, ms: number): void {
  if (!memory.inRange(SD, 210, 7)) return;
  const t = new Date(ms);
  memory.writeWords(SD, 210, [
    t.getFullYear(),
    t.getMonth() + 1,
    t.getDate(),
    t.getHours(),
    t.getMinutes(),
    t.getSeconds(),
    t.getDay(),
  ]);
}
