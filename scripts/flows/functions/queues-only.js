// Error answers (401, 503 …) pass through unchanged.
if (msg.statusCode === 200) msg.payload = { success: true, queues: msg.payload.queues };
return msg;
