import { Keyring } from "@grapevine/cluster";
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

async function browserMember(name: string): Promise<BrowserCluster> {
  const transport = await bindBrowserWs({
    WebSocket: WebSocket as unknown as WebSocketConstructor,
  });
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
});
