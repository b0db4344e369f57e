import { afterAll, describe, expect, it } from "vitest";
import {
  allHold,
  allSee,
  describeMembership,
  type InteropNode,
  joinAndAnnounce,
  type MembershipView,
  membershipOf,
  type StateView,
  shutdownAll,
  stateOf,
  TRANSPORT_KITS,
  type TransportKind,
  type TransportKit,
  waitFor,
} from "../src/index.js";

/**
 * One cluster scenario, written once and run on UDP, on WebSocket and on the memory network
 * (real time, `local` preset, 5 nodes): join, everyone alive, probes flowing, a key spreads, a
 * crashed node is declared dead, a leaving node is seen as left. Every transport must end in the
 * same membership and the same state.
 */

const NAMES = ["node-0", "node-1", "node-2", "node-3", "node-4"] as const;
const CRASHED = "node-3";
const LEAVER = "node-4";
const SURVIVORS = ["node-0", "node-1", "node-2"];

/** What a run ends in, as every survivor sees it (they must all agree). */
interface Outcome {
  readonly membership: MembershipView;
  readonly state: StateView;
  /** How long each step took, ms. */
  readonly timings: Record<string, number>;
}

const outcomes = new Map<TransportKind, Outcome>();

async function runScenario(kit: TransportKit, nodes: InteropNode[]): Promise<Outcome> {
  const timings: Record<string, number> = {};
  const started = performance.now();
  const byName = (name: string): InteropNode => nodes.find((n) => n.name === name)!;
  const running = (): InteropNode[] => nodes.filter((n) => !n.gone);
  const views = (): string => describeMembership(nodes);

  for (const name of NAMES) {
    const node = await kit.startNode(name);
    nodes.push(node);
    // Set before joining: the join's push-pull must carry it.
    node.cluster.set("self", name);
  }
  const seed = nodes[0]!.cluster.addresses;
  const answered = await Promise.all(nodes.slice(1).map((n) => joinAndAnnounce(n, seed)));
  expect(answered).toEqual([1, 1, 1, 1]);

  // Wide enough for a periodic push-pull (15 s) to repair a join that gossip missed.
  timings.join = await waitFor(
    () => allSee(nodes, NAMES, "alive"),
    20_000,
    "every node to see all five alive",
    views,
  );

  timings.probes = await waitFor(
    () => nodes.every((n) => n.cluster.swimCounters().probesAcked > 0),
    10_000,
    "every node to have a probe acked",
    () => nodes.map((n) => `${n.name}: ${n.cluster.swimCounters().probesAcked}`).join(", "),
  );

  timings.bootstrapState = await waitFor(
    () => NAMES.every((owner) => allHold(nodes, owner, "self", owner)),
    10_000,
    "every node to hold every node's `self` key",
  );

  byName("node-1").cluster.set("config", "v1");
  timings.keySpreads = await waitFor(
    () => allHold(nodes, "node-1", "config", "v1"),
    10_000,
    "node-1's `config` to reach every node",
  );

  await byName(CRASHED).crash();
  timings.crashDetected = await waitFor(
    () => allSee(running(), [CRASHED], "dead"),
    15_000,
    `every other node to declare ${CRASHED} dead`,
    views,
  );

  const leaving = byName(LEAVER).leave();
  // Wide enough for a periodic push-pull (15 s) to repair a leave that gossip missed.
  timings.leaveSeen = await waitFor(
    () => allSee(running(), [LEAVER], "left"),
    20_000,
    `every other node to see ${LEAVER} as left`,
    views,
  );
  await leaving;

  const survivors = SURVIVORS.map(byName);
  // The survivors are the running nodes, and all are alive to one another.
  expect(running().map((n) => n.name)).toEqual(SURVIVORS);
  await waitFor(() => allSee(survivors, SURVIVORS, "alive"), 10_000, "survivors all alive", views);

  const membership = membershipOf(survivors[0]!.cluster);
  const state = stateOf(survivors[0]!.cluster);
  for (const s of survivors) {
    expect(membershipOf(s.cluster), `${s.name}'s membership`).toEqual(membership);
    expect(stateOf(s.cluster), `${s.name}'s state`).toEqual(state);
  }
  timings.total = performance.now() - started;
  return { membership, state, timings };
}

describe.each(["udp", "ws", "memory"] as const)("the five-node scenario on %s", (kind) => {
  const kit = TRANSPORT_KITS[kind]();
  const nodes: InteropNode[] = [];

  afterAll(async () => {
    await shutdownAll(nodes);
    await kit.dispose();
  });

  it("joins, probes, spreads a key, detects a crash and a leave", async () => {
    const outcome = await runScenario(kit, nodes);
    outcomes.set(kind, outcome);
    if (process.env.INTEROP_TIMINGS) {
      const steps = Object.entries(outcome.timings).map(([k, v]) => `${k} ${Math.round(v)} ms`);
      console.info(`${kind}: ${steps.join(", ")}`);
    }
    expect(outcome.membership).toEqual({
      "node-0": "alive",
      "node-1": "alive",
      "node-2": "alive",
      "node-3": "dead",
      "node-4": "left",
    });
    expect(outcome.state).toEqual({
      "node-0": { self: "node-0" },
      "node-1": { config: "v1", self: "node-1" },
      "node-2": { self: "node-2" },
      "node-3": { self: "node-3" },
      "node-4": { self: "node-4" },
    });
  });
});

describe("across transports", () => {
  it("UDP, WebSocket and memory end in the same membership and the same state", () => {
    const udp = outcomes.get("udp");
    const ws = outcomes.get("ws");
    const memory = outcomes.get("memory");
    expect(udp, "the UDP run finished").toBeDefined();
    expect(ws, "the WebSocket run finished").toBeDefined();
    expect(memory, "the memory run finished").toBeDefined();
    expect(ws!.membership).toEqual(udp!.membership);
    expect(memory!.membership).toEqual(udp!.membership);
    expect(ws!.state).toEqual(udp!.state);
    expect(memory!.state).toEqual(udp!.state);
  });
});
