// Kept in the flow context: a restart starts again at 1 (use a persistent context store to
// continue the numbering across restarts).
const seq = (flow.get("seq") || 0) + 1;
flow.set("seq", seq);
msg.payload = { seq, at: msg.polling ? msg.polling.startedAt : Date.now(), values: msg.payload };
return msg;
