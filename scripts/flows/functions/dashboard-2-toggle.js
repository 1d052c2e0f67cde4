const row = msg.payload || {};
return {
  topic: row.state === "running" ? "stop" : "start",
  payload: { command: row.state === "running" ? "stop" : "start", name: row.group },
};
