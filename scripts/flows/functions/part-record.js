const seq = ((flow.get("seq") || 0) % 65535) + 1;
flow.set("seq", seq);
msg.payload = { seq, partNo: 1000 + seq, weight: 480 + Math.round(Math.random() * 40) };
return msg;
