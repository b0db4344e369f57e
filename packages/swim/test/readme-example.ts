import type { Message } from "@grapevine/codec";
import { seededRng } from "@grapevine/protocol";
import { Swim, swimConfig } from "@grapevine/swim";

// Two nodes on a virtual clock, wired back to back: this loop is the runtime's job.
const config = swimConfig("local");
const nodes = new Map<string, Swim>();
for (const name of ["a", "b"]) {
  const self = { name, addresses: [`mem://${name}`], meta: new Uint8Array(0), generation: 0 };
  nodes.set(`mem://${name}`, new Swim({ config, self, rng: seededRng(name), now: 0 }));
}
const addressOf = (swim: Swim): string => `mem://${swim.name}`;
const sizeOf = (_m: Message): number => 64; // the codec knows the real size

function flush(swim: Swim, now: number): void {
  for (const out of swim.drain()) {
    const peer = out.kind === "event" ? undefined : nodes.get(out.to);
    if (out.kind === "send" && peer !== undefined) {
      const extra = swim.piggyback(1400 - 64 * out.messages.length, sizeOf, now);
      for (const m of [...out.messages, ...extra]) peer.handle(addressOf(swim), m, now);
      flush(peer, now);
    } else if (out.kind === "push-pull" && peer !== undefined) {
      peer.mergeRemote(swim.localMembers(), now);
      swim.mergeRemote(peer.localMembers(), now);
      flush(peer, now);
    } else if (out.kind === "stream-probe") {
      swim.streamProbeResult(out.seq, false, now); // no stream channel here
    } else if (out.kind === "event") {
      console.log(`${now} ms ${swim.name}: ${out.event.member.name} ${out.event.type}`);
    }
  }
}

const a = nodes.get("mem://a")!;
const b = nodes.get("mem://b")!;
b.join(["mem://a"], 0);
flush(b, 0);
for (let now = 0; now <= 10_000; ) {
  for (const swim of nodes.values()) {
    if (swim.nextWakeAt() <= now) swim.tick(now);
    flush(swim, now);
  }
  now = Math.min(a.nextWakeAt(), b.nextWakeAt());
}
console.log(`a sees ${a.aliveCount()} alive, b sees ${b.aliveCount()} alive`);
