import { Cluster, KEY_QUERIES, Keyring, seededRng } from "@grapevine/cluster";
import { MemoryNetwork, seededRandom, VirtualClock } from "@grapevine/transport-memory";
import { describe, expect, it } from "vitest";
import type { EncryptionSetting } from "../src/config.js";
import { KeyOpError, KeyOps } from "../src/key-ops.js";
import type { AgentLogger } from "../src/logger.js";

const key = () => Buffer.from(Keyring.generateKey()).toString("base64");

/** One agent's cluster member and its key operations, on the shared memory network. */
interface Member {
  readonly cluster: Cluster;
  readonly keyring: Keyring | undefined;
  readonly ops: KeyOps;
  persisted: number;
  readonly warnings: string[];
}

/** Members on a memory network and a virtual clock; `run` awaits an operation on virtual time. */
async function network(
  specs: ReadonlyArray<{ name: string; encryption: EncryptionSetting; keys?: string[] }>,
) {
  const clock = new VirtualClock();
  const net = new MemoryNetwork({
    clock,
    rng: seededRandom(5),
    latency: { meanMs: 1, jitterMs: 0.5 },
  });
  const members = new Map<string, Member>();
  for (const spec of specs) {
    const keyring = spec.keys ? new Keyring(spec.keys) : undefined;
    const encryption = spec.encryption === "off" ? undefined : spec.encryption;
    const cluster = Cluster.create({
      name: spec.name,
      transports: [await net.bind(`mem://${spec.name}`)],
      clock,
      rng: seededRng(`keys:${spec.name}`),
      generation: 1,
      preset: "local",
      ...(keyring ? { keyring, ...(encryption ? { encryption } : {}) } : {}),
    });
    await cluster.start();
    const warnings: string[] = [];
    const logger = {
      info: () => undefined,
      debug: () => undefined,
      error: () => undefined,
      warn: (_o: unknown, msg: string) => warnings.push(msg),
    } as unknown as AgentLogger;
    const member: Member = {
      cluster,
      keyring,
      warnings,
      persisted: 0,
      ops: new KeyOps({
        cluster,
        keyring,
        encryption: spec.encryption,
        logger,
        persist: () => {
          member.persisted += 1;
          return true;
        },
      }),
    };
    members.set(spec.name, member);
  }
  const all = [...members.values()];
  const seed = all[0]!.cluster.addresses;
  for (const m of all.slice(1)) void m.cluster.join(seed);
  const run = async <T>(op: Promise<T>): Promise<T> => {
    let settled = false;
    const done = op.finally(() => {
      settled = true;
    });
    done.catch(() => undefined);
    for (let i = 0; i < 10_000 && !settled; i++) await clock.runFor(10);
    return op;
  };
  for (let i = 0; i < 3_000 && !all.every((m) => m.cluster.aliveCount() === all.length); i++) {
    await clock.runFor(10);
  }
  const get = (name: string) => members.get(name)!;
  const stop = async () => {
    for (const m of all) await m.cluster.shutdown();
  };
  return { clock, net, get, run, stop };
}

describe("cluster-wide key operations on queries", () => {
  it("apply once on every member and report it; list shows every keyring", async () => {
    const k1 = key();
    const k2 = key();
    const t = await network(
      ["a", "b", "c"].map((name) => ({ name, encryption: "required", keys: [k1] })),
    );
    const report = await t.run(t.get("a").ops.run("install", k2, { timeoutMs: 2000 }));
    expect(report).toEqual({
      op: "install",
      fingerprint: Keyring.fingerprint(k2),
      members: 3,
      acked: ["a", "b", "c"],
      failed: [],
      missing: [],
      down: [],
    });
    for (const n of ["a", "b", "c"]) {
      expect(t.get(n).keyring?.has(k2)).toBe(true);
      expect(t.get(n).persisted).toBe(1);
    }
    const list = await t.run(t.get("c").ops.run("list", undefined, { timeoutMs: 2000 }));
    expect(list.keys).toEqual([
      { fingerprint: Keyring.fingerprint(k1), members: 3, primary: 3, primaryOn: ["a", "b", "c"] },
      { fingerprint: Keyring.fingerprint(k2), members: 3, primary: 0, primaryOn: [] },
    ]);
    await t.stop();
  });

  it("are refused, and not passed on, by a member that accepts plaintext", async () => {
    const k1 = key();
    const t = await network([
      { name: "a", encryption: "required", keys: [k1] },
      { name: "b", encryption: "accept-plaintext", keys: [k1] },
      { name: "c", encryption: "required", keys: [k1] },
    ]);
    // a and c cannot reach each other: c could hear of a request only through b.
    t.net.block("mem://a", "mem://c");
    t.net.block("mem://c", "mem://a");
    const report = await t.run(t.get("a").ops.run("install", key(), { timeoutMs: 1_000 }));
    expect(report.acked).toEqual(["a"]);
    expect(report.failed).toEqual([
      {
        name: "b",
        error:
          "encryption is accept-plaintext on this member; key operations need --encryption required on every member",
      },
    ]);
    expect(report.missing).toEqual(["c"]);
    expect(t.get("c").keyring?.size).toBe(1);
    await expect(t.run(t.get("b").ops.run("install", key(), { timeoutMs: 300 }))).rejects.toThrow(
      /encryption mode is accept-plaintext/,
    );
    await t.stop();
  });

  it("refuse requests too old to be genuine (a replay)", async () => {
    const k1 = key();
    const t = await network(
      ["a", "b"].map((name) => ({ name, encryption: "required", keys: [k1] })),
    );
    const old = { v: 1, id: "old", key: key(), time: Date.now() - 11 * 60_000 };
    const q = t
      .get("a")
      .cluster.query(KEY_QUERIES.install, JSON.stringify(old), { timeoutMs: 500 });
    const answers: string[] = [];
    await t.run(
      (async () => {
        for await (const a of q)
          if (a.from === "b") answers.push(new TextDecoder().decode(a.payload));
      })(),
    );
    expect(answers).toEqual([
      JSON.stringify({ ok: false, error: "request too old (or clocks apart)" }),
    ]);
    expect(t.get("b").keyring?.size).toBe(1);
    expect(t.get("b").warnings.filter((w) => /too old/.test(w))).toHaveLength(1);
    await t.stop();
  });

  it("report members that never answer as missing, and refuse without a keyring", async () => {
    const k1 = key();
    const t = await network(
      ["a", "silent"].map((name) => ({ name, encryption: "required", keys: [k1] })),
    );
    t.get("silent").ops.close();
    const report = await t.run(t.get("a").ops.run("list", undefined, { timeoutMs: 200 }));
    expect(report).toMatchObject({ members: 2, acked: ["a"], missing: ["silent"] });
    await t.stop();

    const plain = await network([{ name: "p", encryption: "off" }]);
    const refused = plain.run(plain.get("p").ops.run("list", undefined, { timeoutMs: 200 }));
    await expect(refused).rejects.toBeInstanceOf(KeyOpError);
    await expect(refused).rejects.toThrow(/this agent has no keyring/);
    await plain.stop();
  });
});
