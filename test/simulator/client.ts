/**
 * A deliberately dumb MC client for the simulator tests: plain sockets plus the lib/mc codecs, so a
 * simulator bug cannot hide behind the engine's own client.
 */
import * as dgram from "node:dgram";
import * as net from "node:net";
import { type Command } from "../../lib/mc/commands";
import { type Series } from "../../lib/mc/devices";
import { DeviceMemory, type HandlerContext } from "../../lib/simulator";
import {
  type FrameFormat,
  LOCAL_ROUTE,
  type ResponseFrame,
  FrameSplitter,
  decodeResponse,
  encodeRequest,
} from "../../lib/mc/frame";
import { FieldReader, FieldWriter, type WireFormat } from "../../lib/mc/wire";

export interface Format extends FrameFormat {
  readonly series: Series;
}

export function wireOf(f: Format): WireFormat {
  return { encoding: f.encoding, series: f.series };
}

/** Encodes a lib/mc command as a request frame. */
export function requestFor<T>(f: Format, cmd: Command<T>, serial = 0x1234): Buffer {
  const w = new FieldWriter(wireOf(f));
  cmd.write(w);
  return encodeRequest(f, {
    serial,
    route: LOCAL_ROUTE,
    timer: 4,
    command: cmd.command,
    subcommand: cmd.subcommand,
    data: Buffer.from(w.toBuffer()),
  });
}

/** A raw request: command, subcommand and data written by `write`. */
export function rawRequest(
  f: Format,
  command: number,
  subcommand: number,
  write: (w: FieldWriter) => void = () => undefined,
  serial = 0x1234,
): Buffer {
  const w = new FieldWriter(wireOf(f));
  write(w);
  return encodeRequest(f, {
    serial,
    route: LOCAL_ROUTE,
    timer: 4,
    command,
    subcommand,
    data: Buffer.from(w.toBuffer()),
  });
}

export function readResult<T>(f: Format, cmd: Command<T>, res: ResponseFrame): T {
  const r = new FieldReader(res.data, wireOf(f));
  const value = cmd.read(r);
  if (r.remaining !== 0) throw new Error(`${r.remaining} unread bytes in the response`);
  return value;
}

/** One TCP connection; responses are reassembled with FrameSplitter and handed out in order. */
export class TcpClient {
  private readonly splitter: FrameSplitter;
  private readonly frames: Buffer[] = [];
  private waiters: ((frame: Buffer) => void)[] = [];
  closed = false;
  /** Bytes that could not be framed as responses. */
  garbage = 0;
  error: Error | undefined;

  private constructor(
    readonly socket: net.Socket,
    readonly format: FrameFormat,
  ) {
    this.splitter = new FrameSplitter(format, "response");
    socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = this.splitter.push(chunk);
      } catch {
        this.garbage += chunk.length;
        this.splitter.reset();
        return;
      }
      for (const frame of frames) {
        const w = this.waiters.shift();
        if (w) w(frame);
        else this.frames.push(frame);
      }
    });
    socket.on("close", () => (this.closed = true));
    socket.on("error", (err) => (this.error = err));
  }

  static connect(port: number, format: FrameFormat): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => {
        socket.off("error", reject);
        resolve(new TcpClient(socket, format));
      });
      socket.once("error", reject);
    });
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next response frame (raw bytes), or a rejection after `timeoutMs`. */
  next(timeoutMs = 1000): Promise<Buffer> {
    const ready = this.frames.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const waiter = (frame: Buffer): void => {
        clearTimeout(timer);
        resolve(frame);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error("timeout"));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async request(bytes: Buffer, timeoutMs = 1000): Promise<ResponseFrame> {
    this.send(bytes);
    return decodeResponse(this.format, await this.next(timeoutMs));
  }

  /** Raw bytes received within `ms`, without framing (for garbage and silence checks). */
  rawFor(ms: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer): void => void chunks.push(c);
    this.socket.prependListener("data", onData);
    return new Promise((resolve) =>
      setTimeout(() => {
        this.socket.off("data", onData);
        resolve(Buffer.concat(chunks));
      }, ms),
    );
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.destroy();
    });
  }
}

/** Sends one datagram and waits for one answer. */
export async function udpRequest(port: number, bytes: Buffer, timeoutMs = 1000): Promise<Buffer> {
  const socket = dgram.createSocket("udp4");
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      socket.on("message", (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      socket.on("error", reject);
      socket.send(bytes, port, "127.0.0.1");
    });
  } finally {
    socket.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const FORMATS: readonly Format[] = (["3E", "4E"] as const).flatMap((frame) =>
  (["binary", "ascii"] as const).flatMap((encoding) =>
    (["ql", "iqr"] as const).map((series) => ({ frame, encoding, series })),
  ),
);

export function label(f: Format): string {
  return `${f.frame} ${f.encoding} ${f.series}`;
}

/** A fresh handler context; internal handler failures are collected in `failures` (tests expect none). */
export function handlerContext(
  series: Series,
  failures: unknown[],
  extra: Partial<HandlerContext> = {},
): HandlerContext {
  return {
    memory: new DeviceMemory(),
    series,
    zrHex: false,
    model: series === "iqr" ? "R08CPU" : "Q03UDVCPU",
    modelCode: series === "iqr" ? 0x4801 : 0x0366,
    onlineChangeDisabled: false,
    cpuState: "run",
    onInternalError: (err) => failures.push(err),
    ...extra,
  };
}
