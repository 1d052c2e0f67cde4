/**
 * Debian's InfluxDB 1.x (`influxd`), started on free loopback ports with its own data directory, for the
 * historian test and benchmark. Needs `apt-get install influxdb` (.ci/run installs it when missing).
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { eventually } from "../examples/runtime";

export const INFLUXD = ["/usr/bin/influxd", "/usr/sbin/influxd"].find((p) => fs.existsSync(p));

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class Influxd {
  private proc: ChildProcess | undefined;
  private readonly conf: string;

  private constructor(
    readonly port: number,
    rpcPort: number,
    readonly dir: string,
  ) {
    this.conf = path.join(dir, "influxdb.conf");
    fs.writeFileSync(
      this.conf,
      [
        "reporting-disabled = true",
        `bind-address = "127.0.0.1:${rpcPort}"`,
        "[meta]",
        `  dir = "${path.join(dir, "meta")}"`,
        "[data]",
        `  dir = "${path.join(dir, "data")}"`,
        `  wal-dir = "${path.join(dir, "wal")}"`,
        "  query-log-enabled = false",
        "[monitor]",
        "  store-enabled = false",
        "[http]",
        `  bind-address = "127.0.0.1:${port}"`,
        "  log-enabled = false",
        "[ifql]",
        "  enabled = false",
        "[logging]",
        '  level = "warn"',
        "",
      ].join("\n"),
    );
  }

  static async create(dir: string): Promise<Influxd> {
    if (!INFLUXD) throw new Error("influxd is not installed: apt-get install -y influxdb");
    return new Influxd(await freePort(), await freePort(), dir);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.proc = spawn(INFLUXD!, ["-config", this.conf], { stdio: "ignore" });
    await eventually(
      async () => (await fetch(`${this.url}/ping`).catch(() => undefined))?.status === 204,
      20000,
      "influxd answering /ping",
    );
  }

  /** kill -9, as a crash or a power cut of the historian would. */
  async kill(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise((resolve) => {
      p.once("exit", resolve);
      p.kill("SIGKILL");
    });
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise((resolve) => {
      p.once("exit", resolve);
      p.kill("SIGTERM");
    });
  }

  /** InfluxQL over HTTP (POST, so CREATE works too); the first statement's series. */
  async query(
    q: string,
    db?: string,
  ): Promise<Array<{ name: string; tags?: Record<string, string>; values: unknown[][] }>> {
    const body = new URLSearchParams({ q, ...(db ? { db } : {}) });
    const res = await fetch(`${this.url}/query`, { method: "POST", body });
    const json = (await res.json()) as { results: Array<{ series?: never[]; error?: string }> };
    if (json.results[0]?.error) throw new Error(`influx: ${json.results[0].error}`);
    return json.results[0]?.series ?? [];
  }
}
