/**
 * Byte transports for MC frames: TCP (a stream, split into frames by the length field) and UDP
 * (one datagram = one frame). Both report whole frames, and report their end exactly once.
 */
import * as dgram from "node:dgram";
import * as net from "node:net";
import { McConnectionError, McError, McProtocolError, McTimeoutError } from "./errors";
import { type FrameFormat, FrameSplitter, frameLength } from "./frame";
import { type Expected1E, ResponseSplitter1E, responseLength1E } from "./frame-1e";

export type TransportKind = "tcp" | "udp";

export interface TransportEvents {
  /** A whole response frame. */
  onFrame(frame: Buffer): void;
  /** The transport ended (peer closed, error, garbage). Not called after our own close(). */
  onEnd(error: McError): void;
}

export interface Transport {
  /** `expected`: 1E only, the response this request gets (1E responses carry no length field). */
  send(frame: Buffer, expected?: Expected1E): void;
  close(): void;
}

export interface TransportOptions {
  readonly host: string;
  readonly port: number;
  readonly format: FrameFormat;
  readonly connectTimeoutMs: number;
  /** For messages: "PLC line1 (10.0.0.5:5000)". */
  readonly label: string;
}

export function openTransport(
  kind: TransportKind,
  opts: TransportOptions,
  events: TransportEvents,
): Promise<Transport> {
  return kind === "udp" ? openUdp(opts, events) : openTcp(opts, events);
}

function connectError(err: NodeJS.ErrnoException, label: string): McError {
  if (err.code === "ECONNREFUSED") {
    return new McConnectionError(
      "MC_CONNECTION_REFUSED",
      `${label}: connection refused (port busy or PLC down)`,
    );
  }
  if (err.code === "ETIMEDOUT") return new McTimeoutError(`${label}: connect timed out`);
  return new McConnectionError("MC_CONNECTION_LOST", `${label}: ${err.code ?? ""} ${err.message}`.trim());
}

function openTcp(opts: TransportOptions, events: TransportEvents): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: opts.host, port: opts.port });
    const splitter1E = opts.format.frame === "1E" ? new ResponseSplitter1E(opts.format.encoding) : undefined;
    const splitter = splitter1E ?? new FrameSplitter(opts.format, "response");
    let open = false;
    let ended = false;
    // Our own close must not be reported as a failure, and a failure is reported once.
    const end = (error: McError): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      socket.destroy();
      if (open) events.onEnd(error);
      else reject(error);
    };
    const timer = setTimeout(
      () => end(new McTimeoutError(`${opts.label}: connect timed out after ${opts.connectTimeoutMs} ms`)),
      opts.connectTimeoutMs,
    );
    socket.setNoDelay(true);
    socket.on("error", (err: NodeJS.ErrnoException) =>
      end(
        open
          ? new McConnectionError("MC_CONNECTION_LOST", `${opts.label}: ${err.message}`)
          : connectError(err, opts.label),
      ),
    );
    socket.on("close", () =>
      end(new McConnectionError("MC_CONNECTION_LOST", `${opts.label}: connection closed by the PLC`)),
    );
    socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = splitter.push(chunk);
      } catch (err) {
        // The stream cannot be resynchronised after garbage: reset the connection.
        end(err instanceof McError ? err : new McProtocolError(String(err)));
        return;
      }
      for (const f of frames) events.onFrame(f);
      if (splitter.failure) end(splitter.failure);
    });
    socket.once("connect", () => {
      clearTimeout(timer);
      open = true;
      resolve({
        send: (frame, expected) => {
          if (ended) return;
          if (expected) splitter1E?.expect(expected);
          socket.write(frame);
        },
        close: () => {
          ended = true;
          clearTimeout(timer);
          socket.destroy();
        },
      });
    });
  });
}

/**
 * UDP has no connect handshake: a PLC that is down or a port nobody serves shows up on the first
 * answer as an ICMP "port unreachable", which Node reports as `recvmsg ECONNREFUSED`.
 */
function udpError(err: NodeJS.ErrnoException, opts: TransportOptions): McError {
  if (err.code === "ECONNREFUSED") {
    return new McConnectionError(
      "MC_CONNECTION_REFUSED",
      `${opts.label}: nothing answers on UDP port ${opts.port} (PLC down, wrong port, or the port is not set up for UDP)`,
    );
  }
  return connectError(err, opts.label);
}

function openUdp(opts: TransportOptions, events: TransportEvents): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const family = net.isIPv6(opts.host) ? "udp6" : "udp4";
    const socket = dgram.createSocket(family);
    let open = false;
    let ended = false;
    let expected1E: Expected1E | undefined;
    const end = (error: McError): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // already closed
      }
      if (open) events.onEnd(error);
      else reject(error);
    };
    const timer = setTimeout(
      () => end(new McTimeoutError(`${opts.label}: UDP connect timed out after ${opts.connectTimeoutMs} ms`)),
      opts.connectTimeoutMs,
    );
    socket.on("error", (err: NodeJS.ErrnoException) => end(udpError(err, opts)));
    socket.on("message", (msg: Buffer) => {
      // A datagram that is not exactly one frame is dropped, not fatal: UDP has no stream to desync,
      // and the waiting request times out (or, on 4E, a later good answer still matches).
      try {
        if (opts.format.frame === "1E") {
          if (expected1E && responseLength1E(opts.format.encoding, expected1E, msg) === msg.length) {
            expected1E = undefined;
            events.onFrame(msg);
          }
        } else if (frameLength(opts.format, "response", msg) === msg.length) events.onFrame(msg);
      } catch {
        // garbage datagram: ignored
      }
    });
    // connect() fixes the peer, so datagrams from anyone else are filtered by the kernel.
    socket.connect(opts.port, opts.host, () => {
      clearTimeout(timer);
      open = true;
      resolve({
        send: (frame, expected) => {
          if (ended) return;
          if (expected) expected1E = expected;
          socket.send(frame);
        },
        close: () => {
          if (ended) return;
          ended = true;
          clearTimeout(timer);
          try {
            socket.close();
          } catch {
            // already closed
          }
        },
      });
    });
  });
}
