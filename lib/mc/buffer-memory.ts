/**
 * Module buffer memory: `Un\Gm` (intelligent function module at start I/O n×16, buffer word m),
 * `U3E0\Gm`–`U3E3\Gm` (CPU buffer memory of multi-CPU CPU No.1–4) and `U3E0\HGm` (iQ-R fixed-scan
 * communication area). Each module's G (or HG) memory is its own Device object, so the planner merges
 * and packs buffer ranges per module exactly as it does device ranges.
 *
 * On the wire it is the device extension specification (subcommand 0080 Q/L, 0082 iQ-R) of 0401/1401;
 * source: iQ-R MC manual SH-080008 Appendix 1 p.443–450, matched byte for byte by real captures
 * (../shared/MC-1E-AND-BUFFER.md §B2, docs/PROTOCOL.md).
 */
import { type Device } from "./devices";

/** Device codes: G = ABH (Q/L 1 byte, iQ-R 2 bytes), HG = 2EH (iQ-R only). */
export const BUFFER_CODE = { G: 0xab, HG: 0x2e } as const;

/** Direct memory specification byte: F8H module access device, FAH CPU buffer memory. */
export const DIRECT_MODULE = 0xf8;
export const DIRECT_CPU_BUFFER = 0xfa;

/** Modules 3E0–3E3 are the CPU buffer memories of CPU No.1–4. */
export function isCpuBuffer(module: number): boolean {
  return module >= 0x3e0 && module <= 0x3e3;
}

const CACHE = new Map<string, Device>();

/** The buffer memory of one module (cached: the planner compares devices by identity). */
export function bufferDevice(module: number, hg = false): Device {
  const name = `U${module.toString(16).toUpperCase()}\\${hg ? "HG" : "G"}`;
  let d = CACHE.get(name);
  if (!d) {
    d = {
      name,
      kind: "word",
      code: hg ? BUFFER_CODE.HG : BUFFER_CODE.G,
      asciiQL: hg ? "" : "G*",
      notation: "dec",
      iqrOnly: hg,
      defaultPoints: 0,
      module,
    };
    CACHE.set(name, d);
  }
  return d;
}

/** ASCII device code of a buffer device (Q/L 2 characters, iQ-R 4). */
export function bufferAsciiCode(device: Device, iqr: boolean): string {
  const g = device.code === BUFFER_CODE.G ? "G" : "HG";
  return g.padEnd(iqr ? 4 : 2, "*");
}
