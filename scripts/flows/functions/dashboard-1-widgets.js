// Status (interval or Refresh) → table, gauge, warning, charts; a command's answer → toast.
if (msg.topic !== "status" || !msg.payload || !msg.payload.groups) {
  const p = msg.payload || {};
  // One toast shows at a time: answers that come together are shown together.
  const now = Date.now();
  const recent = (context.get("recent") || []).filter((r) => now - r.at < 1500);
  recent.push({ at: now, text: `${msg.statusCode}: ${p.message || p.error || "done"}` });
  context.set("recent", recent);
  return [null, null, null, null, null, { payload: recent.map((r) => r.text).join(" · ") }];
}
const s = msg.payload;
flow.set("d1Groups", s.groups);
const rows = s.groups
  .slice()
  .sort((a, b) => (a.name < b.name ? -1 : 1))
  .map((g) => ({
    group: g.name,
    mode: g.mode,
    state: g.state,
    polls: g.polls,
    successRate: g.successRate,
    avgMs: Math.round(g.pollTime.avg * 10) / 10,
    lastError: g.lastError || "",
  }));
const q = s.queues[0];
const usage = q ? q.usage : 0; // percent
const warning = !q
  ? "no queue in this runtime"
  : usage >= 90
    ? "Queue almost full: the consumer is down or too slow"
    : usage >= 70
      ? "Queue filling up: check the consumer"
      : `${q.size} / ${q.capacity} messages`;
return [
  { payload: rows },
  { payload: Math.round(usage) },
  { payload: warning },
  // An array on one output sends one message per element: one chart point per group.
  s.groups.map((g) => ({ topic: g.name, payload: g.successRate })),
  s.groups.map((g) => ({ topic: g.name, payload: g.pollTime.avg })),
  null,
];
