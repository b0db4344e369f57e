import { describe, expect, it } from "vitest";
import { Keyring, SEAL_OVERHEAD } from "../src/index.js";
import { allSeeAlive, startCluster } from "./harness.js";

const K1 = Keyring.generateKey(256);
const K2 = Keyring.generateKey(128);

describe("encrypted clusters (memory network, virtual time)", () => {
  it("members sharing a key converge, spread state, and never exceed the MTU", async () => {
    const tc = await startCluster(6, 3, {}, () => ({ keyring: new Keyring([K1]) }));
    const names = tc.nodes.map((c) => c.name);
    await tc.runUntil(() => allSeeAlive(tc.nodes, names), 30_000);
    tc.byName("n2").set("secret", "x".repeat(900));
    await tc.runUntil(
      () => tc.nodes.every((c) => c.getText("secret", "n2")?.length === 900),
      10_000,
    );
    const traffic = tc.network.counters();
    expect(traffic.datagramsDropped).toBe(0);
    for (const c of tc.nodes) {
      expect(c.counters.drops.decrypt).toBe(0);
      expect(c.counters.drops.oversized).toBe(0);
    }
    expect(SEAL_OVERHEAD).toBe(29);
  });

  it("a member with the wrong key, or none, is never listed by anyone", async () => {
    const tc = await startCluster(5, 4, {}, (i) =>
      i === 3 ? { keyring: new Keyring([K2]) } : i === 4 ? {} : { keyring: new Keyring([K1]) },
    );
    await tc.clock.runFor(30_000);
    const good = tc.nodes.slice(0, 3);
    expect(allSeeAlive(good, ["n0", "n1", "n2"])).toBe(true);
    for (const c of good) {
      expect(c.member("n3")).toBeUndefined();
      expect(c.member("n4")).toBeUndefined();
      expect(c.counters.drops.decrypt).toBeGreaterThan(0);
    }
  });

  it("a different cluster label is dropped and counted, never merged", async () => {
    const tc = await startCluster(4, 5, {}, (i) => ({ label: i < 2 ? "blue" : "green" }));
    await tc.clock.runFor(30_000);
    expect(tc.nodes[0]!.member("n2")).toBeUndefined();
    expect(tc.nodes[3]!.member("n0")).toBeUndefined();
    expect(tc.nodes[0]!.member("n1")?.status).toBe("alive");
    expect(tc.nodes.some((c) => c.counters.drops["label-mismatch"] > 0)).toBe(true);
  });

  it("turns encryption on in a running cluster without a flag day", async () => {
    // Step 1: everyone opens sealed packets but still sends plaintext; step 2 (some members):
    // sealed out, plaintext still accepted; step 3: required. Members in different steps talk.
    const modes = ["open-only", "open-only", "accept-plaintext", "accept-plaintext", "required"];
    const tc = await startCluster(5, 6, {}, (i) => ({
      keyring: new Keyring([K1]),
      encryption: modes[i] as "open-only" | "accept-plaintext" | "required",
    }));
    const names = tc.nodes.map((c) => c.name);
    // The `required` member hears only sealed packets: from accept-plaintext members and itself.
    await tc.runUntil(() => allSeeAlive(tc.nodes.slice(2, 4), names), 60_000);
    expect(tc.nodes[4]!.counters.drops.decrypt).toBeGreaterThan(0);
  });

  it("rotates keys with no downtime: install, use, remove", async () => {
    const tc = await startCluster(4, 7, {}, () => ({ keyring: new Keyring([K1]) }));
    const names = tc.nodes.map((c) => c.name);
    await tc.runUntil(() => allSeeAlive(tc.nodes, names), 30_000);
    for (const c of tc.nodes) c.keyring!.install(K2);
    await tc.clock.runFor(5_000);
    for (const c of tc.nodes) c.keyring!.use(K2);
    await tc.clock.runFor(5_000);
    for (const c of tc.nodes) c.keyring!.remove(K1);
    await tc.clock.runFor(20_000);
    expect(allSeeAlive(tc.nodes, names)).toBe(true);
    expect(tc.log.some((l) => /member-(suspect|dead)/.test(l))).toBe(false);
  });
});
