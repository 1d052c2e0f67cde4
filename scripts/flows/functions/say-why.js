// A caught error is not logged by Node-RED: say it here, once per attempt (one every 2 s at most).
const why = String((msg.error && msg.error.message) || "unknown error").replace(/^Error: /, "");
node.status({ fill: "red", shape: "dot", text: why });
node.warn(`__WHAT__ failed (${why}): it stays in the queue and is retried in 2 s`);
return msg;
