/**
 * The devices an A-compatible 1E frame can reach, with their 2-byte 1E codes, and the 1-byte CPU model
 * codes of command 15. Source: ../shared/MC-1E-AND-BUFFER.md §A4 (FX3U-ENET(-ADP) and iQ-R MC manuals,
 * cross-checked against four independent client libraries) and docs/PROTOCOL.md.
 * 1E has no SM/SD, L, V, Z, ZR, long timers or counters, and no U\G: those stay 3E/4E only.
 */
import { type Device, deviceByName } from "./devices";

/** 1E device code by device name; binary sends it little-endian (D = 0x4420 → `20 44`). */
const CODES_1E: Readonly<Record<string, number>> = {
  X: 0x5820,
  Y: 0x5920,
  M: 0x4d20,
  S: 0x5320,
  F: 0x4620,
  B: 0x4220,
  D: 0x4420,
  W: 0x5720,
  R: 0x5220,
  TN: 0x544e,
  TS: 0x5453,
  TC: 0x5443,
  CN: 0x434e,
  CS: 0x4353,
  CC: 0x4343,
};

const BY_CODE_1E = new Map<number, Device>(
  Object.entries(CODES_1E).map(([name, code]) => [code, deviceByName(name)!]),
);

/** The device names a 1E frame can address, for messages. */
export const DEVICE_NAMES_1E: readonly string[] = Object.keys(CODES_1E);

export function code1E(device: Device): number | undefined {
  return CODES_1E[device.name];
}

export function deviceBy1ECode(code: number): Device | undefined {
  return BY_CODE_1E.get(code);
}

/** Command 15 answers one byte; the FX codes are from the FX3U-ENET(-ADP) manuals. */
const MODEL_NAMES_1E: Readonly<Record<number, string>> = {
  0xf3: "FX3U/FX3UC",
  0xf4: "FX3G",
};

export function modelName1E(code: number): string {
  return MODEL_NAMES_1E[code] ?? `1E model code ${code.toString(16).toUpperCase().padStart(2, "0")}H`;
}
