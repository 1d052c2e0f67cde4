/**
 * A scripted MC peer on 127.0.0.1 for transport tests: each decoded request is handed to a script that
 * decides what (if anything) goes back, byte by byte if it likes. Not a simulator: a puppet.
 */
import * as dgram from "node:dgram";
import * as net from "node:net";
import {
  type FrameFormat,
  FrameSplitter,
  type RequestFrame,
  decodeRequest,
  encodeResponse,
} from "../../lib/mc/frame";

export interface PeerRequest {
  readonly frame: RequestFrame;
  /** Encoded normal or error answer to this request. */
  answer(data?: Buffer, endCode?: number): Buffer;
  send(bytes: Buffer): void;
  closeConnection(): void;
}

export interface ScriptedPeer {
  port: number;
  readonly requests: RequestFrame[];
  connections: number;
  open: number;
  close(): Promise<void>;
}

export async function startTcpPeer(
  fmt: FrameFormat,
  // An async script answers later; a rejection goes unhandled, which mocha reports as a failure.
  script: (req: PeerRequest) => void | Promise<void>,
): Promise<ScriptedPeer> {
  const sockets = new Set<net.Socket>();
  const peer = { port: 0, requests: [] as RequestFrame[], connections: 0, open: 0 } as ScriptedPeer & {
    close: () => Promise<void>;
  };
  const server = net.createServer((socket) => {
    peer.connections++;
    peer.open++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => {
      peer.open--;
      sockets.delete(socket);
    });
    const splitter = new FrameSplitter(fmt, "request");
    socket.on("data", (chunk) => {
      for (const bytes of splitter.push(chunk)) {
        const frame = decodeRequest(fmt, bytes);
        peer.requests.push(frame);
        void script({
          frame,
          answer: (data = Buffer.alloc(0), endCode = 0) =>
            encodeResponse(fmt, { serial: frame.serial, route: frame.route, endCode, data }),
          send: (b) => {
            if (!socket.destroyed) socket.write(b);
          },
          closeConnection: () => socket.destroy(),
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  peer.port = (server.address() as net.AddressInfo).port;
  peer.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return peer;
}

export async function startUdpPeer(
  fmt: FrameFormat,
  script: (req: PeerRequest) => void,
): Promise<ScriptedPeer> {
  const socket = dgram.createSocket("udp4");
  const peer = { port: 0, requests: [] as RequestFrame[], connections: 0, open: 0 } as ScriptedPeer & {
    close: () => Promise<void>;
  };
  socket.on("message", (msg, rinfo) => {
    const frame = decodeRequest(fmt, msg);
    peer.requests.push(frame);
    script({
      frame,
      answer: (data = Buffer.alloc(0), endCode = 0) =>
        encodeResponse(fmt, { serial: frame.serial, route: frame.route, endCode, data }),
      send: (b) => socket.send(b, rinfo.port, rinfo.address),
      closeConnection: () => undefined,
    });
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  peer.port = socket.address().port;
  peer.close = () => new Promise<void>((resolve) => socket.close(() => resolve()));
  return peer;
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond` holds, polling every 5 ms, failing after `ms`. */
export async function until(cond: () => boolean, ms = 2000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}
