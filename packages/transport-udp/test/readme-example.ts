import { bindUdp } from "@grapevine/transport-udp";

const a = await bindUdp({ bind: "udp://127.0.0.1:0" }); // port 0: a free port
const b = await bindUdp({ bind: "udp://127.0.0.1:0" });

// Datagrams: best effort, at most `mtu` (1400) bytes.
const incoming = b.datagrams()[Symbol.asyncIterator]();
a.send(b.address, new TextEncoder().encode("ping"));
const { value } = await incoming.next();
console.log(value?.from === a.address, new TextDecoder().decode(value?.data)); // true ping

// Streams: reliable, ordered frames; close() half-closes so the other side can answer.
const accepted = b.streams()[Symbol.asyncIterator]();
const stream = await a.dial(b.address);
await stream.write(new TextEncoder().encode("my state"));
await stream.close();
const peer = (await accepted.next()).value!;
for await (const frame of peer) console.log(peer.remote, new TextDecoder().decode(frame));
await peer.write(new TextEncoder().encode("their state"));
await peer.close();
for await (const frame of stream) console.log(new TextDecoder().decode(frame));

const { datagramsOut, streamsDialed } = a.counters();
console.log({ datagramsOut, streamsDialed }); // { datagramsOut: 1, streamsDialed: 1 }
await Promise.all([a.close(), b.close()]);
