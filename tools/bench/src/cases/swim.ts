/**
 * `pnpm bench swim`: the member table of the SWIM detector (`@grapevine/swim`) at 10,000 members.
 * One JSON line per case: merging a push-pull list into a table that holds it (the periodic
 * exchange) and into an empty one (a join), stale and state-changing gossip, and the memory held
 * per member (heap plus typed-array columns).
 */
import type { Alive, PushPullMember, Suspect } from "@grapevine/codec";
import { Swim, seededRng, swimConfig } from "@grapevine/swim";
import { forcedGc, heapAfterGc, measure, report } from "../measure.js";

const N = 10_000;
const EMPTY = new Uint8Array(0);

/** A list as a push-pull frame would decode it: fresh names and address lists. */
function memberList(n: number, incarnation = 0n): PushPullMember[] {
  const members: PushPullMember[] = [];
  for (let i = 0; i < n; i++) {
    const name = `node-${String(i).padStart(5, "0")}`;
    members.push({
      name,
      incarnation,
      generation: 1,
      status: "alive",
      addresses: [`udp://10.0.${i >> 8}.${i & 255}:7946`],
      meta: EMPTY,
    });
  }
  return members;
}

function swim(): Swim {
  return new Swim({
    config: swimConfig("lan", { pushPullIntervalMs: 0 }),
    self: { name: "bench", addresses: ["udp://127.0.0.1:7946"], meta: EMPTY, generation: 1 },
    rng: seededRng(1),
    now: 0,
    hashSeed: 12345,
  });
}

function benchMergeKnown(): void {
  const node = swim();
  const list = memberList(N);
  node.mergeRemote(list, 0);
  node.drain();
  node.clearBroadcasts();
  const ops = measure(() => node.mergeRemote(list, 1), { samples: 5 });
  report({
    suite: "swim",
    case: "push-pull-merge-known-10000",
    lists_per_s: ops,
    members_per_s: ops * N,
  });
}

function benchMergeNew(): void {
  const list = memberList(N);
  const ops = measure(
    () => {
      const node = swim();
      node.mergeRemote(list, 0);
      return node.drain().length;
    },
    { samples: 5, sampleMs: 1000 },
  );
  report({
    suite: "swim",
    case: "push-pull-merge-new-10000",
    lists_per_s: ops,
    members_per_s: ops * N,
  });
}

function benchGossip(): void {
  const node = swim();
  const list = memberList(N);
  node.mergeRemote(list, 0);
  node.drain();
  const stale: Alive[] = list.map((m) => ({
    type: "alive",
    name: m.name,
    incarnation: 0n,
    generation: 1,
    addresses: m.addresses,
    meta: EMPTY,
  }));
  report({
    suite: "swim",
    case: "gossip-stale-alive-10000",
    msgs_per_s: measure((i) => node.handle("udp://x", stale[i % N]!, 1)),
  });
  // Suspicion raised, then refuted one incarnation higher: status changes, group moves,
  // suspicion records and broadcasts, per pair of messages.
  let incarnation = 0n;
  const pairs = measure(
    (i) => {
      const m = list[(i * 7919) % N]!;
      if (i % N === 0) incarnation += 2n;
      const suspect: Suspect = { type: "suspect", name: m.name, incarnation, from: "x" };
      node.handle("udp://x", suspect, 2);
      node.handle(
        "udp://x",
        { ...stale[(i * 7919) % N]!, incarnation: incarnation + 1n } satisfies Alive,
        2,
      );
      if (i % 256 === 0) {
        node.drain();
        node.clearBroadcasts();
      }
    },
    { samples: 5 },
  );
  report({ suite: "swim", case: "suspect-then-refute-10000", pairs_per_s: pairs });
}

function benchMemory(): void {
  const gc = forcedGc();
  // Ten nodes holding the same 10,000 members, as in the simulator: names and address lists are
  // shared by all ten (they came from one list); what is measured is each node's own table.
  const list = memberList(N);
  const readings = () => {
    const heap = heapAfterGc(gc);
    return { heap, buffers: process.memoryUsage().arrayBuffers };
  };
  const before = readings();
  const nodes: Swim[] = [];
  for (let k = 0; k < 10; k++) {
    const node = swim();
    node.mergeRemote(list, 0);
    node.drain();
    node.clearBroadcasts();
    nodes.push(node);
  }
  const after = readings();
  const pairs = 10 * N;
  report({
    suite: "swim",
    case: "memory-per-member-10x10000",
    heapBytesPerMember: Math.round((after.heap - before.heap) / pairs),
    bufferBytesPerMember: Math.round((after.buffers - before.buffers) / pairs),
    bytesPerMember: Math.round((after.heap - before.heap + after.buffers - before.buffers) / pairs),
    method: gc
      ? "heapUsed + arrayBuffers difference around ten nodes merging one shared 10,000-member list, after forced full GCs"
      : "as above without forced GC (noisy)",
  });
  if (nodes.length < 0) console.log("unreachable: keeps the nodes alive until measured");
}

/** Runs every swim benchmark case. */
export default async function run(_args: string[]): Promise<void> {
  benchMergeKnown();
  benchMergeNew();
  benchGossip();
  benchMemory();
}
