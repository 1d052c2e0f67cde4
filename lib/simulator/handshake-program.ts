/**
 * The PLC side of the REQ/ACK handshake, as a ladder programmer writes it, running against the
 * simulator's memory: for demos, tests and the benchmark. Per transaction it writes the data and the
 * sequence word, sets REQ, waits for ACK (retrying the same transaction with the same sequence number
 * when ACK does not come), reads the result, clears REQ and waits for ACK to fall.
 */

/** What the program needs from the simulator's memory (PlcSimulator.memory). */
export interface ProgramMemory {
  get(address: string): number | boolean;
  set(address: string, value: number | boolean): void;
}

export interface PlcProgramOptions {
  readonly memory: ProgramMemory;
  readonly req: string;
  /** A bit or a word; a word's non-zero value is the result. */
  readonly ack: string;
  /** Result word for a bit ACK. */
  readonly result?: string;
  /** Word the sequence number (1, 2, …) is written to before REQ. */
  readonly sequence?: string;
  /** Writes transaction `seq`'s data before REQ is set. */
  readonly writeData?: (seq: number) => void;
  readonly count: number;
  /** How long the PLC waits for ACK before it drops REQ and retries (default 2000). */
  readonly ackTimeoutMs?: number;
  /** How long it waits for ACK to fall after clearing REQ before it goes on anyway (default 2000). */
  readonly ackClearTimeoutMs?: number;
  /** Scan time: how often the program looks at ACK (default 1 ms; 0 = every turn of the event loop). */
  readonly scanMs?: number;
  readonly signal?: AbortSignal;
  /** Called after each transaction with its sequence number and the result (ACK word or result word). */
  readonly onDone?: (seq: number, result: number) => void;
}

export interface PlcProgramResult {
  /** Per sequence number: the results the PLC saw, one per ACK it observed. */
  readonly acks: Map<number, number[]>;
  /** Transactions sent again because ACK did not come in time. */
  readonly retries: number;
  /** ACK still high when the program gave up waiting for it to fall. */
  readonly stuckAcks: number;
}

const scan = (ms: number): Promise<void> =>
  new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));

function isHigh(v: number | boolean): boolean {
  return typeof v === "boolean" ? v : v !== 0;
}

async function waitFor(
  cond: () => boolean,
  timeoutMs: number,
  scanMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (signal?.aborted || performance.now() >= deadline) return false;
    await scan(scanMs);
  }
  return true;
}

export async function runPlcProgram(o: PlcProgramOptions): Promise<PlcProgramResult> {
  const m = o.memory;
  const scanMs = o.scanMs ?? 1;
  const acks = new Map<number, number[]>();
  let retries = 0;
  let stuckAcks = 0;
  const reqIsBit = typeof m.get(o.req) === "boolean";
  const setReq = (on: boolean): void => m.set(o.req, reqIsBit ? on : on ? 1 : 0);
  const ackHigh = (): boolean => isHigh(m.get(o.ack));
  for (let seq = 1; seq <= o.count && !o.signal?.aborted; seq++) {
    o.writeData?.(seq);
    if (o.sequence) m.set(o.sequence, seq & 0xffff);
    for (;;) {
      setReq(true);
      const acked = await waitFor(ackHigh, o.ackTimeoutMs ?? 2000, scanMs, o.signal);
      if (o.signal?.aborted) return { acks, retries, stuckAcks };
      if (acked) break;
      // No ACK: drop REQ and ask again with the same data and sequence number.
      retries++;
      setReq(false);
      await scan(Math.max(scanMs, 20));
    }
    const ack = m.get(o.ack);
    const result = o.result ? Number(m.get(o.result)) : typeof ack === "boolean" ? 1 : ack;
    acks.set(seq, [...(acks.get(seq) ?? []), result]);
    setReq(false);
    if (!(await waitFor(() => !ackHigh(), o.ackClearTimeoutMs ?? 2000, scanMs, o.signal))) stuckAcks++;
    o.onDone?.(seq, result);
  }
  return { acks, retries, stuckAcks };
}
