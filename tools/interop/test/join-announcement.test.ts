import { Cluster, type ClusterOptions, seededRng } from "@grapevine/cluster";
import { MemoryNetwork, seededRandom, VirtualClock } from "@grapevine/transport-memory";
import { afterEach, describe, expect, it } from "vitest";
import { INTEROP_CLUSTER_OPTIONS, runUntil } from "../src/index.js";

/**
 * How a joining node makes itself known, on the memory network and a virtual clock (exact and
 * fast). Periodic push-pull is off, so membership spreads only by gossip, as it does between
 * push-pull intervals in a real cluster.
 *
 * Regression tests: `Cluster.join` once bypassed `Swim.join`, so a newcomer neither announced its
 * own `alive` nor remembered its seeds (see README, "Regressions guarded").
 */

const BASE: Partial<ClusterOptions> = {
  ...INTEROP_CLUSTER_OPTIONS,
  swim: { ...INTEROP_CLUSTER_OPTIONS.swim, pushPullIntervalMs: 0 },
  generation: 1,
};

describe("joining", () => {
  let clock: VirtualClock;
  let network: MemoryNetwork;
  const clusters: Cluster[] = [];

  async function start(name: string, options: Partial<ClusterOptions> = {}): Promise<Cluster> {
    const cluster = Cluster.create({
      ...BASE,
      ...options,
      name,
      transports: [await network.bind(`mem://${name}`)],
      clock,
      rng: seededRng(`join-announcement:${name}`),
    });
    await cluster.start();
    clusters.push(cluster);
    return cluster;
  }

  /** Joins with the clock running (a dial completes only as virtual time passes). */
  async function join(cluster: Cluster, seeds: string[]): Promise<number> {
    const joining = cluster.join(seeds);
    await clock.runFor(100);
    return joining;
  }

  const sees = (observer: Cluster, name: string) => observer.member(name)?.status === "alive";

  afterEach(async () => {
    await Promise.all(clusters.splice(0).map((c) => c.shutdown()));
    network.closeAll();
  });

  it("converges by gossip when every member can hear the seed (control)", async () => {
    clock = new VirtualClock();
    network = new MemoryNetwork({ clock, rng: seededRandom(1), latency: 1 });
    const seed = await start("seed");
    const old = await start("old");
    expect(await join(old, ["mem://seed"])).toBe(1);
    const newcomer = await start("new");
    expect(await join(newcomer, ["mem://seed"])).toBe(1);
    await runUntil(clock, () => sees(old, "new") && sees(seed, "new"), 5_000, "old to hear of new");
  });

  // Regression: a newcomer once never broadcast its own `alive`, so members its seed could not
  // reach never heard of it. Here the seed's datagrams to `old` are lost: `old` must hear of
  // `new` from `new` itself.
  it("a newcomer announces itself to members its seed cannot reach", async () => {
    clock = new VirtualClock();
    network = new MemoryNetwork({ clock, rng: seededRandom(2), latency: 1 });
    const seed = await start("seed");
    const old = await start("old");
    expect(await join(old, ["mem://seed"])).toBe(1);
    await runUntil(clock, () => sees(seed, "old") && sees(old, "seed"), 5_000, "seed and old");
    network.setLoss("seed", "old", 1);
    const newcomer = await start("new");
    expect(await join(newcomer, ["mem://seed"])).toBe(1);
    expect(newcomer.member("old"), "new learned old from the seed").toBeDefined();
    await runUntil(clock, () => sees(old, "new"), 5_000, "old to hear of new from new itself");
  });

  // Regression (the same one, measured): without self-announcement, 7 of these 100 seeded
  // five-node joins through one seed took 2.6 to 13.8 s to converge; all must converge in 2 s.
  it("five nodes joined through one seed converge within 2 s, in 100 seeded runs", async () => {
    const slow: Array<{ seed: number; ms: number }> = [];
    for (let seed = 1; seed <= 100; seed++) {
      clock = new VirtualClock();
      network = new MemoryNetwork({ clock, rng: seededRandom(seed), latency: 1 });
      const members: Cluster[] = [];
      // Periodic push-pull on, as in a real cluster: it repairs what gossip missed, slowly.
      for (let i = 0; i < 5; i++) {
        members.push(await start(`n${i}-${seed}`, { swim: INTEROP_CLUSTER_OPTIONS.swim }));
      }
      const joining = members.slice(1).map((m) => m.join([members[0]!.addresses[0]!]));
      const started = clock.now();
      await clock.runFor(20);
      await Promise.all(joining);
      const names = members.map((m) => m.name);
      await runUntil(
        clock,
        () => members.every((m) => names.every((n) => sees(m, n))),
        30_000,
        `run ${seed} to converge`,
        20,
      );
      const ms = clock.now() - started;
      if (ms > 2_000) slow.push({ seed, ms });
      await Promise.all(clusters.splice(0).map((c) => c.shutdown()));
      network.closeAll();
    }
    expect(slow).toEqual([]);
  });

  // Regression: `Cluster.join` once bypassed `Swim.join`, so seeds that were down at join were
  // never retried and the node stayed alone for good.
  it("a node whose seeds were down keeps trying them and joins once one is up", async () => {
    clock = new VirtualClock();
    network = new MemoryNetwork({ clock, rng: seededRandom(3), latency: 1 });
    // Periodic push-pull on here: it is what retries the seeds.
    const late = Cluster.create({
      ...BASE,
      swim: { ...INTEROP_CLUSTER_OPTIONS.swim, pushPullIntervalMs: 2_000 },
      name: "late",
      transports: [await network.bind("mem://late")],
      clock,
      rng: seededRng("join-announcement:late"),
    });
    await late.start();
    clusters.push(late);
    expect(await join(late, ["mem://seed"])).toBe(0);
    const seed = await start("seed");
    await runUntil(clock, () => sees(late, "seed") && sees(seed, "late"), 10_000, "late to join");
  });
});
