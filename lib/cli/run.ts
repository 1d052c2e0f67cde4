/**
 * The jsscada-mc command line: read and write tags, query a PLC, or run the simulator. Everything runs
 * in-process through runCli so tests drive it without spawning; main.ts only wires up the process.
 * Exit codes: 0 ok, 1 PLC or communication error, 2 usage error (bad option, address or value).
 *
 * Over 400 lines because the help texts live beside the commands they describe; the commands
 * themselves are short functions over the library.
 */
import { McClient } from "../mc/client";
import { McAddressError, McError, McValueError } from "../mc/errors";
import { executeReadPlan, planReads, planWrites, type WriteItem } from "../mc/planner";
import { parseTag, type Tag } from "../mc/tags";
import { type TagValue } from "../mc/values";
import { PlcSimulator } from "../simulator";
import { DEMO_GENERATORS } from "../simulator/demo-addresses";
import { CLEAR_MODES, type ClearMode, type RemoteOperation } from "../mc/commands";
import {
  COMMON_OPTIONS,
  type Connection,
  REMOTE_OPTIONS,
  SIM_OPTIONS,
  UsageError,
  connectionOf,
  describeConnection,
  intOption,
  modulesOption,
  parse,
  type RawValues,
} from "./options";

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Stops `sim`; without it `sim` stops on SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
}

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

const CONNECTION_HELP = `Connection options:
  --host HOST         PLC address (default 127.0.0.1)
  --port N            PLC port (default 5000)
  --frame 1e|3e|4e    frame type (default 3e; 1e = A-compatible 1E for FX3/A-series Ethernet modules)
  --binary | --ascii  data code (default binary)
  --tcp | --udp       transport (default tcp)
  --series ql|iqr|iqf CPU series: ql = Q/L, iqr = iQ-R (4-byte device numbers), iqf = iQ-F (default ql)
  --zr-hex            ZR device numbers in hex (default decimal)
  --octal-xy          X/Y numbers in octal, as FX and iQ-F tools show them (default hex)
  --timeout MS        connect and request time-out (default 3000)
  -h, --help          this help`;

const HELP: Record<string, string> = {
  main: `Usage: jsscada-mc <command> [options]

Talks to Mitsubishi MELSEC PLCs over the MC protocol (1E, SLMP 3E/4E, binary or ASCII, TCP or UDP).

Commands:
  read ADDRESS...          read tags and print their values as JSON
  write ADDRESS VALUE...   write tags (pairs of address and value)
  info                     read the CPU model and run a loopback test
  run | stop | pause       remote RUN (optionally clearing devices), STOP, PAUSE
  reset | latch-clear      remote RESET / LATCH CLEAR (CPU in STOP; need --yes)
  sim                      run a simulated PLC until Ctrl-C

Run "jsscada-mc <command> --help" for the command's options. Exit codes: 0 ok, 1 PLC or
communication error, 2 usage error (bad option, address or value).`,
  read: `Usage: jsscada-mc read ADDRESS... [options]

Reads every tag in as few requests as the protocol allows and prints {"ADDRESS": value, ...}.
Addresses use the tag syntax of docs/TAGS.md: D100, D100:float32, D200:int32:swap, D10.3, M0:bool[16],
D300:string(8), W1A:uint16, ZR1000:int32.

Example: jsscada-mc read D100 D200:float32 M0 --host 192.168.0.10 --port 5000

${CONNECTION_HELP}`,
  write: `Usage: jsscada-mc write ADDRESS VALUE [ADDRESS VALUE]... [options]

Values are JSON where they parse as JSON (123, -4.5, true, [1,2,3], "text"), plain strings otherwise.
64-bit tags take integers of any size. A single bit of a word (D10.3) cannot be written: write the word.

Example: jsscada-mc write D100 123 D200:float32 1.5 M0 true D300:string(8) hello

${CONNECTION_HELP}`,
  info: `Usage: jsscada-mc info [options]

Reads the CPU model (command 0101; 1E: 15) and runs a loopback test (0619; 1E: 16), printing the
round-trip time.

${CONNECTION_HELP}`,
  remote: `Usage: jsscada-mc run|stop|pause|reset|latch-clear [options]

Remote operations (3E/4E commands 1001, 1002, 1003, 1006, 1005; 1E: run and stop only, 13H/14H).
  run [--force] [--clear none|outside-latch|all]   RUN; --clear other than none clears devices and
                                                   needs --yes; --force overrides another station's
                                                   remote STOP/PAUSE
  stop                                             STOP
  pause [--force]                                  PAUSE
  reset --yes                                      RESET: restarts the CPU (it must be in STOP); the
                                                   answer may never come, and TCP connections drop
  latch-clear --yes                                LATCH CLEAR: zeroes latched devices (CPU in STOP)

${CONNECTION_HELP}`,
  sim: `Usage: jsscada-mc sim [options]

Runs a simulated PLC until Ctrl-C (SIGINT) or SIGTERM and prints the port it listens on.

Options:
  --listen HOST       address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --port N            port (default 5000; 0 = a free port)
  --latency MS        processing time per request (default 0; real CPUs take 3-7 ms)
  --jitter MS         extra random processing time, 0..MS (default 0)
  --scan MS           CPU model: requests are served in the END processing of a MS scan, one at a
                      time per connection (4E too), at most one per scan (default 0: off)
  --max-clients N     simultaneous TCP clients (default 64; 1 behaves like an iQ-R built-in port)
  --generators        make memory move: counter D0, sine D1, random walk D2, toggling M0, counter D10
  --modules LIST      buffer-memory modules for U\\G, e.g. 1=4096,3E0=8192 (default 1=4096,3E0=4096);
                      others answer end code 4043
  --model-padding P   pad the 0101 model name with "space" (default) or "nul"
  --frame, --binary/--ascii, --tcp/--udp, --series, --zr-hex as for the other commands
  -h, --help          this help`,
};

type Handler = (args: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, Handler> = {
  read,
  write,
  info,
  sim,
  run: (args, io) => remote("run", args, io),
  stop: (args, io) => remote("stop", args, io),
  pause: (args, io) => remote("pause", args, io),
  reset: (args, io) => remote("reset", args, io),
  "latch-clear": (args, io) => remote("latch-clear", args, io),
};

/** Runs one command line (without the node and script arguments) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(HELP.main + "\n");
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const handler = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!handler) {
    io.stderr.write(`jsscada-mc: unknown command "${name}"\n\n${HELP.main}\n`);
    return EXIT.USAGE;
  }
  try {
    return await handler(rest, io);
  } catch (err) {
    return reportError(err, name, io);
  }
}

function reportError(err: unknown, command: string, io: CliIo): number {
  if (err instanceof UsageError || err instanceof McAddressError || err instanceof McValueError) {
    io.stderr.write(`jsscada-mc ${command}: ${err.message}\n(see jsscada-mc ${command} --help)\n`);
    return EXIT.USAGE;
  }
  if (err instanceof McError) {
    io.stderr.write(`jsscada-mc ${command}: ${err.message}${hintFor(err)}\n`);
    return EXIT.FAILED;
  }
  const e = err as NodeJS.ErrnoException;
  io.stderr.write(`jsscada-mc ${command}: ${e?.message ?? String(err)}\n`);
  return EXIT.FAILED;
}

/** What a time-out usually means in practice: the PLC ignores frames in the wrong data code. */
function hintFor(err: McError): string {
  if (err.code !== "MC_TIMEOUT") return "";
  return "\n(no answer: check the host, port, --frame and --binary/--ascii: a PLC silently drops frames in the wrong code)";
}

function wantsHelp(values: Record<string, unknown>, command: string, io: CliIo): boolean {
  if (!values.help) return false;
  io.stdout.write((HELP[command] ?? HELP.remote) + "\n");
  return true;
}

function clientFor(c: Connection): McClient {
  return new McClient({
    host: c.host,
    port: c.port,
    transport: c.transport,
    frame: c.frame,
    encoding: c.encoding,
    series: c.series,
    zrHex: c.zrHex,
    connectTimeoutMs: c.timeoutMs,
    requestTimeoutMs: c.timeoutMs,
  });
}

async function withClient<T>(c: Connection, use: (client: McClient) => Promise<T>): Promise<T> {
  const client = clientFor(c);
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

function tagsOf(addresses: readonly string[], c: Connection): Tag[] {
  return addresses.map((a) =>
    parseTag(a, {
      series: c.series,
      encoding: c.encoding,
      zrHex: c.zrHex,
      octalXY: c.octalXY,
      frame: c.frame,
    }),
  );
}

/** JSON with bigints written as plain integers (JSON numbers have no size limit; JS ones do). */
export function toJson(value: unknown): string {
  const marker = `@bigint-${Math.random().toString(36).slice(2)}:`;
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "bigint" ? marker + v.toString() : v,
  );
  return text.replace(new RegExp(`"${marker}(-?\\d+)"`, "g"), "$1");
}

async function read(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, COMMON_OPTIONS);
  if (wantsHelp(values, "read", io)) return EXIT.OK;
  const c = connectionOf(values, 5000);
  if (positionals.length === 0) throw new UsageError("no address given");
  const tags = tagsOf(positionals, c);
  const results = await withClient(c, (client) => executeReadPlan(planReads(tags, client.format), client));
  const out: Record<string, TagValue | null> = {};
  const errors: string[] = [];
  results.forEach((r, i) => {
    const key = positionals[i]!.trim();
    if (r.ok) out[key] = r.value;
    else {
      out[key] = null;
      if (!errors.includes(r.error.message)) errors.push(r.error.message);
    }
  });
  const first = results.find((r) => !r.ok);
  if (first && !first.ok && errors.length === 1 && results.every((r) => !r.ok)) {
    // Every tag failed the same way (refused, time-out): all values would be null, so just say why.
    throw first.error;
  }
  io.stdout.write(toJson(out) + "\n");
  for (const e of errors) io.stderr.write(`jsscada-mc read: ${e}\n`);
  return errors.length ? EXIT.FAILED : EXIT.OK;
}

const INTEGER_LIST = /^\[\s*(-?\d+\s*(,\s*-?\d+\s*)*)?\]$/;

/** Command-line text to a tag value: JSON where it parses, a plain string otherwise. */
export function parseValue(text: string, tag?: Tag): unknown {
  const trimmed = text.trim();
  // JSON numbers lose precision past 2^53; 64-bit tags take their integers as bigints.
  if (tag && (tag.type === "int64" || tag.type === "uint64")) {
    if (/^-?\d+$/.test(trimmed)) return BigInt(trimmed);
    if (INTEGER_LIST.test(trimmed)) {
      return trimmed
        .slice(1, -1)
        .split(",")
        .filter((s) => s.trim())
        .map((s) => BigInt(s.trim()));
    }
  }
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

async function write(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, COMMON_OPTIONS);
  if (wantsHelp(values, "write", io)) return EXIT.OK;
  const c = connectionOf(values, 5000);
  if (positionals.length === 0) throw new UsageError("no address given");
  if (positionals.length % 2 !== 0) {
    throw new UsageError(
      `"${positionals[positionals.length - 1]}" has no value (expected ADDRESS VALUE pairs)`,
    );
  }
  const items: WriteItem[] = [];
  for (let i = 0; i < positionals.length; i += 2) {
    const [tag] = tagsOf([positionals[i]!], c);
    items.push({ tag: tag!, value: parseValue(positionals[i + 1]!, tag) });
  }
  const commands = planWrites(items, {
    encoding: c.encoding,
    series: c.series,
    zrHex: c.zrHex,
    frame: c.frame,
  });
  await withClient(c, async (client) => {
    // One after another: a failure stops the rest instead of leaving an unknown subset written.
    for (const cmd of commands) await client.request(cmd);
  });
  const noun = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  io.stdout.write(`OK: wrote ${noun(items.length, "tag")} in ${noun(commands.length, "request")}\n`);
  return EXIT.OK;
}

/** Hex digits the loopback test sends; the PLC must echo them unchanged. */
const LOOPBACK_DATA = "0123456789ABCDEF";

async function info(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, COMMON_OPTIONS);
  if (wantsHelp(values, "info", io)) return EXIT.OK;
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const c = connectionOf(values, 5000);
  return withClient(c, async (client) => {
    const cpu = await client.readCpuModel();
    const started = performance.now();
    const echo = await client.loopback(LOOPBACK_DATA);
    const ms = performance.now() - started;
    const ok = echo === LOOPBACK_DATA;
    io.stdout.write(
      [
        `PLC:      ${c.host}:${c.port} (${describeConnection(c)})`,
        `model:    ${cpu.model}`,
        `code:     0x${cpu.modelCode.toString(16).toUpperCase().padStart(4, "0")}`,
        `loopback: ${ok ? "OK" : `MISMATCH (sent ${LOOPBACK_DATA}, got ${echo})`}, round trip ${ms.toFixed(2)} ms`,
      ].join("\n") + "\n",
    );
    return ok ? EXIT.OK : EXIT.FAILED;
  });
}

const CLEAR_NAMES = Object.keys(CLEAR_MODES) as ClearMode[];

/** run | stop | pause | reset | latch-clear; the destructive ones want --yes. */
async function remote(op: RemoteOperation, args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, REMOTE_OPTIONS);
  if (wantsHelp(values, op, io)) return EXIT.OK;
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const c = connectionOf(values, 5000);
  const clearText = typeof values.clear === "string" ? values.clear : "none";
  if (!CLEAR_NAMES.includes(clearText as ClearMode)) {
    throw new UsageError(`--clear must be ${CLEAR_NAMES.join(", ")}, got "${clearText}"`);
  }
  const clear = clearText as ClearMode;
  if (clear !== "none" && op !== "run") throw new UsageError("--clear applies to run only");
  if (values.force && op !== "run" && op !== "pause")
    throw new UsageError("--force applies to run and pause only");
  const destructive =
    op === "reset"
      ? "restarts the CPU"
      : op === "latch-clear"
        ? "zeroes latched devices"
        : clear !== "none"
          ? "clears devices"
          : "";
  if (destructive && !values.yes) {
    throw new UsageError(
      `${op}${clear !== "none" ? ` --clear ${clear}` : ""} ${destructive}: add --yes to confirm`,
    );
  }
  const label = `remote ${op.toUpperCase()}`;
  try {
    await withClient(c, (client) => client.remote(op, values.force === true, clear));
  } catch (err) {
    if (
      op === "reset" &&
      err instanceof McError &&
      (err.code === "MC_TIMEOUT" || err.code === "MC_CONNECTION_LOST")
    ) {
      io.stderr.write(
        `jsscada-mc reset: no answer (${err.message}); a resetting CPU may drop the connection before answering: check it with "jsscada-mc info"\n`,
      );
      return EXIT.FAILED;
    }
    throw err;
  }
  io.stdout.write(`OK: ${label}${clear !== "none" ? ` (clear ${clear})` : ""}\n`);
  return EXIT.OK;
}

function paddingOption(values: RawValues): "space" | "nul" | undefined {
  const p = values["model-padding"];
  if (p === undefined || p === "space" || p === "nul") return p;
  throw new UsageError(`--model-padding must be space or nul, got "${String(p)}"`);
}

async function sim(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, SIM_OPTIONS);
  if (wantsHelp(values, "sim", io)) return EXIT.OK;
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.host !== undefined) throw new UsageError("sim listens with --listen HOST, not --host");
  const c = connectionOf(values, 5000, 0);
  const host = typeof values.listen === "string" ? values.listen : "127.0.0.1";
  const simulator = new PlcSimulator({
    host,
    port: c.port,
    transport: c.transport,
    frame: c.frame,
    encoding: c.encoding,
    series: c.series,
    zrHex: c.zrHex,
    latencyMs: intOption(values, "latency", 0, 0, 60_000),
    jitterMs: intOption(values, "jitter", 0, 0, 60_000),
    scanMs: intOption(values, "scan", 0, 0, 10_000),
    maxClients: intOption(values, "max-clients", 64, 1, 10_000),
    modules: modulesOption(values),
    modelPadding: paddingOption(values),
  });
  try {
    await simulator.start();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === "EADDRINUSE" ? "already in use" : e.code === "EACCES" ? "not permitted" : e.message;
    io.stderr.write(`jsscada-mc sim: cannot listen on ${host}:${c.port}: ${why}\n`);
    return EXIT.FAILED;
  }
  if (values.generators) for (const g of DEMO_GENERATORS) simulator.addGenerator(g);
  io.stdout.write(
    `MC simulator (${describeConnection(c)}) listening on ${host}:${simulator.port}\n` +
      `port ${simulator.port}\n` +
      "Press Ctrl-C to stop.\n",
  );
  await stopRequested(io.signal);
  await simulator.stop();
  io.stdout.write("simulator stopped\n");
  return EXIT.OK;
}

function stopRequested(signal: AbortSignal | undefined): Promise<void> {
  if (signal) {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
