/**
 * A scripted 1E peer on 127.0.0.1 (TCP or UDP): each whole request (split by its command and point
 * count) goes to a script that sends whatever bytes it likes back. Not a simulator: a puppet, used to
 * replay captured frames and to answer garbage.
 */
import * as dgram from "node:dgram";
import * as net from "node:net";
import { requestLength1E } from "../../lib/mc/frame-1e";
import { type Encoding } from "../../lib/mc/wire";

export interface Peer1E {
  readonly port: number;
  /** Every request received, as sent. */
  readonly requests: Buffer[];
  close(): Promise<void>;
}

export type Script1E = (request: Buffer, send: (bytes: Buffer) => void) => void;

export async function startPeer1E(
  transport: "tcp" | "udp",
  encoding: Encoding,
  script: Script1E,
): Promise<Peer1E> {
  const requests: Buffer[] = [];
  if (transport === "udp") {
    const socket = dgram.createSocket("udp4");
    socket.on("error", () => undefined);
    socket.on("message", (msg, rinfo) => {
      requests.push(msg);
      script(msg, (b) => socket.send(b, rinfo.port, rinfo.address, () => undefined));
    });
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    return {
      port: socket.address().port,
      requests,
      close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
    };
  }
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        let total: number | undefined;
        try {
          total = requestLength1E(encoding, pending);
        } catch {
          socket.destroy();
          return;
        }
        if (total === undefined || pending.length < total) return;
        const request = pending.subarray(0, total);
        pending = pending.subarray(total);
        requests.push(request);
        script(request, (b) => {
          if (!socket.destroyed) socket.write(b);
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
