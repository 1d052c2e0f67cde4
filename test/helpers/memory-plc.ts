/**
 * A PLC without sockets for engine tests on a ManualClock: commands are encoded, executed by the
 * simulator's request handler against its DeviceMemory, and answered after `latencyMs` of clock time,
 * one at a time (one 3E connection), so request counts and timings are exact and never wall-clock bound.
 */
import { type Command } from "../../lib/mc/commands";
import { type ManualClock } from "../../lib/core/clock";
import { type RequestSender } from "../../lib/engine/poller";
import { McConnectionError, McEndCodeError, type McError } from "../../lib/mc/errors";
import { LOCAL_ROUTE, type RequestFrame } from "../../lib/mc/frame";
import { FieldReader, FieldWriter, type WireFormat } from "../../lib/mc/wire";
import { type HandlerContext, handleRequest } from "../../lib/simulator/handler";
import { DeviceMemory } from "../../lib/simulator/memory";

export interface SentRequest {
  readonly command: string;
  readonly owner: string | undefined;
  /** Clock time the PLC started and finished serving it. */
  readonly startedAt: number;
  readonly finishedAt: number;
}

export class MemoryPlc implements RequestSender {
  readonly memory = new DeviceMemory();
  readonly sent: SentRequest[] = [];
  /** Return an error to fail that request with it instead of executing it. */
  failWhen?: (cmd: Command<unknown>) => McError | undefined;
  private readonly ctx: HandlerContext;
  private busyUntil = 0;

  constructor(
    readonly clock: ManualClock,
    readonly format: WireFormat,
    readonly latencyMs = 5,
    readonly name = "memory-plc",
  ) {
    this.ctx = {
      memory: this.memory,
      series: format.series,
      zrHex: format.zrHex ?? false,
      model: "Q03UDVCPU",
      modelCode: 0x366,
      onlineChangeDisabled: false,
      cpuState: "run",
    };
  }

  request<T>(cmd: Command<T>, owner?: string): Promise<T> {
    // One request at a time: it starts when the previous one finished.
    const startedAt = Math.max(this.clock.now(), this.busyUntil);
    const finishedAt = startedAt + this.latencyMs;
    this.busyUntil = finishedAt;
    return new Promise<T>((resolve, reject) => {
      this.clock.setTimeout(() => {
        this.sent.push({ command: cmd.name, owner, startedAt, finishedAt });
        const forced = this.failWhen?.(cmd);
        if (forced) return reject(forced);
        try {
          resolve(this.execute(cmd));
        } catch (err) {
          reject(err);
        }
      }, finishedAt - this.clock.now());
    });
  }

  private execute<T>(cmd: Command<T>): T {
    const w = new FieldWriter(this.format);
    cmd.write(w);
    const frame = { frame: "3E", encoding: this.format.encoding } as const;
    const req: RequestFrame = {
      serial: 0,
      route: LOCAL_ROUTE,
      timer: 0,
      command: cmd.command,
      subcommand: cmd.subcommand,
      data: w.toBuffer(),
    };
    const res = handleRequest(this.ctx, frame, req);
    if (res.endCode !== 0) throw new McEndCodeError(res.endCode, `${this.name}: ${cmd.name}: `);
    return cmd.read(new FieldReader(res.data, this.format));
  }
}

export const lost = (): McError => new McConnectionError("MC_CONNECTION_LOST", "connection lost");
