/** Request latency over the last N samples: last, average, max and p99 for the PLC statistics. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;
  private last = 0;
  private max = 0;

  constructor(size: number) {
    this.samples = new Float64Array(size);
  }

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    this.count = Math.min(this.count + 1, this.samples.length);
    this.last = ms;
    if (ms > this.max) this.max = ms;
  }

  snapshot(): { last: number; avg: number; max: number; p99: number } {
    if (this.count === 0) return { last: 0, avg: 0, max: 0, p99: 0 };
    const window = Array.from(this.samples.subarray(0, this.count)).sort((a, b) => a - b);
    const avg = window.reduce((a, b) => a + b, 0) / window.length;
    const p99 = window[Math.min(window.length - 1, Math.ceil(window.length * 0.99) - 1)]!;
    const r = (x: number): number => Math.round(x * 1000) / 1000;
    return { last: r(this.last), avg: r(avg), max: r(this.max), p99: r(p99) };
  }
}
