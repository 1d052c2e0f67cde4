/**
 * A PLC pool: the connections to one PLC shared by every group that polls it. It connects when the
 * first user registers and closes after the last leaves; reconnects forever with backoff; takes a PLC
 * that keeps failing off-scan for a while (demotion) so it cannot slow anything else; and fails fast
 * rather than queueing requests for a PLC that is not there.
 * One concept at ~500 lines: connection lifecycle, back-off, demotion and throttling all decide
 * which connection a request may use, so they stay beside the request path they guard.
 */
import { EventEmitter } from "node:events";
import { type ClientOptions, McClient, type Reply, tellReply } from "../mc/client";
import { type Command } from "../mc/commands";
import { type McError, McUnavailableError, asMcError } from "../mc/errors";
import { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from "./backoff";
import { systemClock, type Clock, type TimerHandle } from "../core/clock";
import { PollStats, type StatsSnapshot } from "../core/stats";
import { PlcLoad, type PlcLoadSnapshot } from "./load";
import { type WireFormat } from "../mc/wire";

export interface DemotionOptions {
  /** Consecutive failed requests (time-outs, lost connections, garbage) before demotion; 0 = never. */
  readonly failures: number;
  /** How long a demoted PLC stays off-scan before one probe request is let through. */
  readonly offScanMs: number;
}

export interface PoolOptions {
  readonly name: string;
  readonly client: Omit<ClientOptions, "name">;
  /** Connections to open (default 1: an iQ-R built-in port accepts one client per configured port). */
  readonly connections?: number;
  readonly backoff?: Partial<BackoffOptions>;
  readonly demotion?: Partial<DemotionOptions>;
  /** Minimum time between two requests to this PLC, across all connections (0 = none). */
  readonly minRequestIntervalMs?: number;
  /**
   * Monotonic time for back-off, off-scan and throttling timers and for connectedAt (default the
   * system clock, the engine's). The last-error timestamp users read stays wall time.
   */
  readonly clock?: Clock;
}

export type PoolState =
  "idle" | "connecting" | "connected" | "reconnecting" | "demoted" | "disabled" | "closed";

export interface PoolStats {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly state: PoolState;
  readonly users: number;
  readonly connections: number;
  readonly connectionsOpen: number;
  readonly requests: number;
  readonly errors: number;
  readonly errorsByCode: Record<string, number>;
  readonly reconnects: number;
  /** How long setting up the latest connection took (ms), null before the first. */
  readonly connectMs: number | null;
  readonly demotions: number;
  readonly inFlight: number;
  readonly latencyMs: StatsSnapshot["latencyMs"];
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  /** What the engine asks of the PLC: rates, busy % per connection, requests saved by sharing. */
  readonly load: PlcLoadSnapshot;
}

const COMM_FAILURES = new Set(["MC_TIMEOUT", "MC_CONNECTION_LOST", "MC_CONNECTION_REFUSED", "MC_PROTOCOL"]);

interface Slot {
  client: McClient;
  backoff: Backoff;
  retryTimer?: TimerHandle;
  retryAt?: number;
  connecting?: Promise<void>;
}

/** Events: "state" (state: PoolState, detail?: string), "error" is never emitted (errors go to requests). */
export class PlcPool extends EventEmitter {
  readonly name: string;
  private readonly options: PoolOptions;
  private readonly demotion: DemotionOptions;
  private readonly backoffOptions: BackoffOptions;
  private readonly users = new Set<string>();
  private slots: Slot[] = [];
  private _state: PoolState = "idle";
  private disabled = false;
  private consecutiveFailures = 0;
  private demotedUntil = 0;
  private demotionTimer?: TimerHandle;
  private nextSendAt = 0;
  private roundRobin = 0;
  private lastError?: McError;
  private lastErrorAt?: number;
  private counters = { reconnects: 0, demotions: 0 };
  /** Failures told by a client whose recordError has not run yet (it runs a microtask later). */
  private errorsPending = 0;
  /** clock.now() when the latest connection was established, and how long setting it up took. */
  private _connectedAt?: number;
  private _connectMs?: number;
  /** Counts and latencies per request; the pool keeps its own last error and shows no last success. */
  private readonly stats = new PollStats({ stampTimes: false });
  /** The PLC's load figures; FIXED groups' shared reads report into it too. */
  readonly load: PlcLoad;
  private readonly clock: Clock;

  constructor(options: PoolOptions) {
    super();
    this.name = options.name;
    this.options = options;
    this.demotion = { failures: 3, offScanMs: 10_000, ...options.demotion };
    this.backoffOptions = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.clock = options.clock ?? systemClock;
    const clock = options.clock;
    this.load = new PlcLoad(this.connectionCount, clock && (() => clock.now()));
  }

  get state(): PoolState {
    return this._state;
  }

  get format(): WireFormat {
    const c = this.options.client;
    return {
      encoding: c.encoding ?? "binary",
      series: c.series ?? "ql",
      zrHex: c.zrHex ?? false,
      frame: c.frame ?? "3E",
    };
  }

  get userCount(): number {
    return this.users.size;
  }

  /** A user (a polling group) starts needing the PLC; the first one opens the connections. */
  register(userId: string): void {
    if (this._state === "closed") return;
    this.users.add(userId);
    if (this.users.size === 1 && !this.disabled) this.open();
  }

  /** A user leaves; after the last one the connections close (a PLC has few connection slots). */
  deregister(userId: string): void {
    if (!this.users.delete(userId) || this.users.size > 0) return;
    this.shutdown();
    if (this._state !== "closed" && !this.disabled) this.setState("idle");
  }

  /** Runtime switch (e.g. an inverter asleep at night): no traffic, no reconnects, no log noise. */
  disable(): void {
    if (this.disabled || this._state === "closed") return;
    this.disabled = true;
    this.shutdown();
    this.setState("disabled");
  }

  enable(): void {
    if (!this.disabled || this._state === "closed") return;
    this.disabled = false;
    this.consecutiveFailures = 0;
    this.demotedUntil = 0;
    if (this.users.size > 0) this.open();
    else this.setState("idle");
  }

  get enabled(): boolean {
    return !this.disabled;
  }

  close(): void {
    if (this._state === "closed") return;
    this.shutdown();
    this.users.clear();
    this.setState("closed");
    this.removeAllListeners();
  }

  /** `owner` (a group's name) takes turns with the other owners on the chosen connection. */
  request<T>(cmd: Command<T>, owner?: string): Promise<T> {
    let slot: Slot | undefined;
    try {
      slot = this.slotNow();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.sendFrom(slot, cmd, owner);
  }

  /** `slot`: what slotNow() gave. The hot path: a connection is up and nothing to wait for, no hops. */
  private sendFrom<T>(slot: Slot | undefined, cmd: Command<T>, owner?: string): Promise<T> {
    if (slot && !this.options.minRequestIntervalMs) return this.send(slot, cmd, owner);
    return this.sendWhenReady(slot, cmd, owner);
  }

  /**
   * `request` by callback (the hot path: no promise per request). `reply` may be called before this
   * returns, with the error of a PLC that is disabled, offline or off-scan.
   */
  submit<T, C>(cmd: Command<T>, owner: string | undefined, reply: Reply<T, C>, context: C): void {
    let slot: Slot | undefined;
    try {
      slot = this.slotNow();
    } catch (err) {
      tellReply(reply, context, asMcError(err));
      return;
    }
    if (slot && !this.options.minRequestIntervalMs && slot.client.state !== "closed") {
      slot.client.submit(cmd, owner, reply, context);
      return;
    }
    // Waiting for a connection or a turn of the throttle: the promise path, told by callback. Not
    // request(): slotNow() has run, and a second call would refuse the probe of a demoted PLC.
    this.sendFrom(slot, cmd, owner).then(
      (value) => tellReply(reply, context, undefined, value),
      (err: unknown) => tellReply(reply, context, asMcError(err)),
    );
  }

  /**
   * clock.now() when the latest connection was set up, so a group can leave the wait for it out
   * of its poll time (connection set-up is reported apart, as connectMs).
   */
  get connectedAt(): number | undefined {
    return this._connectedAt;
  }

  get connectMs(): number | undefined {
    return this._connectMs;
  }

  private async sendWhenReady<T>(slot: Slot | undefined, cmd: Command<T>, owner?: string): Promise<T> {
    try {
      slot ??= await this.waitForSlot();
    } catch (err) {
      this.probeNotSent();
      throw err;
    }
    if (this.options.minRequestIntervalMs) await this.throttle(this.options.minRequestIntervalMs);
    return this.send(slot, cmd, owner);
  }

  /** The client's own promise: the pool hears how it ended from the client (requestEnded), not by a hop. */
  private send<T>(slot: Slot, cmd: Command<T>, owner?: string): Promise<T> {
    // A closed client refuses without telling requestEnded.
    if (slot.client.state === "closed") return slot.client.request(cmd, owner).catch(this.onRefused);
    return slot.client.request(cmd, owner);
  }

  /**
   * A request on connection `connection` ended. Failure bookkeeping (demotion) and recovery run a
   * microtask later, queued before the caller hears of the outcome: after the client's own reaction
   * (a reset, a reconnect), before the caller's, as a promise handler on the request did.
   */
  private requestEnded(
    connection: number,
    durationMs: number,
    error: McError | undefined,
    endedAt: number,
    words: number,
  ): void {
    // The client's end time is a performance.now() value: the load's own clock, unless one was injected.
    if (durationMs > 0) {
      this.load.recordRequest(connection, durationMs, words, this.options.clock ? undefined : endedAt);
    }
    if (error) {
      this.stats.recordError(error, durationMs || undefined);
      this.errorsPending++;
      queueMicrotask(() => {
        this.errorsPending--;
        this.recordError(error, durationMs > 0);
      });
    } else {
      this.stats.recordSuccess(durationMs);
      if (this.consecutiveFailures > 0 || this._state === "demoted" || this.errorsPending > 0) {
        queueMicrotask(this.onSucceeded);
      }
    }
  }

  private readonly onSucceeded = (): void => {
    if (this.consecutiveFailures > 0 || this._state === "demoted") this.recovered();
  };

  private readonly onRefused = (err: unknown): never => {
    this.recordError(err as McError, false);
    throw err;
  };

  snapshot(): PoolStats {
    const c = this.options.client;
    const stats = this.stats.snapshot();
    return {
      name: this.name,
      host: c.host,
      port: c.port,
      state: this._state,
      users: this.users.size,
      connections: this.connectionCount,
      connectionsOpen: this.slots.filter((s) => s.client.state === "connected").length,
      requests: stats.polls,
      errors: stats.errors,
      errorsByCode: stats.errorsByCode,
      reconnects: this.counters.reconnects,
      connectMs: this._connectMs === undefined ? null : Math.round(this._connectMs * 100) / 100,
      demotions: this.counters.demotions,
      inFlight: this.slots.reduce((n, s) => n + s.client.pendingCount, 0),
      latencyMs: stats.latencyMs,
      lastError: this.lastError?.message ?? null,
      lastErrorAt: this.lastErrorAt === undefined ? null : new Date(this.lastErrorAt).toISOString(),
      load: this.load.snapshot(),
    };
  }

  private get connectionCount(): number {
    return Math.max(1, Math.floor(this.options.connections ?? 1));
  }

  private open(): void {
    this.shutdown();
    this.consecutiveFailures = 0;
    this.demotedUntil = 0;
    this.setState("connecting");
    for (let i = 0; i < this.connectionCount; i++) {
      const slot: Slot = { client: this.newClient(i), backoff: new Backoff(this.backoffOptions) };
      // One listener for the slot's whole life: a connection may also come back by itself (a queued
      // request reconnects the client), so listening per connect attempt would pile listeners up.
      slot.client.on("disconnect", (err: McError) => this.onSlotLost(slot, err));
      this.slots.push(slot);
      this.connectSlot(slot);
    }
  }

  private newClient(connection: number): McClient {
    return new McClient({
      ...this.options.client,
      name: this.name,
      onRequestEnd: (durationMs, error, endedAt, cmd) =>
        this.requestEnded(connection, durationMs, error, endedAt, cmd.words ?? 0),
    });
  }

  /** Closes every connection and timer; the pool can be opened again. */
  private shutdown(): void {
    this.clearTimer(this.demotionTimer);
    this.demotionTimer = undefined;
    for (const s of this.slots) {
      this.clearTimer(s.retryTimer);
      s.client.removeAllListeners();
      s.client.close();
    }
    this.slots = [];
  }

  private connectSlot(slot: Slot): void {
    slot.retryTimer = undefined;
    slot.retryAt = undefined;
    const started = this.clock.now();
    const attempt = slot.client.connect().then(
      () => {
        this._connectedAt = this.clock.now();
        this._connectMs = this._connectedAt - started;
        slot.backoff.reset();
        slot.connecting = undefined;
        if (!this.slots.includes(slot)) return;
        this.updateConnectedState();
      },
      (err: McError) => {
        slot.connecting = undefined;
        if (!this.slots.includes(slot)) return;
        this.lastError = err;
        this.lastErrorAt = Date.now();
        this.scheduleReconnect(slot);
      },
    );
    slot.connecting = attempt;
  }

  private onSlotLost(slot: Slot, err: McError): void {
    if (!this.slots.includes(slot)) return;
    this.lastError = err;
    this.lastErrorAt = Date.now();
    this.scheduleReconnect(slot);
  }

  private scheduleReconnect(slot: Slot): void {
    if (slot.retryTimer) return; // one retry pending per slot is enough
    const delay = slot.backoff.next();
    slot.retryAt = this.clock.now() + delay;
    slot.retryTimer = this.clock.setTimeout(() => {
      slot.retryTimer = undefined;
      this.counters.reconnects++;
      this.connectSlot(slot);
    }, delay);
    this.updateConnectedState();
  }

  private updateConnectedState(): void {
    if (this.disabled || this._state === "closed" || this._state === "demoted") return;
    if (this.slots.some((s) => s.client.state === "connected")) this.setState("connected");
    else if (this.slots.some((s) => s.connecting && !s.retryAt && this.counters.reconnects === 0)) {
      this.setState("connecting");
    } else this.setState("reconnecting", this.lastError?.message);
  }

  /** A connected slot to send on now, undefined to wait for one; throws when the PLC is unavailable. */
  private slotNow(): Slot | undefined {
    if (this.disabled) throw new McUnavailableError("MC_PLC_DISABLED", `PLC ${this.name} is disabled`);
    if (this._state === "closed" || this._state === "idle") {
      throw new McUnavailableError("MC_PLC_OFFLINE", `PLC ${this.name} has no active users (not connected)`);
    }
    if (this._state === "demoted") {
      const now = this.clock.now();
      if (now < this.demotedUntil) {
        const s = Math.ceil((this.demotedUntil - now) / 1000);
        throw new McUnavailableError(
          "MC_PLC_OFFLINE",
          `PLC ${this.name} is off-scan after repeated failures (probe in ${s} s): ${this.lastError?.message ?? ""}`,
        );
      }
      // Off-scan time is over: this request is the probe.
      this.demotedUntil = Number.POSITIVE_INFINITY;
    }
    const slots = this.slots;
    if (slots.length === 1) return slots[0]!.client.state === "connected" ? slots[0] : undefined;
    const connected = slots.filter((s) => s.client.state === "connected");
    if (connected.length === 0) return undefined;
    // Least pending first, round-robin among equals, so one slow connection does not get everything.
    this.roundRobin = (this.roundRobin + 1) % connected.length;
    let best = connected[this.roundRobin]!;
    for (const s of connected) if (s.client.pendingCount < best.client.pendingCount) best = s;
    return best;
  }

  /** No connection is up: wait for one being opened, or fail fast. */
  private async waitForSlot(): Promise<Slot> {
    const now = this.clock.now();
    const connecting = this.slots.find((s) => s.connecting !== undefined);
    if (connecting) {
      await connecting.connecting!.catch(() => undefined);
      if (connecting.client.state === "connected") return connecting;
    }
    const retryAt = Math.min(...this.slots.map((s) => s.retryAt ?? Number.POSITIVE_INFINITY));
    const wait = Number.isFinite(retryAt)
      ? ` (retrying in ${Math.max(0, Math.ceil((retryAt - now) / 1000))} s)`
      : "";
    throw new McUnavailableError(
      "MC_PLC_OFFLINE",
      `PLC ${this.name} is not connected${wait}: ${this.lastError?.message ?? "connecting"}`,
    );
  }

  private throttle(minMs: number): Promise<void> {
    const now = this.clock.now();
    const at = Math.max(now, this.nextSendAt);
    this.nextSendAt = at + minMs;
    if (at <= now) return Promise.resolve();
    return new Promise((resolve) => this.clock.setTimeout(resolve, at - now));
  }

  private recordError(err: McError, sent = true): void {
    const code = err.code ?? "UNKNOWN";
    // Requests refused before reaching a connection never produce a "request" event: count them here.
    if (code === "MC_PLC_OFFLINE" || code === "MC_PLC_DISABLED") return;
    this.lastError = err;
    this.lastErrorAt = Date.now();
    if (!COMM_FAILURES.has(code)) {
      // An end code is an answer: a probe that got one found the PLC there. One that failed before it
      // was sent (a bad value) found nothing out, so the next request probes.
      if (this._state !== "demoted") return;
      if (sent) this.recovered();
      else this.probeNotSent();
      return;
    }
    this.consecutiveFailures++;
    const limit = this.demotion.failures;
    if (this._state === "demoted" || (limit > 0 && this.consecutiveFailures >= limit)) this.demote();
  }

  /**
   * The probe of a demoted PLC was refused before it reached the PLC (no connection up yet): the
   * off-scan time stays over, so the next request is the probe, instead of none ever again.
   */
  private probeNotSent(): void {
    if (this._state === "demoted" && this.demotedUntil === Number.POSITIVE_INFINITY) {
      this.demotedUntil = this.clock.now();
    }
  }

  private demote(): void {
    this.counters.demotions++;
    this.demotedUntil = this.clock.now() + this.demotion.offScanMs;
    this.setState("demoted", this.lastError?.message);
    this.clearTimer(this.demotionTimer);
    // Only to refresh the visible state when the off-scan time ends; the next request is the probe.
    this.demotionTimer = this.clock.setTimeout(() => {
      this.demotionTimer = undefined;
      if (this._state === "demoted") this.emit("state", this._state, "probing");
    }, this.demotion.offScanMs);
  }

  private recovered(): void {
    this.consecutiveFailures = 0;
    if (this._state !== "demoted") return;
    this.demotedUntil = 0;
    this.clearTimer(this.demotionTimer);
    this.demotionTimer = undefined;
    this._state = "connecting"; // leave demoted so updateConnectedState may act
    this.updateConnectedState();
  }

  private clearTimer(handle?: TimerHandle): void {
    if (handle !== undefined) this.clock.clearTimeout(handle);
  }

  private setState(state: PoolState, detail?: string): void {
    if (this._state === state) return;
    this._state = state;
    this.emit("state", state, detail);
  }
}
