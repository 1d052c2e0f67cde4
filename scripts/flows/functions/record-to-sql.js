msg.params = {
  $seq: msg.handshake && msg.handshake.sequence !== undefined ? msg.handshake.sequence : null,
  $reqAt: msg.handshake ? msg.handshake.reqAt : Date.now(),
  $data: JSON.stringify(msg.payload),
};
msg.topic = "__PARTS_TABLE__";
return msg;
