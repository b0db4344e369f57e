import { type NodeCore as Core, NodeCore } from "@grapevine/node";
import { seededRng, swimConfig } from "@grapevine/swim";

// Two node cores wired back to back on a virtual clock: this loop is the runtime's job.
const config = swimConfig("local");
const cores = new Map<string, Core>();
for (const name of ["a", "b"]) {
  const address = `mem://${name}`;
  const core = new NodeCore({
    name,
    addresses: [address],
    links: [{ schemes: ["mem"], mtu: 1400, maxFrameBytes: 1 << 20 }],
    config,
    rng: seededRng(name.charCodeAt(0)),
    now: 0,
    generation: 1,
    meta: new Uint8Array(0),
  });
  cores.set(address, core);
}

/** Carries out what `core` produced: packets and stream exchanges arrive at once. */
function run(core: Core, now: number): void {
  const from = `mem://${core.name}`;
  for (const out of core.drain()) {
    if (out.kind === "query-request" && out.name === "color") {
      // A handler of the application: here it answers at once (it could be later, async).
      core.respondQuery(out.token, core.store.get("a", "color")!.value, now);
      run(core, now);
      continue;
    }
    if (out.kind === "query-answer") {
      console.log(
        `${now} ms ${core.name}: ${out.from} answered ${new TextDecoder().decode(out.payload)}`,
      );
      continue;
    }
    if (out.kind === "query-done") {
      console.log(`${now} ms ${core.name}: query done, missing [${out.summary.missing.join(",")}]`);
      continue;
    }
    if (out.kind === "event") {
      const e = out.event;
      const what = e.type === "key-changed" ? `${e.owner}/${e.key}` : "";
      if (e.type !== "user-message")
        console.log(`${now} ms ${core.name}: ${e.type} ${what}`.trim());
      continue;
    }
    const peer = "to" in out ? cores.get(out.to) : undefined;
    if (peer === undefined) continue;
    if (out.kind === "datagram") {
      peer.handleDatagram(from, out.bytes, now);
    } else if (out.kind === "stream") {
      const reply = peer.handleStreamFrame(from, out.bytes, now);
      run(peer, now);
      core.handleStreamReply(out.id, reply, now);
      run(core, now);
      continue;
    }
    run(peer, now);
  }
}

const [a, b] = [cores.get("mem://a")!, cores.get("mem://b")!];
for (const core of cores.values()) {
  core.start(0);
  run(core, 0);
}
a.join(["mem://b"], 0);
run(a, 0);
a.set("color", new TextEncoder().encode("green"), 10);
run(a, 10);
// Drive time: wake every core when it asks, for two seconds; at 1 s, b asks every member.
for (let now = 0; now <= 2_000; now += 10) {
  if (now === 1_000) {
    b.query({ name: "color", payload: new Uint8Array(0), timeoutMs: 500 }, now);
    run(b, now);
  }
  for (const core of cores.values()) {
    if (core.nextWakeAt() <= now) {
      core.tick(now);
      run(core, now);
    }
  }
}
console.log(`b holds a/color = ${new TextDecoder().decode(b.store.get("a", "color")!.value)}`);
