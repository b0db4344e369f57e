import { createServer } from "node:net";
import { Cluster } from "@grapevine/cluster";
import { bindUdp } from "@grapevine/transport-udp";
import { afterEach, describe, expect, it } from "vitest";
import { joinWithRetry, type SeedFailure } from "../src/join.js";
import { type LookupAll, resolveSeeds, systemLookup } from "../src/seed-resolver.js";

// Seeds may be DNS names: every A/AAAA address is tried, and names are looked up again before
// every attempt. The resolver is injected (a fake one here); one test uses the real `localhost`.
// Nothing here sends a packet beyond loopback.

/** A fake resolver: `answers` is consulted on every call, so a test can change it over time. */
function fakeDns(answers: Record<string, string[] | Error>) {
  const calls: string[] = [];
  const lookup: LookupAll = async (host) => {
    calls.push(host);
    const a = answers[host];
    if (a === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    if (a instanceof Error) throw a;
    return a.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return { lookup, calls };
}

/** A port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const clusters: Cluster[] = [];
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.shutdown()));
});

async function member(name: string): Promise<Cluster> {
  const udp = await bindUdp({ bind: "udp://127.0.0.1:0" });
  const c = await Cluster.start({
    name,
    transports: [udp],
    preset: "local",
  });
  clusters.push(c);
  return c;
}

const portOf = (c: Cluster) => Number(/:(\d+)$/.exec(c.addresses[0] ?? "")?.[1]);

describe("resolveSeeds", () => {
  it("expands a udp:// name into one address per A and AAAA record, keeping the port", async () => {
    const dns = fakeDns({ "seeds.grapevine.test": ["10.1.0.4", "10.1.0.5", "fd00::7"] });
    const [r] = await resolveSeeds(["udp://seeds.grapevine.test:7946"], dns.lookup);
    expect(r).toEqual({
      seed: "udp://seeds.grapevine.test:7946",
      addresses: ["udp://10.1.0.4:7946", "udp://10.1.0.5:7946", "udp://[fd00::7]:7946"],
    });
  });

  it("leaves IP literals and ws:// seeds (TLS and Host need the name) as they are", async () => {
    const dns = fakeDns({});
    const seeds = ["udp://10.0.0.1:7946", "udp://[::1]:7946", "ws://edge.grapevine.test:80/g"];
    const resolved = await resolveSeeds(seeds, dns.lookup);
    expect(resolved.map((r) => r.addresses)).toEqual(seeds.map((s) => [s]));
    expect(dns.calls).toEqual([]);
  });

  it("reports a name that does not resolve, with the resolver's reason", async () => {
    const dns = fakeDns({ "empty.grapevine.test": [] });
    const resolved = await resolveSeeds(
      ["udp://missing.grapevine.test:7946", "udp://empty.grapevine.test:7946"],
      dns.lookup,
    );
    expect(resolved).toEqual([
      {
        seed: "udp://missing.grapevine.test:7946",
        addresses: [],
        error: "cannot resolve missing.grapevine.test: no such host",
      },
      {
        seed: "udp://empty.grapevine.test:7946",
        addresses: [],
        error: "empty.grapevine.test has no A or AAAA record",
      },
    ]);
  });

  it("resolves localhost with the system resolver", async () => {
    const [r] = await resolveSeeds(["udp://localhost:7946"], systemLookup);
    expect(r?.addresses).toContain("udp://127.0.0.1:7946");
  });
});

describe("joinWithRetry with seed names", () => {
  const signal = new AbortController().signal;

  it("tries every address of a name and reports why each failed one failed", async () => {
    const a = await member("a");
    const b = await member("b");
    const dead = await closedPort();
    const dns = fakeDns({ "seeds.grapevine.test": ["127.0.0.1"] });
    // One name, two ports: only the second answers. And a name that does not resolve.
    const reported: SeedFailure[][] = [];
    const outcome = await joinWithRetry(b, {
      seeds: [
        `udp://seeds.grapevine.test:${dead}`,
        `udp://seeds.grapevine.test:${portOf(a)}`,
        "udp://gone.grapevine.test:7946",
      ],
      timeoutMs: 10_000,
      lookup: dns.lookup,
      signal,
      onAttemptFailed: (_attempt, f) => reported.push([...f]),
    });
    expect(outcome).toEqual({ kind: "joined", answered: 1, attempts: 1 });
    expect(b.members().map((m) => m.name)).toContain("a");
    expect(reported).toEqual([]);

    // The same join once nothing answers: every cause is named, seed by seed.
    await a.shutdown();
    const c = await member("c");
    const lonely = await joinWithRetry(c, {
      seeds: [`udp://seeds.grapevine.test:${dead}`, "udp://gone.grapevine.test:7946"],
      timeoutMs: 10_000,
      maxAttempts: 1,
      lookup: dns.lookup,
      signal,
      onAttemptFailed: (_attempt, f) => reported.push([...f]),
    });
    expect(lonely).toEqual({ kind: "attempts-exhausted", attempts: 1 });
    expect(reported).toHaveLength(1);
    const byAddress = new Map(reported[0]?.map((f) => [f.address ?? f.seed, f.cause]));
    expect(byAddress.get("udp://gone.grapevine.test:7946")).toBe(
      "cannot resolve gone.grapevine.test: no such host",
    );
    expect(byAddress.get(`udp://127.0.0.1:${dead}`)).toMatch(/^refused: .*ECONNREFUSED/);
  });

  it("looks the name up again on every retry, and joins once it resolves", async () => {
    const a = await member("a");
    const b = await member("b");
    const answers: Record<string, string[]> = {};
    const dns = fakeDns(answers);
    let attempts = 0;
    const outcome = await joinWithRetry(b, {
      seeds: [`udp://seeds.grapevine.test:${portOf(a)}`],
      timeoutMs: 10_000,
      initialBackoffMs: 20,
      lookup: dns.lookup,
      signal,
      onAttemptFailed: (attempt) => {
        attempts = attempt;
        // The Service gets its first endpoint after the second failed attempt.
        if (attempt === 2) answers["seeds.grapevine.test"] = ["127.0.0.1"];
      },
    });
    expect(attempts).toBe(2);
    expect(outcome).toEqual({ kind: "joined", answered: 1, attempts: 3 });
    expect(dns.calls).toEqual(Array(3).fill("seeds.grapevine.test"));
  });

  it("skips this node's own address (a headless Service lists the asking pod too)", async () => {
    const a = await member("a");
    const b = await member("b");
    const dns = fakeDns({ "seeds.grapevine.test": ["127.0.0.1"] });
    const outcome = await joinWithRetry(b, {
      seeds: [`udp://seeds.grapevine.test:${portOf(b)}`, `udp://seeds.grapevine.test:${portOf(a)}`],
      timeoutMs: 10_000,
      lookup: dns.lookup,
      signal,
    });
    expect(outcome).toEqual({ kind: "joined", answered: 1, attempts: 1 });
  });

  it("gives up after maxAttempts, with the longest pause capped by the retry interval", async () => {
    const b = await member("b");
    const dns = fakeDns({});
    const pauses: (number | undefined)[] = [];
    const started = Date.now();
    const outcome = await joinWithRetry(b, {
      seeds: ["udp://gone.grapevine.test:7946"],
      timeoutMs: 0,
      maxAttempts: 4,
      maxBackoffMs: 60,
      lookup: dns.lookup,
      signal,
      onAttemptFailed: (_attempt, _failures, retryIn) => pauses.push(retryIn),
    });
    expect(outcome).toEqual({ kind: "attempts-exhausted", attempts: 4 });
    expect(dns.calls).toHaveLength(4);
    expect(pauses.at(-1)).toBeUndefined();
    for (const p of pauses.slice(0, -1)) expect(p).toBeLessThanOrEqual(72); // 60 ms + 20 % jitter
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
