import { bindUdp } from "@grapevine/transport-udp";
import { bindWs } from "@grapevine/transport-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allHold,
  allSee,
  describeMembership,
  eventsAbout,
  holdsUntil,
  type InteropNode,
  joinAndAnnounce,
  shutdownAll,
  startNode,
  waitFor,
} from "../src/index.js";

/**
 * A cluster mixing transports: UDP-only nodes, WebSocket-only nodes, and bridges that listen on
 * both. A node never probes a member it shares no transport with directly: it asks a member that
 * shares a transport with both (a bridge) to probe it with `ping-req`. So UDP-only and WS-only
 * nodes still see each other alive, and still see each other die; state crosses over through the
 * bridges' gossip.
 */

const UDP_ONLY = ["udp-1", "udp-2", "udp-3"];
const WS_ONLY = ["ws-1", "ws-2", "ws-3"];
const BRIDGES = ["bridge-1", "bridge-2"];
const ALL = [...BRIDGES, ...UDP_ONLY, ...WS_ONLY];

const udp = () => bindUdp({ bind: "udp://127.0.0.1:0" });
const ws = () => bindWs({ listen: "ws://127.0.0.1:0/gossip" });

describe("a cluster of UDP-only, WebSocket-only and bridge nodes", () => {
  const nodes: InteropNode[] = [];
  const byName = (name: string): InteropNode => nodes.find((n) => n.name === name)!;
  const named = (names: readonly string[]): InteropNode[] => names.map(byName);
  const running = (): InteropNode[] => nodes.filter((n) => !n.gone);
  const views = (): string => describeMembership(nodes);
  const probesSent = (n: InteropNode): number => n.cluster.swimCounters().probesSent;

  beforeAll(async () => {
    for (const name of BRIDGES) {
      nodes.push(await startNode({ name, transports: [await udp(), await ws()] }));
    }
    for (const name of UDP_ONLY) nodes.push(await startNode({ name, transports: [await udp()] }));
    for (const name of WS_ONLY) nodes.push(await startNode({ name, transports: [await ws()] }));
    const [udpSeed, wsSeed] = byName("bridge-1").cluster.addresses;
    expect(udpSeed).toMatch(/^udp:\/\//);
    expect(wsSeed).toMatch(/^ws:\/\//);
    // Each node joins through bridge-1's address on its own transport, one after the other, and
    // announces itself (see joinAndAnnounce).
    const joins: Array<[string, string]> = [
      ["bridge-2", udpSeed!],
      ...UDP_ONLY.map((name): [string, string] => [name, udpSeed!]),
      ...WS_ONLY.map((name): [string, string] => [name, wsSeed!]),
    ];
    for (const [name, seed] of joins) {
      expect(await joinAndAnnounce(byName(name), [seed]), `${name} joined`).toBe(1);
    }
  });

  afterAll(() => shutdownAll(nodes));

  it("converges, and everyone stays alive to everyone for a full probe walk", async () => {
    const convergence = await waitFor(
      () => allSee(nodes, ALL, "alive"),
      20_000,
      "every node to see all alive",
      views,
    );
    const convergedAt = performance.now();
    // Hold for a walk's worth of probes per node (8 periods, 7 others each), and until every
    // single-transport node has probed across transports through a bridge.
    const baseline = new Map(nodes.map((n) => [n.name, probesSent(n)]));
    const singles = named([...UDP_ONLY, ...WS_ONLY]);
    await holdsUntil(
      () => allSee(nodes, ALL, "alive"),
      () =>
        nodes.every((n) => probesSent(n) >= baseline.get(n.name)! + ALL.length) &&
        singles.every((n) => n.cluster.swimCounters().bridgedProbes > 0),
      20_000,
      "every node seeing every node alive",
      views,
    );
    // No false failures: no member-dead events at all, and (at most a stray) suspicion.
    expect(eventsAbout(nodes, "member-dead", ALL)).toEqual([]);
    const suspicions = eventsAbout(nodes, "member-suspect", ALL);
    expect(suspicions.length, JSON.stringify(suspicions)).toBeLessThanOrEqual(1);
    for (const n of singles) {
      const c = n.cluster.swimCounters();
      expect(c.bridgedProbes, `${n.name} probed through bridges`).toBeGreaterThan(0);
      expect(c.probesAcked, `${n.name}'s probes were acked`).toBeGreaterThan(0);
    }
    // Bridges share a transport with everyone: they probe directly, and relay for the others.
    for (const n of named(BRIDGES)) {
      expect(n.cluster.swimCounters().bridgedProbes, `${n.name} probed directly`).toBe(0);
    }
    const relayed = named(BRIDGES).reduce(
      (sum, n) => sum + n.cluster.swimCounters().pingReqsReceived,
      0,
    );
    expect(relayed, "ping-reqs the bridges received").toBeGreaterThan(0);
    if (process.env.INTEROP_TIMINGS) {
      const held = Math.round(performance.now() - convergedAt);
      console.info(`mixed: converged in ${Math.round(convergence)} ms, then held ${held} ms`);
    }
  });

  it("spreads a UDP-only node's key to WS-only nodes, and back", async () => {
    byName("udp-1").cluster.set("colour", "blue");
    byName("ws-1").cluster.set("shape", "round");
    await waitFor(
      () => allHold(nodes, "udp-1", "colour", "blue"),
      10_000,
      "udp-1's key to reach every node",
    );
    await waitFor(
      () => allHold(nodes, "ws-1", "shape", "round"),
      10_000,
      "ws-1's key to reach every node",
    );
  });

  it("has UDP-only nodes declare a crashed WS-only node dead", async () => {
    await byName("ws-1").crash();
    await waitFor(
      () => allSee(running(), ["ws-1"], "dead"),
      15_000,
      "every node, UDP-only ones included, to declare ws-1 dead",
      views,
    );
    const rest = running().map((n) => n.name);
    await waitFor(() => allSee(running(), rest, "alive"), 10_000, "the rest all alive", views);
    expect(eventsAbout(nodes, "member-dead", rest)).toEqual([]);
  });

  it("loses one bridge and still detects crashes across transports through the other", async () => {
    await byName("bridge-1").crash();
    await waitFor(
      () => allSee(running(), ["bridge-1"], "dead"),
      15_000,
      "every node to declare bridge-1 dead",
      views,
    );
    const rest = running().map((n) => n.name);
    await waitFor(() => allSee(running(), rest, "alive"), 10_000, "the rest all alive", views);
    // Still probing across transports, now through bridge-2 only.
    const before = new Map(nodes.map((n) => [n.name, n.cluster.swimCounters().bridgedProbes]));
    await waitFor(
      () =>
        named(["udp-1", "udp-2", "udp-3", "ws-2", "ws-3"]).every(
          (n) => n.cluster.swimCounters().bridgedProbes > before.get(n.name)!,
        ),
      20_000,
      "every single-transport node to probe across transports again",
    );

    // A crash on each side at once: each side detects the other's through bridge-2.
    await Promise.all([byName("ws-2").crash(), byName("udp-3").crash()]);
    await waitFor(
      () => allSee(named(["udp-1", "udp-2", "bridge-2", "ws-3"]), ["ws-2", "udp-3"], "dead"),
      15_000,
      "every remaining node to declare ws-2 and udp-3 dead",
      views,
    );
    const survivors = ["bridge-2", "udp-1", "udp-2", "ws-3"];
    expect(
      running()
        .map((n) => n.name)
        .sort(),
    ).toEqual(survivors);
    await waitFor(
      () => allSee(running(), survivors, "alive"),
      10_000,
      "the survivors all alive",
      views,
    );
    // Losing a bridge cost no one else their membership: no survivor was ever declared dead.
    expect(eventsAbout(nodes, "member-dead", survivors)).toEqual([]);
  });
});
