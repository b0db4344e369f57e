/**
 * A reader of `events()` that falls behind loses its oldest events, and the cluster counts them
 * in `counters.eventsDropped` (shown by the agent as `grapevine_events_dropped_total`).
 */
import { describe, expect, it } from "vitest";
import type { KeyChangedEvent } from "../src/index.js";
import { startCluster } from "./harness.js";

describe("events() buffer", () => {
  it("keeps the newest events for a slow reader and counts what it dropped", async () => {
    const tc = await startCluster(1, 1, { eventBufferLimit: 2 });
    const node = tc.nodes[0]!;
    expect(node.counters.eventsDropped).toBe(0);
    const slow = node.events();
    for (let v = 1; v <= 5; v++) node.set("k", String(v));
    // Events may be delivered after the step that raised them, not inside it.
    await tc.clock.runFor(1);
    expect(node.counters.eventsDropped).toBe(3);
    const values: string[] = [];
    for (let i = 0; i < 2; i++) {
      const e = (await slow.next()).value as KeyChangedEvent;
      values.push(new TextDecoder().decode(e.newValue));
    }
    expect(values).toEqual(["4", "5"]);
    await node.shutdown();
  });
});
