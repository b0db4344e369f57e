import { bindWs } from "@grapevine/transport-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allHold,
  allSee,
  describeMembership,
  type InteropNode,
  shutdownAll,
  startNode,
  waitFor,
} from "../src/index.js";

/**
 * A dial-only WebSocket member (no `listen`; a `ws-client://<id>` identity, as a browser or a
 * node behind NAT has) in a cluster of WebSocket listeners. The WebSocket transport sends to
 * `ws`, `wss` and `ws-client` addresses (its `schemes`), and the runtime maps all three to it.
 */

const LISTENERS = ["listener-1", "listener-2", "listener-3"];
const DIAL_ONLY = "dial-only";
const ALL = [...LISTENERS, DIAL_ONLY];

describe("a dial-only WebSocket member among listeners", () => {
  const nodes: InteropNode[] = [];
  const byName = (name: string): InteropNode => nodes.find((n) => n.name === name)!;
  const listeners = (): InteropNode[] => LISTENERS.map(byName);
  const views = (): string => describeMembership(nodes);

  beforeAll(async () => {
    for (const name of LISTENERS) {
      nodes.push(
        await startNode({
          name,
          transports: [await bindWs({ listen: "ws://127.0.0.1:0/gossip" })],
        }),
      );
    }
    nodes.push(await startNode({ name: DIAL_ONLY, transports: [await bindWs({})] }));
    expect(byName(DIAL_ONLY).cluster.addresses[0]).toMatch(/^ws-client:\/\//);
    const seed = byName("listener-1").cluster.addresses;
    for (const name of [...LISTENERS.slice(1), DIAL_ONLY]) {
      expect(await byName(name).cluster.join(seed), `${name} joined`).toBe(1);
    }
  });

  afterAll(() => shutdownAll(nodes));

  it("joins, is seen alive, and exchanges state both ways", async () => {
    await waitFor(() => allSee(nodes, ALL, "alive"), 10_000, "every node to see all alive", views);
    byName(DIAL_ONLY).cluster.set("from", "dial-only");
    byName("listener-2").cluster.set("from", "listener-2");
    await waitFor(
      () =>
        allHold(nodes, DIAL_ONLY, "from", "dial-only") &&
        allHold(nodes, "listener-2", "from", "listener-2"),
      10_000,
      "both keys to reach every node",
    );
  });

  // Regression: Swim once derived the schemes it can send to from its own addresses only, so
  // listeners never probed a `ws-client://` member and the dial-only member probed no one; its
  // crash went undetected. The runtime now passes every scheme its transports can send to.
  it("takes part in probing, and its crash is detected", async () => {
    const dialOnly = byName(DIAL_ONLY);
    await waitFor(
      () => dialOnly.cluster.swimCounters().probesAcked > 0,
      5_000,
      "the dial-only member to have a probe acked",
      () => JSON.stringify(dialOnly.cluster.swimCounters()),
    );
    await dialOnly.crash();
    await waitFor(
      () => allSee(listeners(), [DIAL_ONLY], "dead"),
      10_000,
      "every listener to declare the dial-only member dead",
      views,
    );
  });
});
