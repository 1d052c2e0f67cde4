const groups = (flow.get("d1Groups") || []).filter((g) => g.mode === "handshake");
return [groups.map((g) => ({ topic: "trigger", payload: { command: "trigger", name: g.name } }))];
