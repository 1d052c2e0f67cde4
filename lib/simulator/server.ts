/**
 * The simulated PLC port: one listening TCP or UDP endpoint speaking one frame format, in front of a
 * DeviceMemory (which several simulator ports may share, like a CPU's built-in port and an Ethernet module).
 *
 * Over 400 lines: one class owns the TCP and UDP endpoints, latency and the CPU scan model,
 * fault injection and statistics, which all act on the same connections and queues.
 */
import * as dgram from "node:dgram";
import * as net from "node:net";
import { type Series } from "../mc/devices";
import { hex4 } from "../mc/errors";
import {
  FrameHead,
  type FrameFormat,
  type FrameType,
  LOCAL_ROUTE,
  type RequestFrame,
  encodeResponse,
  frameLength,
  readFrameHead,
} from "../mc/frame";
import { decodeRequest1E, requestLength1E } from "../mc/frame-1e";
import { CMD } from "../mc/commands";
import { type Encoding } from "../mc/wire";
import { type FailPredicate, Faults } from "./faults";
import { type GeneratorSpec, Generators } from "./generators";
import {
  type CpuState,
  type HandlerContext,
  answerWordRead,
  errorResponse,
  handleRequest,
  setCpuState,
} from "./handler";
import { handleFrame1E } from "./handler-1e";
import { DeviceMemory } from "./memory";

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a random free port, reported by start() and `port`. */
  readonly port?: number;
  readonly transport?: "tcp" | "udp";
  readonly frame?: FrameType;
  readonly encoding?: Encoding;
  /** Which subcommands and device specifications the CPU accepts (see handler.ts). Default "ql". */
  readonly series?: Series;
  /** ZR device numbers in hex in ASCII frames (default decimal, like the client's default). */
  readonly zrHex?: boolean;
  /** Simultaneous TCP clients; further connections are reset at once. Default 64; 1 = iQ-R built-in port. */
  readonly maxClients?: number;
  /** Processing time per request; real CPUs answer in 3–7 ms. Default 0. */
  readonly latencyMs?: number;
  readonly jitterMs?: number;
  /**
   * CPU scan time (the CPU model; default 0 = off). A CPU serves MC requests in its END processing: each
   * connection's requests one at a time (4E too: no free parallelism from pipelining), at most one per
   * scan. A request is taken at the first END (a multiple of scanMs since start) after it arrived and
   * after its connection's previous request, and answered `latencyMs` later. Connections are served
   * in the same END, so N connections give N times the throughput. docs/CLI.md.
   */
  readonly scanMs?: number;
  /** Answer to 0101 (read CPU model); defaults per series. 1E answers modelCode's low byte (default F3H, FX3U). */
  readonly model?: string;
  readonly modelCode?: number;
  /** Share one memory between several simulator ports. */
  readonly memory?: DeviceMemory;
  /** Modules with buffer memory (U\\G), when `memory` is not given; see DeviceMemoryOptions.modules. */
  readonly modules?: Readonly<Record<string, number>>;
  /** Refuse writes with end code 0055 while the CPU is in RUN. */
  readonly onlineChangeDisabled?: boolean;
  /** Default "run". SD203 follows it. */
  readonly cpuState?: CpuState;
  /**
   * How the 16-character model name of 0101 is padded: "space" as the manuals show for every series
   * (default), or "nul" as some PLCs and mocks answer; clients must trim either.
   */
  readonly modelPadding?: "space" | "nul";
  /** The clock SD210–SD216 show, in epoch ms (default Date.now). */
  readonly now?: () => number;
}

export interface SimulatorStats {
  /** Requests received and decoded (stalled and forced-failure requests included). */
  requests: number;
  /** Responses sent (garbage replacements included). */
  responses: number;
  /** Requests per command, keyed by the command as 4 hex digits ("0401"; 1E: 2 digits, "01"). */
  byCommand: Record<string, number>;
  connectionsAccepted: number;
  connectionsRefused: number;
  /** Bytes dropped without an answer: garbage, wrong frame format or encoding. */
  discardedBytes: number;
}

/** Model code values from the manuals' CPU model tables; the iQ-F one is unverified. */
const DEFAULT_MODEL: Record<Series, { model: string; code: number }> = {
  ql: { model: "Q03UDVCPU", code: 0x0366 },
  iqr: { model: "R08CPU", code: 0x4801 },
  iqf: { model: "FX5U-32MT/ES", code: 0x4a21 },
};

const EMPTY = Buffer.alloc(0);

/** Where responses for one client go, and its 3E in-order request queue. */
interface Channel {
  readonly send: (data: Buffer) => void;
  readonly queue: Buffer[];
  busy: boolean;
  closed: boolean;
  /** The scan whose END served this connection's last request (CPU model). */
  lastScan: number;
}

export class PlcSimulator {
  readonly memory: DeviceMemory;
  readonly format: FrameFormat;
  readonly stats: SimulatorStats = {
    requests: 0,
    responses: 0,
    byCommand: {},
    connectionsAccepted: 0,
    connectionsRefused: 0,
    discardedBytes: 0,
  };

  private readonly host: string;
  private readonly requestedPort: number;
  private readonly transport: "tcp" | "udp";
  private readonly maxClients: number;
  private readonly scanMs: number;
  private scanEpoch = 0;
  private readonly ctx: HandlerContext;
  private readonly faults = new Faults();
  private readonly generators: Generators;
  private tcp: net.Server | undefined;
  private udp: dgram.Socket | undefined;
  private boundPort = 0;
  private running = false;
  private refusing = false;
  private paused = false;
  private held: { channel: Channel; data: Buffer }[] = [];
  private readonly sockets = new Map<net.Socket, Channel>();
  private readonly udpPeers = new Map<string, Channel>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The header of the request being answered, read in place (answers are made one at a time). */
  private readonly head = new FrameHead();

  constructor(options: SimulatorOptions = {}) {
    const series = options.series ?? "ql";
    this.host = options.host ?? "127.0.0.1";
    this.requestedPort = options.port ?? 0;
    this.transport = options.transport ?? "tcp";
    this.format = { frame: options.frame ?? "3E", encoding: options.encoding ?? "binary" };
    this.maxClients = options.maxClients ?? 64;
    if (!Number.isInteger(this.maxClients) || this.maxClients < 1) {
      throw new RangeError(`maxClients must be a positive integer, got ${options.maxClients}`);
    }
    this.memory = options.memory ?? new DeviceMemory({ modules: options.modules });
    this.generators = new Generators(this.memory);
    this.faults.setLatency(options.latencyMs ?? 0, options.jitterMs ?? 0);
    this.scanMs = options.scanMs ?? 0;
    if (!(this.scanMs >= 0)) throw new RangeError(`scanMs must be >= 0, got ${options.scanMs}`);
    this.ctx = {
      memory: this.memory,
      series,
      zrHex: options.zrHex ?? false,
      model: options.model ?? DEFAULT_MODEL[series].model,
      modelCode: options.modelCode ?? (this.format.frame === "1E" ? 0xf3 : DEFAULT_MODEL[series].code),
      onlineChangeDisabled: options.onlineChangeDisabled ?? false,
      cpuState: options.cpuState ?? "run",
      modelPadding: options.modelPadding ?? "space",
      now: options.now,
    };
    setCpuState(this.ctx, this.ctx.cpuState);
  }

  /** The bound port (0 before start()). */
  get port(): number {
    return this.boundPort;
  }

  /** Open TCP connections, or UDP peers seen since the last dropConnections(). */
  get clientCount(): number {
    return this.transport === "tcp" ? this.sockets.size : this.udpPeers.size;
  }

  get cpuState(): CpuState {
    return this.ctx.cpuState;
  }

  set cpuState(state: CpuState) {
    setCpuState(this.ctx, state);
  }

  get listening(): boolean {
    return this.running;
  }

  async start(): Promise<number> {
    if (this.running || this.tcp || this.udp) throw new Error("simulator already started");
    this.running = true;
    this.scanEpoch = performance.now();
    try {
      this.boundPort = this.transport === "tcp" ? await this.listenTcp() : await this.bindUdp();
    } catch (err) {
      this.running = false;
      this.tcp = undefined;
      this.udp = undefined;
      throw err;
    }
    return this.boundPort;
  }

  /** Closes the listener and every client, and clears every timer, so the process can exit. */
  async stop(): Promise<void> {
    this.running = false;
    this.dropConnections();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.held = [];
    this.paused = false;
    this.generators.stop();
    const tcp = this.tcp;
    const udp = this.udp;
    this.tcp = undefined;
    this.udp = undefined;
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
  }

  setLatency(ms: number, jitterMs = 0): void {
    this.faults.setLatency(ms, jitterMs);
  }

  /** Closes every current connection (TCP) or forgets every peer (UDP); pending answers are lost. */
  dropConnections(): void {
    for (const [socket, channel] of this.sockets) {
      channel.closed = true;
      socket.destroy();
    }
    this.sockets.clear();
    for (const channel of this.udpPeers.values()) channel.closed = true;
    this.udpPeers.clear();
  }

  /**
   * While on, new TCP connections are reset as soon as they are accepted (the port stays bound, so
   * nothing else can take it) and UDP datagrams are ignored.
   */
  refuseConnections(on: boolean): void {
    this.refusing = on;
  }

  /** While on, requests are accepted and counted but never answered. */
  stall(on: boolean): void {
    this.faults.stalled = on;
  }

  /** The next `n` responses are replaced by bytes that cannot be framed. */
  sendGarbage(n: number): void {
    this.faults.sendGarbage(n);
  }

  /** The next `n` requests are answered with `endCode` (and error information) instead of executed. */
  failNext(endCode: number, n = 1): void {
    this.faults.failNext(endCode, n);
  }

  /** Answer requests for which `predicate` returns an end code with that end code; undefined clears it. */
  failWhen(predicate: FailPredicate | undefined): void {
    this.faults.setFailWhen(predicate);
  }

  /** Holds responses until resume(); requests are still executed when their processing time is over. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const h of held) this.deliver(h.channel, h.data);
  }

  /** Starts a value generator; the returned function stops it. stop() stops all of them. */
  addGenerator(spec: GeneratorSpec): () => void {
    return this.generators.add(spec);
  }

  private listenTcp(): Promise<number> {
    const server = net.createServer((socket) => this.onConnection(socket));
    this.tcp = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: this.host, port: this.requestedPort }, () => {
        server.off("error", reject);
        // A listener error after start (rare: e.g. EMFILE on accept) must not crash the test process.
        server.on("error", () => undefined);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  private bindUdp(): Promise<number> {
    const socket = dgram.createSocket(net.isIPv6(this.host) ? "udp6" : "udp4");
    this.udp = socket;
    socket.on("message", (msg, rinfo) => this.onDatagram(socket, msg, rinfo));
    return new Promise((resolve, reject) => {
      socket.once("error", reject);
      socket.bind({ address: this.host, port: this.requestedPort }, () => {
        socket.off("error", reject);
        socket.on("error", () => undefined);
        resolve(socket.address().port);
      });
    });
  }

  private onConnection(socket: net.Socket): void {
    socket.on("error", () => undefined);
    if (!this.running || this.refusing || this.sockets.size >= this.maxClients) {
      // A reset is the closest a listening socket gets to the ECONNREFUSED a busy iQ-R port gives.
      this.stats.connectionsRefused++;
      socket.resetAndDestroy();
      return;
    }
    this.stats.connectionsAccepted++;
    socket.setNoDelay(true);
    const channel = newChannel((data) => {
      if (!socket.destroyed) socket.write(data);
    });
    this.sockets.set(socket, channel);
    let pending: Buffer<ArrayBufferLike> = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = this.splitFrames(pending.length ? Buffer.concat([pending, chunk]) : chunk, channel);
    });
    socket.on("close", () => {
      channel.closed = true;
      if (this.sockets.get(socket) === channel) this.sockets.delete(socket);
    });
  }

  /** Submits every whole frame and returns the incomplete rest; garbage discards everything buffered. */
  private splitFrames(buf: Buffer<ArrayBufferLike>, channel: Channel): Buffer<ArrayBufferLike> {
    for (;;) {
      let total: number | undefined;
      try {
        total = this.requestLength(buf);
      } catch {
        // A real PLC drops what it cannot frame (an ASCII frame on a binary port, noise) without answering.
        this.stats.discardedBytes += buf.length;
        return Buffer.alloc(0);
      }
      if (total === undefined || buf.length < total) return buf;
      if (total === buf.length) {
        // The usual case: the chunk is exactly one request.
        this.submit(channel, buf);
        return EMPTY;
      }
      this.submit(channel, buf.subarray(0, total));
      buf = buf.subarray(total);
      if (buf.length === 0) return buf;
    }
  }

  /** 1E requests carry no length: it follows from their command and point count. */
  private requestLength(buf: Buffer): number | undefined {
    return this.format.frame === "1E"
      ? requestLength1E(this.format.encoding, buf)
      : frameLength(this.format, "request", buf);
  }

  private onDatagram(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (!this.running || this.refusing) return;
    let total: number | undefined;
    try {
      total = this.requestLength(msg);
    } catch {
      total = undefined;
    }
    // One datagram is one frame; anything else is dropped like garbage on a TCP stream.
    if (total !== msg.length) {
      this.stats.discardedBytes += msg.length;
      return;
    }
    const key = `${rinfo.address}|${rinfo.port}`;
    let channel = this.udpPeers.get(key);
    if (!channel) {
      channel = newChannel((data) => {
        if (this.udp === socket) socket.send(data, rinfo.port, rinfo.address, () => undefined);
      });
      this.udpPeers.set(key, channel);
    }
    this.submit(channel, msg);
  }

  /**
   * A real 3E port handles one request at a time, so its answers keep request order even with latency;
   * 4E requests carry a serial and are processed concurrently (one at a time with the CPU model).
   */
  private submit(channel: Channel, frame: Buffer): void {
    if (this.format.frame === "4E" && this.scanMs === 0) {
      this.after(this.faults.delay(), () => this.respond(channel, frame));
      return;
    }
    // The benchmark's and the usual case: nothing queued and nothing to wait for, so answer at once.
    if (!channel.busy && channel.queue.length === 0 && this.scanMs === 0 && !this.faults.delaying) {
      this.respond(channel, frame);
      return;
    }
    channel.queue.push(frame);
    this.pump(channel);
  }

  private pump(channel: Channel): void {
    while (!channel.busy && !channel.closed) {
      const frame = channel.queue.shift();
      if (!frame) return;
      const delay = this.waitForEnd(channel) + this.faults.delay();
      if (delay <= 0) {
        this.respond(channel, frame);
        continue;
      }
      channel.busy = true;
      this.after(delay, () => {
        channel.busy = false;
        this.respond(channel, frame);
        this.pump(channel);
      });
    }
  }

  /** CPU model: time until the END processing that serves this connection's next request. */
  private waitForEnd(channel: Channel): number {
    if (this.scanMs === 0) return 0;
    const since = performance.now() - this.scanEpoch;
    const scan = Math.max(Math.ceil(since / this.scanMs), channel.lastScan + 1);
    channel.lastScan = scan;
    return scan * this.scanMs - since;
  }

  private after(delayMs: number, fn: () => void): void {
    if (delayMs <= 0) {
      fn();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, delayMs);
    this.timers.add(timer);
  }

  private respond(channel: Channel, frame: Buffer): void {
    if (channel.closed || !this.running) return;
    if (this.format.frame === "1E") {
      this.respond1E(channel, frame);
      return;
    }
    let head: FrameHead;
    try {
      // Whole frames only reach here (their length was checked when they were split off).
      head = readFrameHead(this.format, "request", frame, this.head);
    } catch {
      this.stats.discardedBytes += frame.length;
      return;
    }
    const command = head.fields[1]!;
    this.stats.requests++;
    const key = commandKey(command);
    this.stats.byCommand[key] = (this.stats.byCommand[key] ?? 0) + 1;
    if (this.faults.stalled) return;
    let data = this.faults.forcing ? undefined : answerWordRead(this.ctx, this.format, frame, head);
    if (!data) {
      const req: RequestFrame = {
        serial: head.serial,
        route: head.route,
        timer: head.fields[0]!,
        command,
        subcommand: head.fields[2]!,
        data: frame.subarray(head.dataOffset),
      };
      const forced = this.faults.forcedEndCode(req);
      const response =
        forced === undefined
          ? handleRequest(this.ctx, this.format, req)
          : errorResponse(this.format, req, forced);
      data = encodeResponse(this.format, response);
      // A CPU that resets drops its TCP connections (the FX5 manual advises UDP for remote operations):
      // answer first, then drop them.
      if (command === CMD.REMOTE_RESET && response.endCode === 0)
        this.after(20, () => this.dropConnections());
    }
    data = this.faults.maybeGarbage(data);
    if (this.paused) this.held.push({ channel, data });
    else this.deliver(channel, data);
  }

  private respond1E(channel: Channel, frame: Buffer): void {
    let request;
    try {
      request = decodeRequest1E(this.format.encoding, frame);
    } catch {
      this.stats.discardedBytes += frame.length;
      return;
    }
    const { command, pc, timer, data: requestData } = request;
    this.stats.requests++;
    const key = command.toString(16).toUpperCase().padStart(2, "0");
    this.stats.byCommand[key] = (this.stats.byCommand[key] ?? 0) + 1;
    if (this.faults.stalled) return;
    // Fault predicates see the 1E command with PC No. as the route's, and subcommand 0.
    const forced = this.faults.forcedEndCode({
      serial: 0,
      route: { ...LOCAL_ROUTE, pc },
      timer,
      command,
      subcommand: 0,
      data: requestData,
    });
    const response = handleFrame1E(this.ctx, this.format.encoding, frame, forced);
    if (!response) return;
    const data = this.faults.maybeGarbage(response);
    if (this.paused) this.held.push({ channel, data });
    else this.deliver(channel, data);
  }

  private deliver(channel: Channel, data: Buffer): void {
    if (channel.closed || !this.running) return;
    this.stats.responses++;
    channel.send(data);
  }
}

const commandKeys = new Map<number, string>();

/** hex4(command), remembered: the stats count every request by it. */
function commandKey(command: number): string {
  let key = commandKeys.get(command);
  if (key === undefined) {
    key = hex4(command);
    if (commandKeys.size < 1024) commandKeys.set(command, key);
  }
  return key;
}

function newChannel(send: (data: Buffer) => void): Channel {
  return { send, queue: [], busy: false, closed: false, lastScan: -1 };
}
