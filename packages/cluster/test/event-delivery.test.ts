import { MemoryNetwork, seededRandom, VirtualClock } from "@grapevine/transport-memory";
import { describe, expect, it } from "vitest";
import { Cluster, type ClusterEvent, seededRng } from "../src/index.js";

async function node(network: MemoryNetwork, clock: VirtualClock, name: string): Promise<Cluster> {
  const cluster = Cluster.create({
    name,
    transports: [await network.bind(`mem://${name}`)],
    clock,
    rng: seededRng(`events:${name}`),
    generation: 1,
    preset: "local",
  });
  await cluster.start();
  return cluster;
}

async function world(names: string[]) {
  const clock = new VirtualClock();
  const network = new MemoryNetwork({
    clock,
    rng: seededRandom(7),
    latency: { meanMs: 1, jitterMs: 0 },
  });
  const nodes: Cluster[] = [];
  for (const n of names) nodes.push(await node(network, clock, n));
  return { clock, network, nodes };
}

describe("events are delivered after each step, never inside one", () => {
  it("join() called from a member-joined handler joins (resolves with the seeds that answered)", async () => {
    const { clock, nodes } = await world(["a", "b", "c"]);
    const [a, b, c] = nodes as [Cluster, Cluster, Cluster];
    let fromHandler: Promise<number> | undefined;
    a.on("member-joined", (e) => {
      if (e.member.name === "b" && fromHandler === undefined) {
        fromHandler = a.join(c.addresses);
      }
    });
    const first = a.join(b.addresses);
    await clock.runFor(2_000);
    expect(await first).toBe(1);
    expect(fromHandler).toBeDefined();
    expect(await fromHandler).toBe(1);
    expect(a.member("c")?.status).toBe("alive");
    for (const n of nodes) await n.shutdown();
  });

  it("a handler that writes a key sees its own key-changed event after the current one", async () => {
    const { clock, nodes } = await world(["a", "b"]);
    const [a, b] = nodes as [Cluster, Cluster];
    const seen: string[] = [];
    a.on("*", (e: ClusterEvent) => {
      if (e.type === "key-changed") {
        seen.push(`${e.owner}/${e.key}`);
        if (e.key === "first") a.set("second", "2");
      } else if (
        e.type !== "user-message" &&
        e.type !== "health-changed" &&
        e.type !== "shared-changed"
      ) {
        seen.push(`${e.type} ${e.member.name}`);
      }
    });
    await Promise.all([a.join(b.addresses), clock.runFor(1_000)]);
    a.set("first", "1");
    await clock.runFor(100);
    expect(seen.filter((s) => s.startsWith("a/"))).toEqual(["a/first", "a/second"]);
    for (const n of nodes) await n.shutdown();
  });

  it("the state heartbeat advances on the wire (peers see it rise)", async () => {
    const { clock, nodes } = await world(["a", "b"]);
    const [a, b] = nodes as [Cluster, Cluster];
    await Promise.all([a.join(b.addresses), clock.runFor(1_000)]);
    a.set("k", "1");
    await clock.runFor(5_000);
    const firstBeat = b.stateOwner("a")?.heartbeat ?? 0;
    expect(firstBeat).toBeGreaterThan(0);
    a.set("k", "2");
    await clock.runFor(5_000);
    expect(b.stateOwner("a")?.heartbeat ?? 0).toBeGreaterThan(firstBeat);
    for (const n of nodes) await n.shutdown();
  });
});
