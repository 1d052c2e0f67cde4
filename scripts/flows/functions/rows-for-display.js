msg.payload = msg.payload.map((r) => ({
  seq: r.seq,
  ...JSON.parse(r.data),
  stored: r.stored_at,
  deliveries: r.deliveries,
  duplicate: r.duplicate ? "yes" : "",
}));
return msg;
