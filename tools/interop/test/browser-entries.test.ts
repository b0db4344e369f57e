import { Keyring } from "@grapevine/cluster";
import { type DialOptions, type Transport, TransportError } from "@grapevine/transport";
import { bindWs } from "@grapevine/transport-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
// The browser entry points, run in Node: `ws`'s client implements the standard WebSocket API
// they use. The same code runs in Chromium in tools/browser-member.
import {
  Cluster as BrowserCluster,
  WebCryptoKeyring,
} from "../../../packages/cluster/src/index.browser.js";
import {
  bindWs as bindBrowserWs,
  type WebSocketConstructor,
} from "../../../packages/transport-ws/src/index.browser.js";
import {
  INTEROP_CLUSTER_OPTIONS,
  type InteropNode,
  shutdownAll,
  startNode,
  waitFor,
} from "../src/index.js";

const KEY = Keyring.generateKey();
const LISTENERS = ["agent-1", "agent-2", "agent-3"];

/**
 * A tab's transport that cannot reach `unreachable` (as a tab behind a proxy that blocks one
 * host): datagrams to it vanish and dials to it fail, so it never opens a connection there.
 */
function cutOff(t: Transport, unreachable: string): Transport {
  return new Proxy(t, {
    get(target, prop) {
      if (prop === "send") {
        return (to: string, data: Uint8Array) => {
          if (to !== unreachable) target.send(to, data);
        };
      }
      if (prop === "dial") {
        return (to: string, options?: DialOptions) =>
          to === unreachable
            ? Promise.reject(new TransportError("unreachable", `${to} is blocked`))
            : target.dial(to, options);
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function browserMember(name: string, unreachable?: string): Promise<BrowserCluster> {
  const bound = await bindBrowserWs({ WebSocket: WebSocket as unknown as WebSocketConstructor });
  const transport = unreachable === undefined ? bound : cutOff(bound, unreachable);
  return BrowserCluster.start({
    ...INTEROP_CLUSTER_OPTIONS,
    name,
    transports: [transport],
    keyring: await WebCryptoKeyring.create([KEY]),
  });
}

describe("browser members (browser entries, Web Crypto keyring) among Node listeners", () => {
  const nodes: InteropNode[] = [];
  const tabs: BrowserCluster[] = [];
  const statusOf = (member: string) => nodes.map((n) => n.cluster.member(member)?.status);
  const views = () =>
    JSON.stringify(nodes.map((n) => n.cluster.members().map((m) => `${m.name}:${m.status}`)));

  beforeAll(async () => {
    for (const name of LISTENERS) {
      nodes.push(
        await startNode({
          name,
          transports: [await bindWs({ listen: "ws://127.0.0.1:0/gossip" })],
          options: { keyring: new Keyring([KEY]) },
        }),
      );
    }
    const seed = nodes[0]!.cluster.addresses;
    for (const n of nodes.slice(1)) expect(await n.cluster.join(seed)).toBe(1);
    for (const name of ["tab-crashes", "tab-leaves"]) {
      const tab = await browserMember(name);
      tabs.push(tab);
      expect(await tab.join(seed)).toBe(1);
    }
  });

  afterAll(async () => {
    await Promise.all(tabs.map((t) => t.shutdown()));
    await shutdownAll(nodes);
  });

  it("join sealed, are seen alive by every listener, and exchange keys both ways", async () => {
    await waitFor(
      () => tabs.every((t) => statusOf(t.name).every((s) => s === "alive")),
      10_000,
      "every listener to see both tabs alive",
      views,
    );
    tabs[0]!.set("from", "browser");
    nodes[1]!.cluster.set("from", "agent");
    await waitFor(
      () =>
        nodes.every((n) => n.cluster.getText("from", "tab-crashes") === "browser") &&
        tabs.every((t) => t.getText("from", "agent-2") === "agent"),
      10_000,
      "both keys to reach everyone",
    );
    // Everything arrived sealed and opened: nothing was dropped for encryption.
    for (const t of tabs) expect(t.counters.drops.decrypt).toBe(0);
    for (const n of nodes) expect(n.cluster.counters.drops.decrypt).toBe(0);
  });

  it("a tab that vanishes is declared dead by every listener; one that leaves is left", async () => {
    const [crashes, leaves] = tabs as [BrowserCluster, BrowserCluster];
    await waitFor(
      () => crashes.swimCounters().probesAcked > 0 && leaves.swimCounters().probesAcked > 0,
      5_000,
      "both tabs to have probes acked",
    );
    await leaves.leave();
    await crashes.shutdown();
    await waitFor(
      () => statusOf(crashes.name).every((s) => s === "dead"),
      10_000,
      "every listener to declare the vanished tab dead",
      views,
    );
    await waitFor(
      () => statusOf(leaves.name).every((s) => s === "left"),
      10_000,
      "every listener to see the other tab left",
      views,
    );
  });

  // The liveness model of a member that cannot accept connections: it is probed over the
  // connections it opened, and a member it has no connection to judges it through SWIM's
  // indirect probes (ping-req) sent via members that have one.
  it("a tab with no connection to one agent is judged alive by it through indirect probes", async () => {
    const [agent1, , agent3] = nodes as [InteropNode, InteropNode, InteropNode];
    const tab = await browserMember("tab-partial", agent3.cluster.addresses[0]);
    tabs.push(tab);
    expect(await tab.join(agent1.cluster.addresses)).toBe(1);
    await waitFor(
      () => statusOf(tab.name).every((s) => s === "alive"),
      10_000,
      "every listener to see the partly cut-off tab alive",
      views,
    );
    const before = agent3.cluster.swimCounters().pingReqsSent;
    await waitFor(
      () => agent3.cluster.swimCounters().pingReqsSent >= before + 2,
      20_000,
      "agent-3 to have probed the tab indirectly twice",
      () =>
        JSON.stringify({
          swim: agent3.cluster.swimCounters(),
          tab: tab.swimCounters(),
          a3: agent3.cluster.counters.drops,
          members: agent3.cluster.members().map((m) => [m.name, m.status, m.addresses]),
        }),
    );
    expect(agent3.cluster.member(tab.name)?.status).toBe("alive");
    const doubts = agent3.events.filter(
      (e) => e.member === tab.name && (e.type === "member-suspect" || e.type === "member-dead"),
    );
    expect(doubts).toEqual([]);
  });
});
