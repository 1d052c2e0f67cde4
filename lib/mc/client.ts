/**
 * An MC protocol client for one PLC connection. Waiting requests are served round-robin by owner and in
 * order within an owner; on 3E frames one request is in flight at a time (responses carry no id), on 4E
 * several, matched by serial number.
 * Every request ends: with its result, a PLC end code, a time-out, or a connection error.
 *
 * One concept at ~520 lines: connect, send, match answers (3E one at a time, 4E by serial),
 * time-outs and close all act on the same per-connection state, on the hot path.
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
  FrameHead,
  type FrameFormat,
  type FrameType,
  LOCAL_ROUTE,
  type Route,
  encodeRequest,
  patchSerial,
  readFrameHead,
} from "./frame";
import { decodeResponse1E, encodeRequest1E } from "./frame-1e";
import { InFlight } from "./in-flight";
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
  /**
   * Told of the end of every request that reached the connection (sent, or failed waiting for it),
   * before its caller is: the pool's bookkeeping, without an event each.
   */
  readonly onRequestEnd?: RequestObserver;
}

/**
 * How a `submit` caller hears its request's end: called once, with the `context` given to `submit` and
 * an error or the decoded value. A plain function plus a context, so that the hot path makes neither a
 * promise nor a closure per request. It runs inside the client's own handling of the end, so it must
 * not throw (a throw is reported as uncaught) and must not send a request before it returns (after a
 * 3E time-out the connection is reset once the reply is told: queue the next request, as the planner
 * does, in a microtask). It may run before `submit` returns (a closed client, an offline PLC).
 */
export type Reply<T, C> = (context: C, error: McError | undefined, value: T | undefined) => void;

/** Tells a reply, keeping a throw out of the caller's state: it is reported as uncaught instead. */
export function tellReply<T, C>(reply: Reply<T, C>, context: C, error: McError | undefined, value?: T): void {
  try {
    reply(context, error, value);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}

/**
 * `durationMs` is 0 for a request that failed before it was sent; otherwise `endedAt` is the
 * performance.now() it ended at (so the observer needs no clock read of its own).
 */
export type RequestObserver = (
  durationMs: number,
  error: McError | undefined,
  endedAt: number,
  cmd: Command<unknown>,
) => void;

export interface RequestInfo {
  readonly command: string;
  readonly durationMs: number;
  readonly error?: McError;
}

interface Pending {
  readonly cmd: Command<unknown>;
  /** A submit's callback and its context, or undefined for a request's promise (resolve/reject). */
  readonly reply: Reply<unknown, unknown> | undefined;
  readonly context: unknown;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: McError) => void;
  serial: number;
  /** performance.now() when sent; its time-out falls due requestTimeoutMs later. */
  sentAt: number;
}

export type ClientState = "disconnected" | "connecting" | "connected" | "closed";

/** What `capture` got from the Promise constructor: a request's promise needs no closure of its own. */
const captured = {
  resolve: (() => undefined) as (v: unknown) => void,
  reject: (() => undefined) as (e: McError) => void,
};
const ignore = (): void => undefined;

function capture(resolve: (v: never) => void, reject: (e: McError) => void): void {
  captured.resolve = resolve as (v: unknown) => void;
  captured.reject = reject;
}

/**
 * Events: "connect", "disconnect" (error), "request" (RequestInfo).
 */
export class McClient extends EventEmitter {
  readonly format: WireFormat & FrameFormat;
  readonly label: string;
  private readonly opts: Required<
    Omit<ClientOptions, "route" | "zrHex" | "name" | "monitoringTimer" | "onRequestEnd">
  >;
  private readonly onRequestEnd?: RequestObserver;
  private readonly route: Route;
  private readonly timer: number;
  private transport?: Transport;
  private connecting?: Promise<void>;
  private readonly queue = new FairQueue<Pending>();
  /** By serial, in the order sent (so the oldest one is always the next to time out). */
  private readonly inFlight: InFlight<Pending>;
  private nextSerial = 1;
  /**
   * One timer for every request in flight, armed for the oldest one's time-out and moved on when it
   * fires, instead of a timer set and cleared per request (0.4–1.3 µs each, measured). It is unref'd:
   * while a request is in flight its open socket holds the process anyway, and after the last answer
   * the timer, left to fire once more and find nothing, must not.
   */
  private deadlineTimer?: NodeJS.Timeout;
  /** Each command's request frame, encoded on first use (on 4E a copy gets its serial patched in). */
  private readonly encoded = new WeakMap<Command<unknown>, Buffer>();
  private readonly head = new FrameHead();
  /** Reads every answer, in place (answers are decoded one at a time). */
  private readonly reader: FieldReader;
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
    this.onRequestEnd = options.onRequestEnd;
    this.inFlight = new InFlight(this.opts.maxInFlight);
    this.reader = new FieldReader(Buffer.alloc(0), this.format);
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
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
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
    const promise = new Promise<T>(capture);
    this.enqueue(owner, {
      cmd,
      reply: undefined,
      context: undefined,
      resolve: captured.resolve,
      reject: captured.reject,
      serial: 0,
      sentAt: 0,
    });
    return promise;
  }

  /** `request` by callback: `reply(context, …)` hears the end (see Reply). */
  submit<T, C>(cmd: Command<T>, owner: string | undefined, reply: Reply<T, C>, context: C): void {
    if (this._state === "closed") {
      tellReply(reply, context, this.closedError());
      return;
    }
    this.enqueue(owner ?? "", {
      cmd,
      reply: reply as Reply<unknown, unknown>,
      context,
      resolve: ignore,
      reject: ignore,
      serial: 0,
      sentAt: 0,
    });
  }

  private enqueue(owner: string, p: Pending): void {
    try {
      if (this._state !== "connected") {
        this.queue.push(owner, p);
        this.connect().catch(() => undefined); // the queued request is failed by connect()
      } else if (this.queue.length === 0 && this.inFlight.size < this.opts.maxInFlight) {
        this.send(p); // nobody waiting: no turn to take
      } else {
        this.queue.push(owner, p);
        this.pump();
      }
    } catch (err) {
      // As a throwing Promise executor would: the caller hears it, nothing is recorded.
      if (!p.reply) p.reject(err as McError);
      else this.tell(p, err instanceof McError ? err : new McProtocolError(String(err)), undefined);
    }
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
      this.send(this.queue.shift()!);
    }
  }

  private send(p: Pending): void {
    let frame: Buffer;
    try {
      frame = this.frameOf(p.cmd);
    } catch (err) {
      this.finish(p, err instanceof McError ? err : new McProtocolError(String(err)));
      return;
    }
    if (this.opts.frame === "4E") {
      p.serial = this.allocateSerial();
      // A copy: the cached frame may still sit in the socket's write queue with another serial.
      frame = Buffer.from(frame);
      patchSerial(this.format, frame, p.serial);
    }
    p.sentAt = performance.now();
    this.deadlineTimer ??= setTimeout(this.onDeadline, this.opts.requestTimeoutMs).unref();
    this.inFlight.add(p);
    try {
      this.transport!.send(
        frame,
        this.is1E ? { command: p.cmd.command, dataBytes: p.cmd.responseBytes1E ?? 0 } : undefined,
      );
    } catch (err) {
      // Told here and only here: left in flight, it would be told again by its time-out.
      this.inFlight.take(p.serial);
      this.finish(p, err instanceof McError ? err : new McConnectionError("MC_CONNECTION_LOST", String(err)));
    }
  }

  /** The command's request frame with serial 0; throws what the command's encoder throws. */
  private frameOf(cmd: Command<unknown>): Buffer {
    let frame = this.encoded.get(cmd);
    if (!frame) {
      const w = new FieldWriter(this.format);
      cmd.write(w);
      frame = this.is1E
        ? encodeRequest1E(this.format.encoding, {
            command: cmd.command,
            pc: this.route.pc,
            timer: this.timer,
            data: w.toBuffer(),
          })
        : encodeRequest(this.format, {
            serial: 0,
            route: this.route,
            timer: this.timer,
            command: cmd.command,
            subcommand: cmd.subcommand,
            data: w.toBuffer(),
          });
      this.encoded.set(cmd, frame);
    }
    return frame;
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
    let serial: number;
    let endCode: number;
    let dataOffset: number;
    let abnormalCode: number | undefined;
    try {
      if (this.is1E) {
        const res = decodeResponse1E(this.format.encoding, frame);
        serial = 0;
        endCode = res.endCode;
        dataOffset = frame.length - res.data.length;
        abnormalCode = res.abnormalCode;
      } else {
        const head = readFrameHead(this.format, "response", frame, this.head);
        serial = head.serial;
        endCode = head.fields[0]!;
        dataOffset = head.dataOffset;
      }
    } catch (err) {
      this.reset(err instanceof McError ? err : new McProtocolError(String(err)));
      return;
    }
    const p = this.inFlight.take(serial);
    if (!p) return; // a late answer to a request that already timed out (4E): ignore
    if (endCode !== 0) {
      const frame1E = this.is1E ? { abnormalCode } : undefined;
      this.finish(p, new McEndCodeError(endCode, `${this.label}: ${p.cmd.name}: `, frame1E));
    } else {
      let value: unknown;
      try {
        const r = this.reader.reset(frame, dataOffset);
        value = p.cmd.read(r);
        if (r.remaining !== 0)
          throw new McProtocolError(`${p.cmd.name}: ${r.remaining} unexpected trailing bytes`);
      } catch (err) {
        const e = err instanceof McError ? err : new McProtocolError(String(err));
        this.finish(p, new McProtocolError(`${this.label}: ${p.cmd.name}: ${e.message}`));
        // The bytes were framed correctly but made no sense: the peer cannot be trusted.
        this.reset(e);
        return;
      }
      this.finish(p, undefined, value);
    }
    this.pump();
  }

  /** Times out every request whose time is up, then re-arms for the next one to fall due. */
  private readonly onDeadline = (): void => {
    this.deadlineTimer = undefined;
    const timeoutMs = this.opts.requestTimeoutMs;
    for (;;) {
      const oldest = this.inFlight.oldest();
      if (!oldest) return;
      // Timers run on a millisecond clock: within 1 ms counts as due.
      const dueIn = oldest.sentAt + timeoutMs - performance.now();
      if (dueIn >= 1) {
        clearTimeout(this.deadlineTimer); // pump() may have armed it for a request it just sent
        this.deadlineTimer = setTimeout(this.onDeadline, dueIn).unref();
        return;
      }
      this.onTimeout(oldest);
    }
  };

  private onTimeout(p: Pending): void {
    this.inFlight.take(p.serial);
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
    const all = this.inFlight.drain();
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    for (const p of all) this.finish(p, err);
  }

  private failQueued(err: McError): void {
    const all = this.queue.drain();
    for (const p of all) this.finish(p, err);
  }

  private finish(p: Pending, error: McError | undefined, value?: unknown): void {
    const endedAt = p.sentAt ? performance.now() : 0;
    const durationMs = p.sentAt ? endedAt - p.sentAt : 0;
    this.onRequestEnd?.(durationMs, error, endedAt, p.cmd);
    if (p.reply) this.tell(p, error, value);
    else if (error) p.reject(error);
    else p.resolve(value);
    if (this.listenerCount("request") > 0)
      this.emit("request", { command: p.cmd.name, durationMs, error } satisfies RequestInfo);
  }

  private tell(p: Pending, error: McError | undefined, value: unknown): void {
    tellReply(p.reply!, p.context, error, value);
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
      return Promise.reject(err);
    }
  }

  private get is1E(): boolean {
    return this.opts.frame === "1E";
  }
}
