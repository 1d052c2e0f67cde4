// Mocha reporter: spec output plus, at the end, wall time per test file (top-level suites grouped by file).
const Mocha = require("mocha");
const { EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_RUN_END } = Mocha.Runner.constants;
class FileTimes extends Mocha.reporters.Dot {
  constructor(runner, options) {
    super(runner, options);
    const times = new Map();
    const started = new Map();
    runner.on(EVENT_SUITE_BEGIN, (s) => {
      if (s.file && s.parent && s.parent.root) started.set(s, Date.now());
    });
    runner.on(EVENT_SUITE_END, (s) => {
      if (started.has(s)) times.set(s.file, (times.get(s.file) || 0) + Date.now() - started.get(s));
    });
    runner.once(EVENT_RUN_END, () => {
      const rows = [...times].sort((a, b) => b[1] - a[1]);
      let total = 0;
      for (const [f, ms] of rows) {
        total += ms;
        console.log(`${(ms / 1000).toFixed(1).padStart(7)} s  ${f}`);
      }
      console.log(`${(total / 1000).toFixed(1).padStart(7)} s  total`);
    });
  }
}
module.exports = FileTimes;
