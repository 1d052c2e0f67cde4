/**
 * Queue throughput and memory. Prints figures only; the goals (memory >= 100 000 msg/s, persisted
 * >= 20 000 msg/s, bounded RSS under a 1 000 000-message backlog) are for a human to compare.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Queue, SqliteStore, type QueueOptions } from "../lib/queue";
import { request, startRuntime } from "../test/examples/runtime";

type Sample = { topic: string; payload: { value: number; ts: number } };

const sample = (i: number): Sample => ({
  topic: "plc1/D100",
  payload: { value: i, ts: 1_700_000_000_000 + i },
});

function fmt(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MB`;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Puts `count` messages in bursts of `burst` per tick and resolves when the consumer has acked them all.
 * The consumer acks synchronously, so the figure is the queue's own cost (plus the store's).
 */
async function throughput(
  count: number,
  burst: number,
  options: Partial<QueueOptions<Sample>>,
): Promise<number> {
  let acked = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const queue: Queue<Sample> = new Queue<Sample>({
    capacity: count,
    ...options,
    deliver: (d) => {
      acked += d.batch ? d.payloads.length : 1;
      queue.ack(d.id);
      if (acked === count) done();
    },
  });
  const start = performance.now();
  for (let i = 0; i < count;) {
    const puts: Promise<unknown>[] = [];
    for (const end = Math.min(count, i + burst); i < end; i++) puts.push(queue.put(sample(i)));
    await Promise.all(puts);
  }
  await finished;
  const seconds = (performance.now() - start) / 1000;
  queue.close();
  return count / seconds;
}

function tempFile(): { file: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jsscada-queue-bench-"));
  return { file: path.join(dir, "queue.db"), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function persisted(count: number, options: Partial<QueueOptions<Sample>>): Promise<number> {
  const tmp = tempFile();
  try {
    return await throughput(count, 1_000, { ...options, store: SqliteStore.open<Sample>(tmp.file) });
  } finally {
    tmp.remove();
  }
}

function rss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
}

async function backlog(count: number): Promise<void> {
  const tmp = tempFile();
  try {
    const before = rss();
    let queue = new Queue<Sample>({
      store: SqliteStore.open<Sample>(tmp.file),
      capacity: count,
      mode: "pull",
      deliver: () => undefined,
    });
    const start = performance.now();
    for (let i = 0; i < count;) {
      const puts: Promise<unknown>[] = [];
      for (const end = Math.min(count, i + 10_000); i < end; i++) puts.push(queue.put(sample(i)));
      await Promise.all(puts);
    }
    const fillSeconds = (performance.now() - start) / 1000;
    const filled = rss();
    const filledHeap = process.memoryUsage().heapUsed;
    queue.close();

    const reopenStart = performance.now();
    queue = new Queue<Sample>({
      store: SqliteStore.open<Sample>(tmp.file),
      capacity: count,
      mode: "pull",
      deliver: () => undefined,
    });
    const reopenMs = performance.now() - reopenStart;
    let pulled = 0;
    for (let i = 0; i < 100; i++) pulled += queue.pull(1_000);
    await tick();
    const draining = rss();
    const size = queue.status().size;
    queue.close();

    console.log(
      `queue persisted backlog: ${fmt(count)} messages filled at ${fmt(count / fillSeconds)} msg/s`,
    );
    console.log(
      `queue persisted backlog: file ${mb(fs.statSync(tmp.file).size)}, reopen ${fmt(reopenMs)} ms`,
    );
    console.log(
      `queue persisted backlog RSS: ${mb(before)} before, ${mb(filled)} holding ${fmt(count)}, ` +
        `${mb(draining)} after reopening and pulling ${fmt(pulled)} (${fmt(size)} left)`,
    );
    // RSS keeps the allocator's high-water mark; the JS heap shows what the queue itself retains.
    console.log(`queue persisted backlog heap used: ${mb(filledHeap)} holding ${fmt(count)}`);
  } finally {
    tmp.remove();
  }
}

/**
 * Through the node in a real Node-RED runtime (the demo's start script in a child process): a function
 * node sends `count` messages into the queue, and each delivered message goes through a function node
 * straight back to the queue's input as its acknowledgement. The runtime reports start and end times.
 */
async function throughRuntime(count: number, persistence: "memory" | "disk"): Promise<number> {
  const tab = "bench-tab";
  const flow = [
    { id: tab, type: "tab", label: "queue bench" },
    {
      id: "bench-queue",
      z: tab,
      type: "jsscada-queue",
      name: `bench-${persistence}`,
      capacity: String(count),
      overflow: "reject",
      mode: "ack",
      maxInFlight: "100",
      ackTimeout: "0",
      persistence,
      wires: [["bench-ack"], []],
    },
    {
      id: "bench-ack",
      z: tab,
      type: "function",
      func: `const n = (context.get("n") || 0) + 1; context.set("n", n);
if (n === global.get("benchCount")) global.set("benchEnd", Date.now());
return msg;`,
      outputs: 1,
      wires: [["bench-queue"]],
    },
    {
      id: "bench-start",
      z: tab,
      type: "http in",
      url: "/bench/start",
      method: "post",
      wires: [["bench-gen"]],
    },
    {
      id: "bench-gen",
      z: tab,
      type: "function",
      func: `const n = msg.payload.count; global.set("benchCount", n); global.set("benchStart", Date.now());
for (let i = 0; i < n; i++) node.send([{ payload: { seq: i } }, null]);
return [null, msg];`,
      outputs: 2,
      wires: [["bench-queue"], ["bench-reply"]],
    },
    {
      id: "bench-result",
      z: tab,
      type: "http in",
      url: "/bench/result",
      method: "get",
      wires: [["bench-report"]],
    },
    {
      id: "bench-report",
      z: tab,
      type: "function",
      func: `msg.payload = { start: global.get("benchStart"), end: global.get("benchEnd") || null }; return msg;`,
      outputs: 1,
      wires: [["bench-reply"]],
    },
    { id: "bench-reply", z: tab, type: "http response", statusCode: "", headers: {}, wires: [] },
  ];
  const rt = await startRuntime({ flow, timeoutMs: 60_000 });
  try {
    await request("POST", `${rt.url}/bench/start`, { count });
    for (;;) {
      const { body } = await request<{ start: number; end: number | null }>("GET", `${rt.url}/bench/result`);
      if (body.end) return count / ((body.end - body.start) / 1000);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await rt.stop();
  }
}

export async function run(): Promise<void> {
  // First, so that its RSS figures are not inflated by the garbage of the throughput runs.
  await backlog(1_000_000);
  console.log(
    `queue memory: ${fmt(await throughput(1_000_000, 10_000, {}))} msg/s (put+deliver+ack, 1 in flight)`,
  );
  console.log(
    `queue memory batched: ${fmt(await throughput(1_000_000, 10_000, { batch: { size: 100 } }))} msg/s (batches of 100)`,
  );
  console.log(`queue persisted: ${fmt(await persisted(200_000, {}))} msg/s (put+deliver+ack, 1 in flight)`);
  console.log(`queue persisted, 100 in flight: ${fmt(await persisted(200_000, { maxInFlight: 100 }))} msg/s`);
  console.log(
    `queue persisted batched: ${fmt(await persisted(200_000, { batch: { size: 100 } }))} msg/s (batches of 100)`,
  );
  console.log(
    `queue node (real Node-RED runtime, memory): ${fmt(await throughRuntime(100_000, "memory"))} msg/s (put+deliver+ack by message, 100 in flight)`,
  );
  console.log(
    `queue node (real Node-RED runtime, disk): ${fmt(await throughRuntime(50_000, "disk"))} msg/s (put+deliver+ack by message, 100 in flight)`,
  );
}

if (require.main === module) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
