#!/usr/bin/env node
import { runCli } from "./run";

// exitCode, not exit(): stdout to a pipe is flushed before the process ends.
void runCli(process.argv.slice(2), process).then((code) => (process.exitCode = code));
