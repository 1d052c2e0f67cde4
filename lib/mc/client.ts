/**
 * An MC protocol client for one PLC connection. Waiting requests are served round-robin by owner and in
 * order within an owner; on 3E frames one request is in flight at a time (responses carry no id), on 4E
 * several, matched by serial number.
 * Every request ends: with its result, a PLC end code, a time-out, or a connection error.
 */
import { EventEmitter } from "node:events";
import { type Command } from "./commands";
import * as commands from "./commands";
import * as commands1E from "./commands-1e";
import { type Series } from "./devices";
import {
  McConnectionError,
  McEndCodeError,
  McError,
  McProtocolError,
  McTimeoutError,
  McValueError,
} from "./errors";
import { FairQueue } from "./fair-queue";
import {
  type FrameFormat,
  type FrameType,
  LOCAL_ROUTE,
  type Route,
  decodeResponse,
  encodeRequest,
} from "./frame";
import { decodeResponse1E, encodeRequest1E } from "./frame-1e";
import { type Transport, type TransportKind, openTransport } from "./transport";
import { type Encoding, FieldReader, FieldWriter, type WireFormat } from "./wire";

export interface ClientOptions {
  readonly host: string;
  readonly port: number;
  readonly transport?: TransportKind;
  readonly frame?: FrameType;
  readonly encoding?: Encoding;
  readonly series?: Series;
  /** ZR device numbers in hex in ASCII frames (default decimal). */
  readonly zrHex?: boolean;
  readonly route?: Partial<Route>;
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Monitoring timer sent to the PLC, in 250 ms units (0 = wait forever). Default: just under the request time-out. */
  readonly monitoringTimer?: number;
  /** 4E only: requests sent before the first answer arrives (3E is always 1). */
  readonly maxInFlight?: number;
  /** Used in error messages, e.g. the Node-RED config node's name. */
  readonly name?: string;
}

export interface RequestInfo {
  readonly command: string;
  readonly durationMs: number;
  readonly error?: McError;
}

interface Pending {
  readonly cmd: Command<unknown>;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: McError) => void;
  serial: number;
  frame?: Buffer;
  sentAt: number;
  timer?: NodeJS.Timeout;
}

export type ClientState = "disconnected" | "connecting" | "connected" | "closed";

/**
 * Events: "connect", "disconnect" (error), "request" (RequestInfo).
 */
export class McClient extends EventEmitter {
  readonly format: WireFormat & FrameFormat;
  readonly label: string;
  private readonly opts: Required<Omit<ClientOptions, "route" | "zrHex" | "name" | "monitoringTimer">>;
  private readonly route: Route;
  private readonly timer: number;
  private transport?: Transport;
  private connecting?: Promise<void>;
  private readonly queue = new FairQueue<Pending>();
  private inFlight = new Map<number, Pending>();
  private nextSerial = 1;
  private _state: ClientState = "disconnected";

  constructor(options: ClientOptions) {
    super();
    this.opts = {
      host: options.host,
      port: options.port,
      transport: options.transport ?? "tcp",
      frame: options.frame ?? "3E",
      encoding: options.encoding ?? "binary",
      series: options.series ?? "ql",
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      requestTimeoutMs: options.requestTimeoutMs ?? 3000,
      maxInFlight: options.frame === "4E" ? Math.max(1, options.maxInFlight ?? 4) : 1,
    };
    this.format = {
      frame: this.opts.frame,
      encoding: this.opts.encoding,
      series: this.opts.series,
      zrHex: options.zrHex ?? false,
    };
    this.route = { ...LOCAL_ROUTE, ...options.route };
    this.timer = options.monitoringTimer ?? Math.max(1, Math.floor(this.opts.requestTimeoutMs / 250) - 1);
    const where = `${this.opts.host}:${this.opts.port}`;
    this.label = options.name ? `PLC ${options.name} (${where})` : `PLC ${where}`;
  }

  get state(): ClientState {
    return this._state;
  }

  /** Requests waiting to be sent plus those awaiting an answer. */
  get pendingCount(): number {
    return this.queue.length + this.inFlight.size;
  }

  /** Opens the connection (requests also connect on demand). */
  connect(): Promise<void> {
    if (this._state === "closed") return Promise.reject(this.closedError());
    if (this._state === "connected") return Promise.resolve();
    if (this.connecting) return this.connecting;
    this._state = "connecting";
    const attempt = openTransport(
      this.opts.transport,
      {
        host: this.opts.host,
        port: this.opts.port,
        format: this.format,
        connectTimeoutMs: this.opts.connectTimeoutMs,
        label: this.label,
      },
      { onFrame: (f) => this.onFrame(f), onEnd: (e) => this.onTransportEnd(e) },
    ).then(
      (t) => {
        this.connecting = undefined;
        if (this._state === "closed") {
          t.close();
          throw this.closedError();
        }
        this.transport = t;
        this._state = "connected";
        this.emit("connect");
        this.pump();
      },
      (err: McError) => {
        this.connecting = undefined;
        if (this._state !== "closed") this._state = "disconnected";
        this.failQueued(err);
        throw err;
      },
    );
    this.connecting = attempt;
    return attempt;
  }

  /** Closes the connection; every waiting request fails with MC_CLOSED. The client cannot be reused. */
  close(): void {
    if (this._state === "closed") return;
    this._state = "closed";
    this.transport?.close();
    this.transport = undefined;
    const err = this.closedError();
    this.failInFlight(err);
    this.failQueued(err);
  }

  /** Drops the current connection (e.g. after a time-out) without closing the client. */
  reset(reason: McError): void {
    if (this._state !== "connected") return;
    this.transport?.close();
    this.onTransportEnd(reason);
  }

  /** `owner` (e.g. a group name) takes its turn with other owners when requests queue up. */
  request<T>(cmd: Command<T>, owner = ""): Promise<T> {
    if (this._state === "closed") return Promise.reject(this.closedError());
    return new Promise<T>((resolve, reject) => {
      this.queue.push(owner, { cmd, resolve: resolve as (v: unknown) => void, reject, serial: 0, sentAt: 0 });
      if (this._state === "connected") this.pump();
      else this.connect().catch(() => undefined); // the queued request is failed by connect()
    });
  }

  private closedError(): McError {
    return new McConnectionError("MC_CLOSED", `${this.label}: connection closed`);
  }

  private pump(): void {
    while (
      this._state === "connected" &&
      this.queue.length > 0 &&
      this.inFlight.size < this.opts.maxInFlight
    ) {
      const p = this.queue.shift()!;
      let frame: Buffer;
      try {
        const w = new FieldWriter(this.format);
        p.cmd.write(w);
        p.serial = this.allocateSerial();
        frame = this.is1E
          ? encodeRequest1E(this.format.encoding, {
              command: p.cmd.command,
              pc: this.route.pc,
              timer: this.timer,
              data: w.toBuffer(),
            })
          : encodeRequest(this.format, {
              serial: p.serial,
              route: this.route,
              timer: this.timer,
              command: p.cmd.command,
              subcommand: p.cmd.subcommand,
              data: w.toBuffer(),
            });
      } catch (err) {
        this.finish(p, err instanceof McError ? err : new McProtocolError(String(err)));
        continue;
      }
      p.sentAt = performance.now();
      p.timer = setTimeout(() => this.onTimeout(p), this.opts.requestTimeoutMs);
      this.inFlight.set(p.serial, p);
      this.transport!.send(
        frame,
        this.is1E ? { command: p.cmd.command, dataBytes: p.cmd.responseBytes1E ?? 0 } : undefined,
      );
    }
  }

  private allocateSerial(): number {
    if (this.opts.frame !== "4E") return 0;
    // Skip serials still in flight (possible only after 65 535 requests with one stuck).
    do {
      this.nextSerial = (this.nextSerial + 1) & 0xffff;
    } while (this.inFlight.has(this.nextSerial));
    return this.nextSerial;
  }

  private onFrame(frame: Buffer): void {
    let res: { serial: number; endCode: number; data: Buffer; abnormalCode?: number };
    try {
      res = this.is1E
        ? { serial: 0, ...decodeResponse1E(this.format.encoding, frame) }
        : decodeResponse(this.format, frame);
    } catch (err) {
      this.reset(err instanceof McError ? err : new McProtocolError(String(err)));
      return;
    }
    const p = this.inFlight.get(res.serial);
    if (!p) return; // a late answer to a request that already timed out (4E): ignore
    this.inFlight.delete(res.serial);
    if (res.endCode !== 0) {
      const frame1E = this.is1E ? { abnormalCode: res.abnormalCode } : undefined;
      this.finish(p, new McEndCodeError(res.endCode, `${this.label}: ${p.cmd.name}: `, frame1E));
    } else {
      try {
        const r = new FieldReader(res.data, this.format);
        const value = p.cmd.read(r);
        if (r.remaining !== 0)
          throw new McProtocolError(`${p.cmd.name}: ${r.remaining} unexpected trailing bytes`);
        this.finish(p, undefined, value);
      } catch (err) {
        const e = err instanceof McError ? err : new McProtocolError(String(err));
        this.finish(p, new McProtocolError(`${this.label}: ${p.cmd.name}: ${e.message}`));
        // The bytes were framed correctly but made no sense: the peer cannot be trusted.
        this.reset(e);
      }
    }
    this.pump();
  }

  private onTimeout(p: Pending): void {
    if (!this.inFlight.has(p.serial) || this.inFlight.get(p.serial) !== p) return;
    this.inFlight.delete(p.serial);
    const err = new McTimeoutError(
      `${this.label}: ${p.cmd.name} timed out after ${this.opts.requestTimeoutMs} ms`,
    );
    this.finish(p, err);
    if (this.opts.frame !== "4E") {
      // A 1E/3E answer carries no id: a late answer would be taken for the next request's. Start over.
      this.reset(err);
    } else {
      this.pump();
    }
  }

  private onTransportEnd(error: McError): void {
    this.transport = undefined;
    if (this._state === "closed") return;
    this._state = "disconnected";
    this.failInFlight(error);
    this.emit("disconnect", error);
    // Queued (unsent) requests get a fresh connection attempt rather than an error.
    if (this.queue.length > 0) this.connect().catch(() => undefined);
  }

  private failInFlight(err: McError): void {
    const all = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const p of all) this.finish(p, err);
  }

  private failQueued(err: McError): void {
    const all = this.queue.drain();
    for (const p of all) this.finish(p, err);
  }

  private finish(p: Pending, error: McError | undefined, value?: unknown): void {
    if (p.timer) clearTimeout(p.timer);
    const durationMs = p.sentAt ? performance.now() - p.sentAt : 0;
    if (error) p.reject(error);
    else p.resolve(value);
    if (this.listenerCount("request") > 0)
      this.emit("request", { command: p.cmd.name, durationMs, error } satisfies RequestInfo);
  }

  // Convenience wrappers over the command set.

  readCpuModel(): Promise<commands.CpuModel> {
    return this.request(this.is1E ? commands1E.readModel1E() : commands.readCpuModel());
  }

  loopback(data: string): Promise<string> {
    return this.request(this.is1E ? commands1E.loopback1E(data) : commands.loopback(data));
  }

  /** Remote RUN/STOP/PAUSE/LATCH CLEAR/RESET (1E: RUN and STOP only, without force or clear mode). */
  remote(op: commands.RemoteOperation, force = false, clear: commands.ClearMode = "none"): Promise<void> {
    if (this.is1E) {
      if (op !== "run" && op !== "stop") {
        return Promise.reject(
          new McValueError(`${this.label}: 1E frames have no remote ${op.toUpperCase()}`),
        );
      }
      if (clear !== "none") {
        return Promise.reject(new McValueError(`${this.label}: 1E remote RUN has no clear mode`));
      }
      return this.request(commands1E.remote1E(op));
    }
    try {
      return this.request(commands.remoteOperation(op, force, clear));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  private get is1E(): boolean {
    return this.opts.frame === "1E";
  }
}
