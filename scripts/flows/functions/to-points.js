// One point per tag, stamped with the cycle's scheduled time: a repeated write overwrites it.
const time = msg.polling.scheduledAt;
const group = msg.polling.group;
msg.payload = Object.entries(msg.payload)
  .filter(([, v]) => typeof v === "number" || typeof v === "boolean")
  .map(([tag, v]) => ({
    measurement: "plc",
    tags: { group, tag },
    fields: { value: Number(v) },
    timestamp: time,
  }));
return msg;
