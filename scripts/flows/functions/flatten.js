msg.payload = msg.payload.flat();
return msg;
