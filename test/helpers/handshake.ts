import {
  type HandshakeError,
  type HandshakeMessage,
  type PlcHandshakeGroup,
  type SequenceEvent,
  type TransactionReport,
} from "../../lib/engine/handshake-plc";

export const WRITE_COMMANDS = new Set([0x1401, 0x1402, 0x1406]);
const READ_COMMANDS = new Set([0x0401, 0x0403, 0x0406]);
const DEVICE_M = 0x90;

/** A read that is not the REQ watch (REQ is M100, read alone by 0401; its device code is data[3]). */
export function isDataRead(command: number, data: Buffer): boolean {
  return READ_COMMANDS.has(command) && !(command === 0x0401 && data[3] === DEVICE_M);
}

/** Everything a PLC-handshake group emits, collected in arrays for assertions. */
export function recordHandshake(group: PlcHandshakeGroup) {
  const data: HandshakeMessage[] = [];
  const errors: HandshakeError[] = [];
  const sequences: SequenceEvent[] = [];
  const transactions: TransactionReport[] = [];
  group.on("data", (m: HandshakeMessage) => data.push(m));
  group.on("handshake-error", (e: HandshakeError) => errors.push(e));
  group.on("sequence", (e: SequenceEvent) => sequences.push(e));
  group.on("transaction", (t: TransactionReport) => transactions.push(t));
  return { data, errors, sequences, transactions };
}
