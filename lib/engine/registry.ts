/**
 * The engine: one per Node-RED runtime. It knows every polling group, PLC and queue, enforces the
 * capacity limit on running groups, and answers commands under one error contract: every refusal is
 * `{success: false, error, code}` with the HTTP status the REST API answers (docs/INTEGRATOR.md).
 * What it manages is typed in managed.ts, the command contract in command-result.ts. The Engine class
 * (~420 lines) keeps registration and the command handlers together: every command reads the same maps.
 */
import {
  COMMANDS,
  type CommandResult,
  type EngineCommand,
  echo,
  fail,
  ok,
  pollFailure,
} from "./command-result";
import {
  type GroupStatus,
  type ManagedGroup,
  type ManagedPlc,
  type ManagedQueue,
  type RefusedGroup,
  type TriggeredPoll,
  TriggerRefusedError,
} from "./managed";
import { openApiDocument } from "./openapi";

// The engine's contract lives in its own modules; importers of the registry see it here too.
export * from "./command-result";
export * from "./managed";

export class DuplicateNameError extends Error {
  readonly code = "DUPLICATE_NAME";
}

export class CapacityError extends Error {
  readonly code = "CAPACITY_REACHED";
}

export const DEFAULT_MAX_GROUPS = 10;

export interface EngineOptions {
  /** Running groups allowed at once (default 10, as in the seed). */
  readonly maxGroups?: number;
}

export interface EngineStatus {
  readonly engine: {
    readonly ready: boolean;
    readonly runningGroups: number;
    readonly totalGroups: number;
    readonly refusedGroups: number;
    readonly maxGroups: number;
    readonly uptimeMs: number;
    readonly startedAt: string;
  };
  readonly groups: GroupStatus[];
  readonly plcs: object[];
  readonly queues: object[];
}

export class Engine {
  private _maxGroups = DEFAULT_MAX_GROUPS;
  private readonly groups = new Map<string, ManagedGroup>();
  /** Refused groups by their node id (several nodes may claim one name). */
  private readonly refused = new Map<string, RefusedGroup>();
  /** PLCs by their config node's id: names need not be unique. */
  private readonly plcs = new Map<string, ManagedPlc>();
  private readonly queues = new Map<string, ManagedQueue>();
  private readonly startedAt = Date.now();
  private ready = true;

  constructor(options: EngineOptions = {}) {
    this.setMaxGroups(options.maxGroups);
  }

  get maxGroups(): number {
    return this._maxGroups;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Invalid or missing values mean the default (10). Running groups above a lowered limit keep running. */
  setMaxGroups(max: number | undefined): void {
    this._maxGroups = max !== undefined && Number.isInteger(max) && max > 0 ? max : DEFAULT_MAX_GROUPS;
  }

  /** Names are unique across the runtime: a second group with the same name is a deploy error. */
  registerGroup(group: ManagedGroup): void {
    const existing = this.groups.get(group.name);
    if (existing && existing !== group) {
      throw new DuplicateNameError(
        `a polling group named "${group.name}" already exists; group names must be unique`,
      );
    }
    this.groups.set(group.name, group);
  }

  unregisterGroup(group: ManagedGroup): void {
    if (this.groups.get(group.name) === group) this.groups.delete(group.name);
  }

  /** A group node that could not start: it stays visible (state "refused") until its node closes. */
  registerRefusedGroup(nodeId: string, group: RefusedGroup): void {
    this.refused.set(nodeId, group);
  }

  unregisterRefusedGroup(nodeId: string): void {
    this.refused.delete(nodeId);
  }

  registerPlc(id: string, plc: ManagedPlc): void {
    this.plcs.set(id, plc);
  }

  unregisterPlc(id: string, plc: ManagedPlc): void {
    if (this.plcs.get(id) === plc) this.plcs.delete(id);
  }

  /** Queue names are unique too (a disk queue's file is named after it). */
  registerQueue(queue: ManagedQueue): void {
    const existing = this.queues.get(queue.name);
    if (existing && existing !== queue) {
      throw new DuplicateNameError(
        `a queue named "${queue.name}" already exists; queue names must be unique`,
      );
    }
    this.queues.set(queue.name, queue);
  }

  unregisterQueue(queue: ManagedQueue): void {
    if (this.queues.get(queue.name) === queue) this.queues.delete(queue.name);
  }

  group(name: string): ManagedGroup | undefined {
    return this.groups.get(name);
  }

  queue(name: string): ManagedQueue | undefined {
    return this.queues.get(name);
  }

  /** A PLC by config node id, or by name when exactly one PLC has it. */
  plc(ref: string): ManagedPlc | undefined {
    const found = this.findPlc(ref);
    return found.length === 1 ? found[0]!.plc : undefined;
  }

  get runningCount(): number {
    let n = 0;
    for (const g of this.groups.values()) if (g.running) n++;
    return n;
  }

  /** Starts a group if capacity allows; throws CapacityError otherwise. Starting a running group is a no-op. */
  startGroup(group: ManagedGroup): void {
    if (group.running) return;
    if (this.runningCount >= this.maxGroups) {
      throw new CapacityError(
        `cannot start group "${group.name}": ${this.maxGroups} groups are already running (the engine's maximum; raise jsscada.maxGroups in settings.js)`,
      );
    }
    group.start();
  }

  /** Commands refuse with 503 while the runtime is stopping or starting flows. */
  setReady(ready: boolean): void {
    this.ready = ready;
  }

  status(): EngineStatus {
    const refused = [...this.refused.values()].map(refusedStatus);
    return {
      engine: {
        ready: this.ready,
        runningGroups: this.runningCount,
        totalGroups: this.groups.size + refused.length,
        refusedGroups: refused.length,
        maxGroups: this.maxGroups,
        uptimeMs: Date.now() - this.startedAt,
        startedAt: new Date(this.startedAt).toISOString(),
      },
      groups: [...[...this.groups.values()].map((g) => g.status()), ...refused],
      plcs: [...this.plcs.entries()].map(([id, p]) => ({
        ...p.snapshot(),
        id,
        displayName: this.displayName(id, p),
      })),
      queues: [...this.queues.values()].map((q) => q.status()),
    };
  }

  /**
   * Runs a command. `command` and `name` come straight from users (a WebSocket message, a route
   * parameter), so their types are checked here; what is echoed back is cut to MAX_ECHO characters.
   */
  async execute(command: unknown, name?: unknown): Promise<CommandResult> {
    if (typeof command !== "string") {
      return fail(
        400,
        "BAD_COMMAND",
        `the command must be a string, got ${command === null ? "null" : Array.isArray(command) ? "an array" : typeof command}`,
      );
    }
    if (!(COMMANDS as readonly string[]).includes(command)) {
      return fail(
        400,
        "BAD_COMMAND",
        `unknown command "${echo(command)}"; use one of ${COMMANDS.join(", ")}`,
      );
    }
    if (name !== undefined && typeof name !== "string") {
      return fail(
        400,
        "BAD_ARGUMENT",
        `the name must be a string, got ${Array.isArray(name) ? "an array" : typeof name} ${echo(name)}`,
      );
    }
    if (!this.ready) {
      return fail(
        503,
        "NOT_READY",
        "polling engine not ready: flows are being deployed; retry",
        {},
        { "Retry-After": "1" },
      );
    }
    try {
      return await this.run(command as EngineCommand, name);
    } catch (err) {
      return fail(500, "INTERNAL", `internal error: ${(err as Error).message}`);
    }
  }

  private async run(command: EngineCommand, name?: string): Promise<CommandResult> {
    switch (command) {
      case "status":
        return ok(this.status());
      case "health":
        return this.health();
      case "openapi":
        return ok(openApiDocument());
      case "start-all":
        return this.startAll();
      case "stop-all": {
        const running = [...this.groups.values()].filter((g) => g.running);
        await Promise.all(running.map((g) => g.stop()));
        return ok({
          success: true,
          message: `stopped ${running.length} groups`,
          stopped: running.map((g) => g.name),
        });
      }
      case "enable-plc":
      case "disable-plc":
        return this.runOnPlc(command, name);
      default:
        return this.runOnGroup(command, name);
    }
  }

  private runOnPlc(command: "enable-plc" | "disable-plc", name?: string): CommandResult {
    if (name === undefined || name === "") {
      return fail(400, "BAD_ARGUMENT", `${command} needs the PLC's id or name`);
    }
    const found = this.findPlc(name);
    if (found.length === 0) return fail(404, "PLC_NOT_FOUND", `PLC "${echo(name)}" not found`);
    if (found.length > 1) {
      return fail(
        409,
        "PLC_AMBIGUOUS",
        `${found.length} PLCs are named "${echo(name)}": use one of their ids`,
        {
          candidates: found.map(({ id, plc }) => ({
            id,
            name: plc.name,
            displayName: this.displayName(id, plc),
          })),
        },
      );
    }
    const { id, plc } = found[0]!;
    if (command === "enable-plc") plc.enable();
    else plc.disable();
    return ok({
      success: true,
      message: `PLC "${this.displayName(id, plc)}" ${plc.enabled ? "enabled" : "disabled"}`,
      plc: { ...plc.snapshot(), id, displayName: this.displayName(id, plc) },
    });
  }

  private async runOnGroup(command: EngineCommand, name?: string): Promise<CommandResult> {
    if (name === undefined || name === "") {
      return fail(400, "BAD_ARGUMENT", `${command} needs a group name`);
    }
    const group = this.groups.get(name);
    if (!group) {
      const refused = [...this.refused.values()].find((r) => r.name === name);
      if (refused && command === "group-status") return ok(refusedStatus(refused));
      if (refused) {
        return fail(409, "GROUP_REFUSED", `group "${echo(name)}" was refused at deploy: ${refused.reason}`);
      }
      return fail(404, "GROUP_NOT_FOUND", `group "${echo(name)}" not found`);
    }
    switch (command) {
      case "group-status":
        return ok(group.status());
      case "start":
        if (group.running) return fail(409, "ALREADY_RUNNING", `group "${group.name}" is already running`);
        try {
          this.startGroup(group);
        } catch (err) {
          if (err instanceof CapacityError) return fail(429, "CAPACITY_REACHED", err.message);
          throw err;
        }
        return ok({ success: true, message: `group "${group.name}" started`, group: group.status() });
      case "stop":
        if (!group.running) return fail(409, "NOT_RUNNING", `group "${group.name}" is not running`);
        await group.stop();
        return ok({ success: true, message: `group "${group.name}" stopped`, group: group.status() });
      case "trigger":
        return this.trigger(group);
      default:
        return fail(400, "BAD_COMMAND", `unknown command "${echo(command)}"`);
    }
  }

  /** 200 only when a poll ran, with its data; nothing is read or sent for a refused trigger. */
  private async trigger(group: ManagedGroup): Promise<CommandResult> {
    if (!group.running) {
      return fail(409, "NOT_RUNNING", `group "${group.name}" is stopped: start it before triggering it`);
    }
    let poll: TriggeredPoll;
    try {
      poll = await group.trigger();
    } catch (err) {
      if (err instanceof TriggerRefusedError) {
        const retry =
          err.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(err.retryAfterMs / 1000));
        return fail(
          err.statusCode,
          err.code,
          err.message,
          err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs },
          retry === undefined ? undefined : { "Retry-After": String(retry) },
        );
      }
      return pollFailure(err as Error);
    }
    return ok({
      success: true,
      message: `group "${group.name}" polled`,
      data: poll.payload,
      polling: poll.polling,
      badTags: poll.badTags.map((b) => ({ tag: b.tag, code: b.error.code, error: b.error.message })),
      group: group.status(),
    });
  }

  /**
   * Starts every stopped group that fits. 200 when all started (or none was stopped), 429 when none
   * could start for capacity, 207 when some did: `results` says, per group, what happened.
   */
  private startAll(): CommandResult {
    const started: string[] = [];
    const refused: string[] = [];
    for (const g of this.groups.values()) {
      if (g.running) continue;
      try {
        this.startGroup(g);
        started.push(g.name);
      } catch (err) {
        if (!(err instanceof CapacityError)) throw err;
        refused.push(g.name);
      }
    }
    const results = [
      ...started.map((group) => ({ group, started: true })),
      ...refused.map((group) => ({
        group,
        started: false,
        code: "CAPACITY_REACHED",
        error: `capacity of ${this.maxGroups} running groups reached`,
      })),
    ];
    if (refused.length === 0) {
      return ok({ success: true, message: `started ${started.length} groups`, started, refused, results });
    }
    const error = `started ${started.length} groups; ${refused.length} refused: capacity of ${this.maxGroups} running groups reached`;
    return {
      statusCode: started.length === 0 ? 429 : 207,
      payload: {
        success: false,
        code: started.length === 0 ? "CAPACITY_REACHED" : "PARTIAL",
        error,
        message: error,
        started,
        refused,
        results,
      },
    };
  }

  /**
   * 200 when the engine runs and every enabled PLC in use is connected; 503 with the reasons otherwise
   * (a PLC no group uses is idle, not unhealthy; a disabled one is off on purpose).
   */
  private health(): CommandResult {
    const reasons: string[] = [];
    const plcs = [...this.plcs.entries()].map(([id, p]) => {
      const s = p.snapshot() as { state?: string; lastError?: string | null };
      const state = s.state ?? "unknown";
      const displayName = this.displayName(id, p);
      if (p.enabled && state !== "connected" && state !== "idle") {
        reasons.push(`PLC ${displayName} is ${state}${s.lastError ? `: ${s.lastError}` : ""}`);
      }
      return { id, displayName, state, enabled: p.enabled };
    });
    const healthy = reasons.length === 0;
    const payload = { success: healthy, healthy, reasons, plcs };
    if (healthy) return ok(payload);
    return {
      statusCode: 503,
      payload: { ...payload, code: "UNHEALTHY", error: reasons.join("; ") },
      headers: { "Retry-After": "5" },
    };
  }

  private findPlc(ref: string): { id: string; plc: ManagedPlc }[] {
    const byId = this.plcs.get(ref);
    if (byId) return [{ id: ref, plc: byId }];
    return [...this.plcs.entries()].filter(([, p]) => p.name === ref).map(([id, plc]) => ({ id, plc }));
  }

  /** The PLC's name, with its id when another PLC has the same name. */
  private displayName(id: string, plc: ManagedPlc): string {
    let same = 0;
    for (const p of this.plcs.values()) if (p.name === plc.name) same++;
    return same > 1 ? `${plc.name} [${id}]` : plc.name;
  }
}

function refusedStatus(r: RefusedGroup): GroupStatus {
  return {
    name: r.name,
    mode: r.mode,
    state: "refused",
    running: false,
    plc: r.plc ?? "",
    reason: r.reason,
    lastError: r.reason,
    polls: 0,
    successes: 0,
    errors: 0,
    successRate: 100,
    pollTime: { last: 0, avg: 0, max: 0, p99: 0 },
    overruns: 0,
    tags: 0,
    requests: 0,
  };
}
