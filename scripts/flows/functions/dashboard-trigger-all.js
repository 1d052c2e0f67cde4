// PLC-driven groups take their data from the PLC's REQ: the engine refuses to trigger them.
const groups = (flow.get("__GROUPS__") || []).filter((g) => g.mode === "handshake" && g.trigger !== "plc");
return [groups.map((g) => ({ topic: "trigger", payload: { command: "trigger", name: g.name } }))];
