import type { ClusterEvent, KeyChangedEvent, MemberEvent } from "@grapevine/node";
import { describe, expect, it } from "vitest";
import { EventHub } from "./event-hub.js";

const keyChanged = (n: number): KeyChangedEvent => ({
  type: "key-changed",
  owner: "a",
  key: `k${n}`,
  oldValue: undefined,
  newValue: Uint8Array.of(n),
  version: n,
  at: n,
});

const memberEvent = (type: MemberEvent["type"], name: string): MemberEvent => ({
  type,
  member: {
    name,
    status: "alive",
    incarnation: 0n,
    generation: 1,
    addresses: [],
    meta: new Uint8Array(0),
    tags: {},
    local: false,
  },
  at: 0,
});

function hub(bufferLimit = 100) {
  const listenerErrors: unknown[] = [];
  let drops = 0;
  const h = new EventHub(
    bufferLimit,
    (err) => listenerErrors.push(err),
    () => {
      drops += 1;
    },
  );
  return { h, listenerErrors, drops: () => drops };
}

/** Every event an iterator holds right now (each `next` resolves at once from the buffer). */
async function buffered(it: AsyncIterator<ClusterEvent>, n: number): Promise<ClusterEvent[]> {
  const out: ClusterEvent[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe("EventHub listeners", () => {
  it("calls a listener for its type only, and '*' for every event", () => {
    const { h } = hub();
    const joined: string[] = [];
    const all: string[] = [];
    h.on("member-joined", (e) => joined.push(e.member.name));
    h.on("*", (e) => all.push(e.type));
    h.emit(memberEvent("member-joined", "b"));
    h.emit(keyChanged(1));
    expect(joined).toEqual(["b"]);
    expect(all).toEqual(["member-joined", "key-changed"]);
  });

  it("stops calling a listener once unsubscribed", () => {
    const { h } = hub();
    const seen: number[] = [];
    const off = h.on("key-changed", (e) => seen.push(e.version));
    h.emit(keyChanged(1));
    off();
    h.emit(keyChanged(2));
    expect(seen).toEqual([1]);
  });

  it("reports a throwing listener and still calls the others", () => {
    const { h, listenerErrors } = hub();
    const boom = new Error("user bug");
    const seen: string[] = [];
    h.on("key-changed", () => {
      throw boom;
    });
    h.on("key-changed", () => seen.push("second"));
    h.on("*", () => seen.push("star"));
    h.emit(keyChanged(1));
    expect(listenerErrors).toEqual([boom]);
    expect(seen).toEqual(["second", "star"]);
  });

  it("has no listener limit (no warning at 11 listeners)", () => {
    const { h } = hub();
    let calls = 0;
    for (let i = 0; i < 50; i++) h.on("key-changed", () => calls++);
    h.emit(keyChanged(1));
    expect(calls).toBe(50);
  });

  it("a listener that unsubscribes itself or another mid-event does not make anyone miss it", () => {
    const { h } = hub();
    const seen: string[] = [];
    let offB: () => void = () => {};
    const offA = h.on("key-changed", () => {
      seen.push("a");
      offA();
      offB();
    });
    offB = h.on("key-changed", () => seen.push("b"));
    h.on("key-changed", () => seen.push("c"));
    h.emit(keyChanged(1));
    h.emit(keyChanged(2));
    // This event was already being delivered to b when it was unsubscribed; later ones are not.
    expect(seen).toEqual(["a", "b", "c", "c"]);
  });

  it("the same handler subscribed twice is called twice; one unsubscribe removes one", () => {
    const { h } = hub();
    let calls = 0;
    const handler = () => calls++;
    h.on("key-changed", handler);
    const off = h.on("key-changed", handler);
    h.emit(keyChanged(1));
    off();
    h.emit(keyChanged(2));
    expect(calls).toBe(3);
  });
});

describe("EventHub iterators", () => {
  it("deliver events in order, to a waiting reader and from the buffer alike", async () => {
    const { h } = hub();
    const it = h.events();
    const waiting = it.next();
    h.emit(keyChanged(1));
    expect((await waiting).value).toEqual(keyChanged(1));
    h.emit(keyChanged(2));
    h.emit(keyChanged(3));
    expect((await buffered(it, 2)).map((e) => (e as KeyChangedEvent).version)).toEqual([2, 3]);
  });

  it("each get every event, independently", async () => {
    const { h } = hub();
    const a = h.events();
    const b = h.events();
    h.emit(keyChanged(1));
    expect(await buffered(a, 1)).toEqual([keyChanged(1)]);
    expect(await buffered(b, 1)).toEqual([keyChanged(1)]);
  });

  it("past the buffer limit keep the newest events and drop the oldest, counting each drop", async () => {
    const { h, drops } = hub(3);
    const slow = h.events();
    for (let v = 1; v <= 5; v++) h.emit(keyChanged(v));
    expect(drops()).toBe(2);
    expect(h.droppedEvents).toBe(2);
    const got = await buffered(slow, 3);
    expect(got.map((e) => (e as KeyChangedEvent).version)).toEqual([3, 4, 5]);
  });

  it("keep the last word on every member when a reader falls behind", async () => {
    // A reader that lags through a flap must still end on the member's current status.
    const { h } = hub(2);
    const slow = h.events();
    h.emit(memberEvent("member-joined", "b"));
    h.emit(memberEvent("member-suspect", "b"));
    h.emit(memberEvent("member-dead", "b"));
    h.emit(memberEvent("member-alive", "b"));
    const got = await buffered(slow, 2);
    expect(got.map((e) => e.type)).toEqual(["member-dead", "member-alive"]);
  });

  it("count a drop once per iterator that lost an event, and none for one that kept up", async () => {
    const { h, drops } = hub(1);
    const slow = h.events();
    const fast = h.events();
    const pending = fast.next();
    h.emit(keyChanged(1)); // handed to fast's waiting reader; buffered by slow
    h.emit(keyChanged(2)); // buffered by fast; slow drops 1
    expect((await pending).value).toEqual(keyChanged(1));
    expect(drops()).toBe(1);
    expect(await buffered(slow, 1)).toEqual([keyChanged(2)]);
    expect(await buffered(fast, 1)).toEqual([keyChanged(2)]);
  });

  it("end on close: a waiting reader gets done, and later events go nowhere", async () => {
    const { h, drops } = hub(1);
    const it = h.events();
    const waiting = it.next();
    h.close();
    expect(await waiting).toEqual({ value: undefined, done: true });
    h.emit(keyChanged(1));
    h.emit(keyChanged(2));
    expect(drops()).toBe(0);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it("end when the loop breaks (return), and stop buffering for it", async () => {
    const { h, drops } = hub(1);
    const seen: number[] = [];
    const loop = (async () => {
      for await (const e of h.events()) {
        seen.push((e as KeyChangedEvent).version);
        break;
      }
    })();
    h.emit(keyChanged(1));
    await loop;
    for (let v = 2; v <= 5; v++) h.emit(keyChanged(v));
    expect(seen).toEqual([1]);
    expect(drops()).toBe(0);
  });
});
