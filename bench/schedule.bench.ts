/**
 * Schedule accuracy of 100 polling groups at 100 ms with a trivial async task, on the real event loop:
 *   - the Scheduler on the system clock (what the engine uses),
 *   - the Scheduler on a "precise" clock that wakes 1 ms early and spins on setImmediate until the
 *     deadline, with groups started 1 ms apart and with groups started together,
 *   - a naive setInterval per group, the usual node-red-contrib approach.
 * Each variant runs alone for BENCH_SCHEDULE_SECONDS (default 60), so its CPU figure is its own.
 *
 * drift:  last start minus t0 + k·interval (the grid), mean and max over groups.
 * jitter: start lateness against the grid, p50/p99 over all starts of all groups.
 * period: |start(k) − start(k−1) − expected|, p99: what a consumer of the values sees.
 * wakes:  timer callbacks per cycle (early fires cost the scheduler a re-arm).
 */
import { systemClock, type Clock, type TimerHandle } from "../lib/core/clock.js";
import { Scheduler } from "../lib/engine/scheduler.js";
import { percentile } from "../lib/core/stats.js";

const GROUPS = 100;
const INTERVAL_MS = 100;

interface GroupTrace {
  t0: number;
  /** Grid slot and start time of every start. */
  slots: number[];
  starts: number[];
}

interface VariantResult {
  name: string;
  traces: GroupTrace[];
  wallMs: number;
  cpuMs: number;
  overruns: number;
  wakes: number;
}

type GroupStarter = (trace: GroupTrace, countWake: () => void) => () => Promise<number>;

const trivialTask = async (): Promise<void> => {
  await Promise.resolve();
};

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The alternative we measured and rejected: exact to a few microseconds, but every timer spins for
 * about a millisecond, so groups that are not aligned keep the loop busy most of the time.
 */
function preciseClock(spinMs: number): Clock {
  interface Spin {
    timeout?: NodeJS.Timeout;
    immediate?: NodeJS.Immediate;
    cancelled: boolean;
  }
  return {
    now: () => performance.now(),
    setTimeout(fn, ms): TimerHandle {
      const due = performance.now() + ms;
      const spin: Spin = { cancelled: false };
      const check = (): void => {
        spin.immediate = undefined;
        if (spin.cancelled) return;
        if (performance.now() >= due) fn();
        else spin.immediate = setImmediate(check);
      };
      if (ms - spinMs >= 1) spin.timeout = setTimeout(check, ms - spinMs);
      else spin.immediate = setImmediate(check);
      return spin;
    },
    clearTimeout(handle) {
      const spin = handle as Spin;
      spin.cancelled = true;
      clearTimeout(spin.timeout);
      if (spin.immediate) clearImmediate(spin.immediate);
    },
  };
}

function counting(clock: Clock, countWake: () => void): Clock {
  return {
    now: () => clock.now(),
    setTimeout: (fn, ms) =>
      clock.setTimeout(() => {
        countWake();
        fn();
      }, ms),
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
}

function schedulerGroup(clock: Clock): GroupStarter {
  return (trace, countWake) => {
    const scheduler = new Scheduler({
      intervalMs: INTERVAL_MS,
      clock: counting(clock, countWake),
      task: trivialTask,
      onCycle: (r) => {
        if (r.slot === undefined) return;
        if (r.slot === 0) trace.t0 = r.scheduledAt;
        trace.slots.push(r.slot);
        trace.starts.push(r.startedAt);
      },
    });
    scheduler.start();
    return async () => {
      await scheduler.stop();
      return scheduler.overruns;
    };
  };
}

const naiveGroup: GroupStarter = (trace, countWake) => {
  let k = 0;
  trace.t0 = performance.now();
  const handle = setInterval(() => {
    countWake();
    trace.slots.push(++k);
    trace.starts.push(performance.now());
    void trivialTask();
  }, INTERVAL_MS);
  return () => {
    clearInterval(handle);
    return Promise.resolve(0);
  };
};

async function measure(
  name: string,
  seconds: number,
  staggerMs: number,
  startGroup: GroupStarter,
): Promise<VariantResult> {
  const traces: GroupTrace[] = [];
  const stops: Array<() => Promise<number>> = [];
  let wakes = 0;
  const countWake = (): void => {
    wakes++;
  };
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let g = 0; g < GROUPS; g++) {
    const trace: GroupTrace = { t0: performance.now(), slots: [], starts: [] };
    traces.push(trace);
    stops.push(startGroup(trace, countWake));
    if (staggerMs > 0) await wait(staggerMs);
  }
  await wait(seconds * 1000);
  const overruns = (await Promise.all(stops.map((stop) => stop()))).reduce((a, b) => a + b, 0);
  const cpu = process.cpuUsage(cpu0);
  return {
    name,
    traces,
    wallMs: performance.now() - wall0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    overruns,
    wakes,
  };
}

function summarize(result: VariantResult): string {
  const drifts: number[] = [];
  const lateness: number[] = [];
  const periodError: number[] = [];
  for (const t of result.traces) {
    let previous: { start: number; slot: number } | undefined;
    let lastLate: number | undefined;
    for (const [i, start] of t.starts.entries()) {
      const slot = t.slots[i];
      if (slot === undefined) throw new Error(`trace has a start without a slot at ${i}`);
      lastLate = start - (t.t0 + slot * INTERVAL_MS);
      lateness.push(lastLate);
      if (previous !== undefined) {
        const expected = (slot - previous.slot) * INTERVAL_MS;
        periodError.push(Math.abs(start - previous.start - expected));
      }
      previous = { start, slot };
    }
    if (lastLate !== undefined) drifts.push(lastLate);
  }
  const sortedLateness = Float64Array.from(lateness).sort();
  const sortedPeriod = Float64Array.from(periodError).sort();
  const cycles = lateness.length;
  const mean = drifts.reduce((a, b) => a + b, 0) / Math.max(1, drifts.length);
  const f = (ms: number): string => ms.toFixed(2);
  return (
    `${result.name}: drift ${f(mean)} ms (max ${f(Math.max(...drifts))} ms), ` +
    `jitter p50 ${f(percentile(sortedLateness, 50))} ms p99 ${f(percentile(sortedLateness, 99))} ms, ` +
    `period error p99 ${f(percentile(sortedPeriod, 99))} ms, ` +
    `CPU ${((100 * result.cpuMs) / result.wallMs).toFixed(1)} %, ` +
    `${(result.wakes / Math.max(1, cycles)).toFixed(2)} wakes/cycle ` +
    `(${cycles} starts, ${result.overruns} overruns)`
  );
}

export async function run(): Promise<void> {
  const seconds = Number(process.env.BENCH_SCHEDULE_SECONDS ?? 60);
  const variants: Array<[string, number, GroupStarter]> = [
    ["scheduler", 1, schedulerGroup(systemClock)],
    ["scheduler, precise clock (1 ms spin)", 1, schedulerGroup(preciseClock(1))],
    ["scheduler, precise clock, groups aligned", 0, schedulerGroup(preciseClock(1))],
    ["naive setInterval", 1, naiveGroup],
  ];
  console.log(
    `schedule: ${GROUPS} groups at ${INTERVAL_MS} ms, trivial async task, groups started 1 ms apart ` +
      `unless aligned, ${seconds} s per variant (${variants.length} variants), Node ${process.version}`,
  );
  for (const [name, staggerMs, group] of variants) {
    console.log(summarize(await measure(name, seconds, staggerMs, group)));
  }
}

if (require.main === module) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
