import { decode } from "@grapevine/codec";
import { swimConfig } from "@grapevine/swim";
import { describe, expect, it } from "vitest";
import { CoreNet } from "./harness.js";

const text = (v: Uint8Array | undefined) =>
  v === undefined ? undefined : new TextDecoder().decode(v);
const bytes = (s: string) => new TextEncoder().encode(s);

describe("cluster-scoped keys in the node core", () => {
  const names = ["n0", "n1", "n2", "n3", "n4"];

  function joined(): CoreNet {
    const net = new CoreNet(names, 7, swimConfig("lan", {}));
    net.joinThrough("n0", names.slice(1, 4));
    net.runUntil(() => names.slice(0, 4).every((n) => net.core(n).aliveCount() === 4), 10_000);
    return net;
  }

  it("a write spreads, concurrent writes end with one winner everywhere, a joiner learns all", () => {
    const net = joined();
    net.step("n1", (now, c) => c.scoped.shared.set("flags/x", bytes("from-n1"), now));
    net.step("n2", (now, c) => c.scoped.shared.set("flags/x", bytes("from-n2"), now));
    net.step("n3", (now, c) => c.scoped.shared.set("flags/y", bytes("y"), now));
    const live = names.slice(0, 4);
    net.runUntil(
      () =>
        live.every((n) => text(net.core(n).scoped.shared.keyspace.get("flags/x")) === "from-n2"),
      10_000,
    );
    // n4 joins later and learns the whole configuration from its join push-pull.
    net.step("n4", (now, c) => c.join(["mem://n0"], now));
    net.runUntil(() => text(net.core("n4").scoped.shared.keyspace.get("flags/y")) === "y", 5_000);
    expect(text(net.core("n4").scoped.shared.keyspace.get("flags/x"))).toBe("from-n2");
    const events = net.observed.get("n4")!.events.filter((e) => e.type === "shared-changed");
    expect(events.map((e) => (e.type === "shared-changed" ? e.key : "")).sort()).toEqual([
      "flags/x",
      "flags/y",
    ]);
  });

  it("an idle configuration costs nothing: no shared messages once changes are old", () => {
    const net = joined();
    let shared = 0;
    const deliver = net.deliver.bind(net);
    net.deliver = (m) => {
      if (m.kind === "datagram" && containsShared(m.bytes)) shared += 1;
      deliver(m);
    };
    net.step("n1", (now, c) => c.scoped.shared.set("flags/x", bytes("1"), now));
    net.runFair(60_000);
    expect(shared).toBeGreaterThan(0);
    shared = 0;
    net.runFair(60_000);
    expect(shared).toBe(0);
  });
});

/** Whether a datagram holds a shared digest or delta. */
function containsShared(packet: Uint8Array): boolean {
  const r = decode(packet, { maxPacketBytes: 65_536 });
  return r.ok && r.envelope.messages.some((m) => m.type.startsWith("shared-"));
}
