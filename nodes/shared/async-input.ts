import type { NodeMessage, NodeMessageInFlow } from "node-red";

type Send = (msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[]) => void;
type Done = (err?: Error) => void;

/**
 * An async input listener for `node.on("input", …)`. Node-RED ignores what a listener returns, so a
 * rejection would go unhandled (and may stop the runtime): it goes to `done` instead, to Catch nodes.
 */
export function asyncInput(
  listener: (msg: NodeMessageInFlow, send: Send, done: Done) => Promise<unknown>,
): (msg: NodeMessageInFlow, send: Send, done: Done) => void {
  return (msg, send, done) => {
    listener(msg, send, done).catch((err: unknown) =>
      done(err instanceof Error ? err : new Error(String(err))),
    );
  };
}
