#!/usr/bin/env node
/**
 * Runs every compiled benchmark (dist/bench/*.bench.js) in turn, each under a header.
 *   BENCH_ONLY=mc,queue  only the files whose name contains one of these words
 *   BENCH_DIR=dir        where the compiled benchmarks are (default: ../dist/bench from here)
 * Figures are printed, never asserted; a failing benchmark is reported and the others still run.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");

// The schedule benchmark runs each variant for a minute by default; a full sweep keeps it short.
process.env.BENCH_SCHEDULE_SECONDS ??= "10";

async function main() {
  const dir = path.resolve(process.env.BENCH_DIR ?? path.join(__dirname, "..", "dist", "bench"));
  if (!fs.existsSync(dir)) {
    console.error(`no compiled benchmarks in ${dir}: run "npm run build" first`);
    return 1;
  }
  const only = (process.env.BENCH_ONLY ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".bench.js"))
    .filter((f) => only.length === 0 || only.some((word) => f.includes(word)))
    .sort();
  if (files.length === 0) {
    console.error(`no benchmark in ${dir} matches BENCH_ONLY=${process.env.BENCH_ONLY ?? ""}`);
    return 1;
  }
  let failed = 0;
  for (const file of files) {
    console.log(`\n=== ${file.replace(/\.bench\.js$/, "")} (${new Date().toISOString()}) ===`);
    const started = process.hrtime.bigint();
    try {
      const mod = require(path.join(dir, file));
      if (typeof mod.run !== "function") throw new Error(`${file} exports no run()`);
      await mod.run();
    } catch (err) {
      failed++;
      console.error(`${file} failed:`, err);
    }
    console.log(`--- ${file}: ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);
  }
  return failed ? 1 : 0;
}

main().then((code) => {
  process.exitCode = code;
});
