/**
 * The engine: one per Node-RED runtime. It knows every polling group, PLC and queue by name, enforces
 * the capacity limit on running groups, and answers commands with the status codes of the seed's REST
 * API (200, 404 unknown, 409 already running / not running, 429 capacity, 503 not ready, 500 internal).
 */

export type GroupMode = "fixed" | "handshake";
export type GroupState = "running" | "stopped" | "error";

export interface GroupStatus {
  readonly name: string;
  readonly mode: GroupMode;
  readonly state: GroupState;
  readonly running: boolean;
  readonly plc: string;
  readonly intervalMs?: number;
  readonly polls: number;
  readonly successes: number;
  readonly errors: number;
  /** Percent, 0–100, one decimal; 100 before the first poll. */
  readonly successRate: number;
  readonly pollTime: {
    readonly last: number;
    readonly avg: number;
    readonly max: number;
    readonly p99: number;
  };
  readonly overruns: number;
  readonly lastError?: string;
  readonly lastErrorAt?: string;
  readonly lastSuccessAt?: string;
  readonly tags: number;
  readonly requests: number;
  readonly [extra: string]: unknown;
}

/** What the engine needs from a group (FIXED or HANDSHAKE). */
export interface ManagedGroup {
  readonly name: string;
  readonly mode: GroupMode;
  readonly running: boolean;
  start(): void;
  stop(): Promise<void>;
  /** Polls once now; resolves when the poll finished (whatever its outcome). */
  trigger(): Promise<void>;
  status(): GroupStatus;
}

export interface ManagedPlc {
  readonly name: string;
  readonly enabled: boolean;
  enable(): void;
  disable(): void;
  snapshot(): object;
}

export interface ManagedQueue {
  readonly name: string;
  status(): object;
}

export const COMMANDS = [
  "status",
  "group-status",
  "start",
  "stop",
  "trigger",
  "start-all",
  "stop-all",
  "enable-plc",
  "disable-plc",
] as const;
export type EngineCommand = (typeof COMMANDS)[number];

export interface CommandResult {
  readonly statusCode: 200 | 400 | 404 | 409 | 429 | 500 | 503;
  readonly payload: unknown;
}

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

  registerPlc(plc: ManagedPlc): void {
    this.plcs.set(plc.name, plc);
  }

  unregisterPlc(plc: ManagedPlc): void {
    if (this.plcs.get(plc.name) === plc) this.plcs.delete(plc.name);
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

  plc(name: string): ManagedPlc | undefined {
    return this.plcs.get(name);
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
    return {
      engine: {
        ready: this.ready,
        runningGroups: this.runningCount,
        totalGroups: this.groups.size,
        maxGroups: this.maxGroups,
        uptimeMs: Date.now() - this.startedAt,
        startedAt: new Date(this.startedAt).toISOString(),
      },
      groups: [...this.groups.values()].map((g) => g.status()),
      plcs: [...this.plcs.values()].map((p) => p.snapshot()),
      queues: [...this.queues.values()].map((q) => q.status()),
    };
  }

  async execute(command: string, name?: string): Promise<CommandResult> {
    if (!(COMMANDS as readonly string[]).includes(command)) {
      return fail(400, `unknown command "${command}"; use one of ${COMMANDS.join(", ")}`);
    }
    if (!this.ready) return fail(503, "polling engine not ready");
    try {
      return await this.run(command as EngineCommand, name);
    } catch (err) {
      return fail(500, `internal error: ${(err as Error).message}`);
    }
  }

  private async run(command: EngineCommand, name?: string): Promise<CommandResult> {
    switch (command) {
      case "status":
        return ok(this.status());
      case "start-all": {
        const result = this.startAll();
        return result.started.length === 0 && result.refused.length > 0
          ? { statusCode: 429, payload: result }
          : ok(result);
      }
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
      case "disable-plc": {
        const plc = name === undefined ? undefined : this.plcs.get(name);
        if (!plc) return fail(404, `PLC "${name ?? ""}" not found`);
        if (command === "enable-plc") plc.enable();
        else plc.disable();
        return ok({
          success: true,
          message: `PLC "${plc.name}" ${plc.enabled ? "enabled" : "disabled"}`,
          plc: plc.snapshot(),
        });
      }
      default:
        return this.runOnGroup(command, name);
    }
  }

  private async runOnGroup(command: EngineCommand, name?: string): Promise<CommandResult> {
    const group = name === undefined ? undefined : this.groups.get(name);
    if (!group) return fail(404, `group "${name ?? ""}" not found`);
    switch (command) {
      case "group-status":
        return ok(group.status());
      case "start":
        if (group.running) return fail(409, `group "${group.name}" is already running`);
        try {
          this.startGroup(group);
        } catch (err) {
          if (err instanceof CapacityError) return fail(429, err.message);
          throw err;
        }
        return ok({ success: true, message: `group "${group.name}" started`, group: group.status() });
      case "stop":
        if (!group.running) return fail(409, `group "${group.name}" is not running`);
        await group.stop();
        return ok({ success: true, message: `group "${group.name}" stopped`, group: group.status() });
      case "trigger":
        await group.trigger();
        return ok({ success: true, message: `group "${group.name}" triggered`, group: group.status() });
      default:
        return fail(400, `unknown command "${command}"`);
    }
  }

  private startAll(): { success: boolean; message: string; started: string[]; refused: string[] } {
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
    const message =
      refused.length > 0
        ? `started ${started.length} groups; ${refused.length} refused: capacity of ${this.maxGroups} running groups reached`
        : `started ${started.length} groups`;
    return { success: refused.length === 0, message, started, refused };
  }
}

function ok(payload: unknown): CommandResult {
  return { statusCode: 200, payload };
}

function fail(statusCode: CommandResult["statusCode"], error: string): CommandResult {
  return { statusCode, payload: { success: false, error } };
}
