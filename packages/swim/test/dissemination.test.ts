/**
 * Infection-style dissemination (SWIM §4.1): every broadcast piggy-backs on outgoing packets at
 * most retransmitMult·⌈log10(N+1)⌉ times per node, and still reaches everyone.
 */
import { describe, expect, it } from "vitest";
import { retransmitLimit, swimConfig } from "../src/index.js";
import { Harness, stringify } from "./harness.js";

describe("dissemination", () => {
  for (const gossip of [false, true]) {
    it(`no update is sent more than its retransmit limit (${gossip ? "with" : "without"} gossip rounds)`, () => {
      const size = 20;
      const config = swimConfig("lan", { pushPullIntervalMs: 0 });
      const h = new Harness({ seed: 5, config, gossip });
      const sent = new Map<string, number>();
      h.onPacket = (packet) => {
        const tail = packet.messages.slice(packet.messages.length - packet.piggybacked);
        for (const message of tail) {
          const key = `${packet.from} ${stringify(message)}`;
          sent.set(key, (sent.get(key) ?? 0) + 1);
        }
      };
      h.addMany(size);
      h.bootstrap();
      h.runFor(10_000);
      const meta = new Uint8Array([7]);
      const n1 = h.node("n1");
      n1.swim.setMeta(meta, h.now);
      h.flush(n1);
      h.crash("n7");
      const leaver = h.node("n9");
      leaver.swim.leave(h.now);
      h.flush(leaver);
      h.runFor(25_000); // less than gossipToTheDeadMs: the dead are not forgotten yet

      // The limit is computed from the live members the sender knows; it is never above the
      // limit for the whole cluster.
      const limit = retransmitLimit(config.retransmitMult, size);
      const counts = [...sent.values()];
      const worst = Math.max(...counts);
      expect(worst).toBeLessThanOrEqual(limit);
      // The accounting is real: many broadcasts went out exactly `limit` times.
      expect(counts.filter((c) => c === limit).length).toBeGreaterThan(size);

      // And the updates reached everyone still up.
      for (const node of h.nodes.values()) {
        if (!node.up || node.name === "n9") continue;
        expect(node.swim.member("n1")?.meta).toEqual(meta);
        expect(node.swim.member("n7")?.status).toBe("dead");
        expect(node.swim.member("n9")?.status).toBe("left");
      }
    });
  }

  it("a newer update about a member supersedes the older one in the queue", () => {
    const h = new Harness({ seed: 6, config: swimConfig("lan", { pushPullIntervalMs: 0 }) });
    h.addMany(3);
    h.bootstrap();
    const n0 = h.node("n0").swim;
    while (n0.piggyback(10_000, () => 1, h.now).length > 0);
    for (let i = 1; i <= 5; i++) n0.setMeta(new Uint8Array([i]), h.now);
    const queued = n0.piggyback(10_000, () => 1, h.now);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ type: "alive", name: "n0", incarnation: 5n });
  });
});
