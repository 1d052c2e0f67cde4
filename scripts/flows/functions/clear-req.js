// The PLC drops REQ once it saw ACK (OK or NG).
if (msg.payload.ack !== 0 && msg.payload.req) return { payload: false };
return null;
