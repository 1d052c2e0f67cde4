import fs from "node:fs";
import path from "node:path";
import should from "should";
import Database from "better-sqlite3";
import {
  Queue,
  QueueStoreError,
  SqliteStore,
  bufferReviver,
  type Delivery,
  type QueueOptions,
} from "../../lib/queue";
import { FakeClock, payloads, settle, tempDir } from "./helpers";
import { nth } from "../helpers/nth";

type Msg = { n: number };

describe("persistent queue (SqliteStore)", () => {
  let tmp: ReturnType<typeof tempDir>;
  let file: string;
  const open: { close(): unknown }[] = [];

  beforeEach(() => {
    tmp = tempDir();
    file = path.join(tmp.dir, "queue.db");
  });
  afterEach(() => {
    for (const o of open.splice(0)) o.close();
    tmp.remove();
  });

  function openQueue(options: Partial<QueueOptions<Msg>> = {}) {
    const delivered: Delivery<Msg>[] = [];
    const store = SqliteStore.open<Msg>(file);
    const queue = new Queue<Msg>({ store, deliver: (d) => delivered.push(d), ...options });
    open.push(queue);
    return { queue, delivered, store };
  }

  function openError(target: string, options = {}): QueueStoreError {
    try {
      SqliteStore.open(target, options).close();
    } catch (err) {
      return err as QueueStoreError;
    }
    throw new Error("open succeeded");
  }

  it("commits the puts of one tick in one transaction before resolving them", async () => {
    const { queue, store } = openQueue();
    queue.pause();
    let transactions = 0;
    const original = store.transaction.bind(store);
    store.transaction = (fn) => {
      transactions++;
      return original(fn);
    };
    const puts = Array.from({ length: 1000 }, (_, n) => queue.put({ n }));
    store.count().should.equal(0);
    await Promise.all(puts);
    transactions.should.equal(1);
    store.count().should.equal(1000);
    queue.status().should.containEql({ size: 1000, persistent: true });
    queue.status().bytes!.should.equal(store.bytes());
  });

  it("keeps what was accepted across close and reopen, and redelivers what was in flight", async () => {
    const first = openQueue({ maxInFlight: 2 });
    await Promise.all(Array.from({ length: 10 }, (_, n) => first.queue.put({ n })));
    await settle();
    first.queue.ack(nth(first.delivered, 0).id);
    await settle();
    payloads(first.delivered).should.eql([{ n: 0 }, { n: 1 }, { n: 2 }]);
    first.queue.close().should.eql([]);
    open.pop();

    const second = openQueue({ maxInFlight: 2 });
    second.queue.status().size.should.equal(9);
    await settle();
    second.delivered
      .map((d) => (d.batch ? undefined : [d.payload.n, d.attempt, d.redelivery]))
      .should.eql([
        [1, 2, true],
        [2, 2, true],
      ]);
    second.queue.ack(nth(second.delivered, 0).id);
    await settle();
    nth(second.delivered, 2).should.containEql({ payload: { n: 3 }, attempt: 1, redelivery: false });
  });

  it("reads ahead a bounded window however long the backlog", async () => {
    const { queue, store } = openQueue({ mode: "pull", readAhead: 100 });
    await Promise.all(Array.from({ length: 5_000 }, (_, n) => queue.put({ n })));
    let largestRead = 0;
    const original = store.read.bind(store);
    store.read = (after, limit) => {
      const rows = original(after, limit);
      largestRead = Math.max(largestRead, rows.length);
      return rows;
    };
    let released = 0;
    while (queue.pull(37) > 0) released += 37;
    released.should.be.aboveOrEqual(5_000);
    largestRead.should.equal(100);
    queue.status().size.should.equal(0);
    store.count().should.equal(0);
  });

  it("clear empties the file too", async () => {
    const { queue, store } = openQueue();
    queue.pause();
    await Promise.all([1, 2, 3].map((n) => queue.put({ n })));
    const pending = queue.put({ n: 4 });
    queue.clear().should.equal(4);
    (await pending).should.equal("queued");
    store.count().should.equal(0);
    await queue.put({ n: 5 });
    store
      .read(0, 10)
      .map((m) => m.payload.n)
      .should.eql([5]);
  });

  it("uses the injected clock for enqueue times and oldest age", async () => {
    const clock = new FakeClock();
    const { queue, store } = openQueue({ clock });
    queue.pause();
    await queue.put({ n: 1 });
    clock.advance(1_500);
    store.oldestEnqueuedAt()!.should.equal(clock.now() - 1_500);
    queue.status().oldestAgeMs!.should.equal(1_500);
  });

  it("rejects a payload that has no JSON form", async () => {
    const { queue } = openQueue();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await queue.put(circular as unknown as Msg).should.be.rejectedWith({ code: "QUEUE_NOT_SERIALISABLE" });
  });

  it("a failed group commit rejects its puts with the store error and recovers on the next one", async () => {
    const { queue, store, delivered } = openQueue();
    const errors: QueueStoreError[] = [];
    queue.on("storeError", (e) => errors.push(e));
    const append = store.append.bind(store);
    store.append = () => {
      throw new QueueStoreError("QUEUE_STORE_UNWRITABLE", file, "disk full");
    };
    await queue.put({ n: 1 }).should.be.rejectedWith({ code: "QUEUE_STORE_UNWRITABLE" });
    errors.length.should.equal(1);
    queue.status().should.containEql({ size: 0 });
    queue.status().lastError!.code.should.equal("QUEUE_STORE_UNWRITABLE");
    store.append = append;
    await queue.put({ n: 2 });
    await settle();
    payloads(delivered).should.eql([{ n: 2 }]);
  });

  it("drops an unreadable row with an event and delivers the messages behind it", async () => {
    const first = openQueue();
    first.queue.pause();
    await Promise.all([1, 2, 3].map((n) => first.queue.put({ n })));
    first.queue.close();
    const db = new Database(file);
    db.prepare("UPDATE queue_messages SET payload = '{broken' WHERE seq = 2").run();
    db.close();

    const { queue, delivered } = openQueue({ maxInFlight: 10 });
    const unreadable: Error[] = [];
    const drops: string[] = [];
    queue.on("unreadable", (e) => unreadable.push(e));
    queue.on("drop", (d) => drops.push(d.reason));
    await settle();
    payloads(delivered).should.eql([{ n: 1 }, { n: 3 }]);
    (nth(unreadable, 0) as QueueStoreError).code.should.equal("QUEUE_STORE_CORRUPT");
    nth(unreadable, 0).message.should.match(/message 2 is not valid JSON/);
    drops.should.eql(["unreadable"]);
    queue.status().should.containEql({ size: 2, dropped: 1 });
  });

  it("gives Buffers back with bufferReviver", async () => {
    const delivered: Delivery<{ b: Buffer }>[] = [];
    const store = SqliteStore.open<{ b: Buffer }>(file, { reviver: bufferReviver });
    const queue = new Queue<{ b: Buffer }>({ store, deliver: (d) => delivered.push(d) });
    open.push(queue);
    queue.pause();
    await queue.put({ b: Buffer.from([1, 2, 255]) });
    queue.close();
    const reopened = new Queue<{ b: Buffer }>({
      store: SqliteStore.open(file, { reviver: bufferReviver }),
      deliver: (d) => delivered.push(d),
    });
    open.push(reopened);
    await settle();
    const got = nth(payloads(delivered), 0).b;
    Buffer.isBuffer(got).should.be.true();
    [...got].should.eql([1, 2, 255]);
  });

  describe("unusable files", () => {
    it("a file that is not a database raises QUEUE_STORE_CORRUPT", () => {
      fs.writeFileSync(file, "this is not an SQLite file ".repeat(200));
      const err = openError(file);
      err.should.be.instanceOf(QueueStoreError).and.containEql({ code: "QUEUE_STORE_CORRUPT", file });
    });

    it("a damaged database raises QUEUE_STORE_CORRUPT at open", async () => {
      const { queue } = openQueue();
      queue.pause();
      await Promise.all(Array.from({ length: 2_000 }, (_, n) => queue.put({ n: n * 1e9 })));
      queue.close();
      open.pop();
      const fd = fs.openSync(file, "r+");
      fs.writeSync(fd, Buffer.alloc(4096 * 4, 0xa5), 0, 4096 * 4, 4096 * 2);
      fs.closeSync(fd);
      openError(file).code.should.equal("QUEUE_STORE_CORRUPT");
    });

    it("moveCorruptAside renames the corrupt file and starts empty", () => {
      fs.writeFileSync(file, "garbage ".repeat(1000));
      const store = SqliteStore.open<Msg>(file, { moveCorruptAside: true });
      open.push(store);
      store.count().should.equal(0);
      should(store.movedAsideTo).be.a.String();
      fs.readFileSync(store.movedAsideTo!, "utf8").should.startWith("garbage");
    });

    it("a path that cannot be created raises QUEUE_STORE_UNWRITABLE", () => {
      const blocker = path.join(tmp.dir, "a-file");
      fs.writeFileSync(blocker, "");
      openError(path.join(blocker, "queue.db")).code.should.equal("QUEUE_STORE_UNWRITABLE");
    });

    it("a second queue on the same file raises QUEUE_STORE_LOCKED", () => {
      open.push(SqliteStore.open(file));
      openError(file).code.should.equal("QUEUE_STORE_LOCKED");
    });
  });
});
