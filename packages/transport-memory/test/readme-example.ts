import { MemoryNetwork, VirtualClock } from "@grapevine/transport-memory";

const clock = new VirtualClock();
const network = new MemoryNetwork({ clock, latency: { meanMs: 10, jitterMs: 5 } });
const a = await network.bind("a");
const b = await network.bind("mem://b");

void (async () => {
  for await (const { from, data } of b.datagrams()) {
    console.log(`t=${clock.now().toFixed(1)} ms: ${new TextDecoder().decode(data)} from ${from}`);
  }
})();

a.send(b.address, new TextEncoder().encode("ping"));
network.partition([["a"], ["b"]]); // a and b can no longer talk
a.send(b.address, new TextEncoder().encode("lost"));
network.heal();

// Streams: reliable, ordered frames with the same latency.
void (async () => {
  for await (const stream of b.streams()) {
    for await (const frame of stream) await stream.write(frame); // echo
    await stream.close();
  }
})();
const dialing = a.dial(b.address);
await clock.runUntilIdle();
const stream = await dialing;
await stream.write(new TextEncoder().encode("state"));
await stream.close();
await clock.runUntilIdle();
for await (const frame of stream) console.log("echoed", new TextDecoder().decode(frame));

console.log(network.counters("a").droppedBy.partition); // 1
network.closeAll();
