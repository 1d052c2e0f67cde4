// The queue also completes the acknowledgements it receives (they carry msg.queue): only a
// record that was just put, safe on disk, acknowledges the PLC.
return msg.queue ? null : msg;
