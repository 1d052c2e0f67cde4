/**
 * A real Node-RED runtime for example and browser tests: scripts/start.js (the `npm start` demo) in a
 * child process, on free ports, with a temporary user directory and any flow. A flow whose node types
 * are not all installed never starts ("Waiting for missing types"), which fails startRuntime().
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const ROOT = path.join(__dirname, "..", "..", "..");

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface Runtime {
  readonly url: string;
  /** The simulator start.js runs (null when the test passed PLC_HOST and runs its own). */
  readonly simulatorPort: number | null;
  /** The API token the runtime uses (start.js generates one unless POLLING_API_TOKEN is given). */
  readonly token: string;
  readonly userDir: string;
  /** Everything the runtime printed so far. */
  log(): string;
  /** SIGTERM, as Ctrl-C would; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (kill -9): no close handler runs. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: freeze the process, to look at the PLC's state and kill it in exactly that state. */
  freeze(): void;
  thaw(): void;
}

export interface RuntimeOptions {
  /** A flow to deploy instead of demo/flow.json. */
  readonly flow?: FlowNode[];
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
  /** Use (and keep) this user directory, e.g. to start again after a kill; default a fresh temporary one. */
  readonly userDir?: string;
}

/** An example flow with its PLC node(s) pointed at a simulator on 127.0.0.1:port. */
export function exampleFlow(file: string, plcPort: number): FlowNode[] {
  const flow = JSON.parse(fs.readFileSync(path.join(ROOT, "examples", file), "utf8")) as FlowNode[];
  for (const n of flow) {
    if (n.type === "jsscada-plc") {
      n.host = "127.0.0.1";
      n.port = String(plcPort);
    }
  }
  return flow;
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jsscada-runtime-"));
  const userDir = options.userDir ?? path.join(dir, "userdir");
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: "0",
    SIM_PORT: "0",
    DEMO_USER_DIR: userDir,
    ...options.env,
  };
  if (options.flow) {
    env.DEMO_FLOW = path.join(dir, "flow.json");
    fs.writeFileSync(env.DEMO_FLOW, JSON.stringify(options.flow));
  }
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "scripts", "start.js")], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  type Info = { url: string; simulatorPort: number | null; token: string };
  const ready = new Promise<Info>((resolve, reject) => {
    let info: Info | undefined;
    const timer = setTimeout(
      () => reject(new Error(`runtime not ready within ${options.timeoutMs ?? 30000} ms:\n${output}`)),
      options.timeoutMs ?? 30000,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      // The block scripts/start.js prints for people: "Editor  <url>/" and "PLC simulator  127.0.0.1:<port>".
      const editor = /^ {2}Editor +(http:\/\/\S+)\/$/m.exec(output);
      if (editor && !info) {
        const sim = /^ {2}PLC simulator +127\.0\.0\.1:(\d+)/m.exec(output);
        // "API token  <token> (<origin>)", or "API token  none: …" when POLLING_API_TOKEN is empty.
        const token = /^ {2}API token +(\S+) \(/m.exec(output);
        info = { url: editor[1]!, simulatorPort: sim ? Number(sim[1]) : null, token: token ? token[1]! : "" };
      }
      if (/missing types/i.test(output)) {
        clearTimeout(timer);
        reject(new Error(`flow has node types that are not installed:\n${output}`));
      } else if (info && /\[info\] Started flows/.test(output)) {
        clearTimeout(timer);
        // .ci/node-red-5.sh sets EXPECT_NODE_RED so a run that silently fell back to another Node-RED fails.
        const version = /Node-RED version: v(\S+)/.exec(output)?.[1] ?? "unknown";
        const expected = process.env.EXPECT_NODE_RED;
        if (expected && !version.startsWith(expected))
          reject(new Error(`runtime is Node-RED ${version}, expected ${expected}.x`));
        else resolve(info);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`runtime exited (${code}) before it was ready:\n${output}`));
    });
  });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGCONT");
      child.kill("SIGTERM");
    }
    const kill = setTimeout(() => child.kill("SIGKILL"), 20000);
    const code = await exited;
    clearTimeout(kill);
    fs.rmSync(dir, { recursive: true, force: true });
    return code;
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const info = await ready;
    const freeze = (): void => void child.kill("SIGSTOP");
    const thaw = (): void => void child.kill("SIGCONT");
    return { ...info, userDir, log: () => output, stop, kill, freeze, thaw };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly contentType: string;
  readonly headers: Headers;
}

/** Plain HTTP against the runtime; JSON bodies are parsed, others returned as text. */
export async function request<T = Record<string, unknown>>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const contentType = res.headers.get("content-type") ?? "";
  const text = await res.text();
  return {
    status: res.status,
    contentType,
    headers: res.headers,
    body: (contentType.includes("json") ? JSON.parse(text) : text) as T,
  };
}

/** `request` with `Authorization: Bearer <token>`. */
export function authed<T = Record<string, unknown>>(
  token: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<Answer<T>> {
  return request<T>(method, url, body, { authorization: `Bearer ${token}` });
}

/** Polls `check` until it returns a truthy value (returned) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  ms = 10000,
  what = "condition",
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what} not reached within ${ms} ms${last ? `: ${last instanceof Error ? String(last) : JSON.stringify(last)}` : ""}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Errors Node-RED logged: "[error]" lines (node errors, failed deploys). */
export function loggedErrors(log: string): string[] {
  return log.split("\n").filter((l) => /\[error\]/.test(l));
}

/** GET /test/engine: a probe the tests add to a flow to read the engine status without the example's help. */
export function engineProbe(): FlowNode[] {
  return [
    { id: "a0000000000000p1", type: "tab", label: "test probe", disabled: false, info: "" },
    {
      id: "a0000000000000p2",
      type: "http in",
      z: "a0000000000000p1",
      url: "/test/engine",
      method: "get",
      upload: false,
      swaggerDoc: "",
      wires: [["a0000000000000p3"]],
    },
    {
      id: "a0000000000000p3",
      type: "jsscada-engine-status",
      z: "a0000000000000p1",
      name: "",
      interval: "0",
      wires: [["a0000000000000p4"]],
    },
    {
      id: "a0000000000000p4",
      type: "http response",
      z: "a0000000000000p1",
      statusCode: "",
      headers: {},
      wires: [],
    },
  ];
}

export interface GroupView {
  name: string;
  mode: string;
  state: string;
  running: boolean;
  polls: number;
  successes: number;
  errors: number;
  successRate: number;
  lastError?: string;
}

export interface StatusView {
  engine: { ready: boolean; runningGroups: number; totalGroups: number; maxGroups: number };
  groups: GroupView[];
  plcs: Array<Record<string, unknown>>;
  queues: Array<Record<string, unknown>>;
}

export async function probe(rt: Runtime): Promise<StatusView> {
  return (await request<StatusView>("GET", `${rt.url}/test/engine`)).body;
}

export function groupOf(s: StatusView, name: string): GroupView {
  const g = s.groups.find((x) => x.name === name);
  if (!g) throw new Error(`group ${name} not in status (${s.groups.map((x) => x.name).join(", ")})`);
  return g;
}
