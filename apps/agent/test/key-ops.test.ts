import type { Cluster, UserMessageEvent } from "@grapevine/cluster";
import { Keyring } from "@grapevine/cluster";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EncryptionSetting } from "../src/config.js";
import { KEY_REQUEST, KeyOpError, KeyOps } from "../src/key-ops.js";
import type { AgentLogger } from "../src/logger.js";

const key = () => Buffer.from(Keyring.generateKey()).toString("base64");

/**
 * An in-memory network of fake cluster members carrying only application messages, delivered
 * asynchronously; `route` decides who hears each broadcast (default: everybody else).
 */
class Net {
  readonly nodes = new Map<string, Node>();
  route: (from: string, to: string, name: string) => boolean = () => true;
  /** Every broadcast, for counting. */
  readonly sent: Array<{ from: string; name: string; payload: Record<string, unknown> }> = [];

  add(name: string, encryption: EncryptionSetting, keys: string[] | undefined): Node {
    const node = new Node(this, name, encryption, keys);
    this.nodes.set(name, node);
    return node;
  }
}

class Node {
  readonly handlers = new Set<(e: UserMessageEvent) => void>();
  readonly keyring: Keyring | undefined;
  readonly ops: KeyOps;
  persisted = 0;
  readonly warnings: string[] = [];

  constructor(
    readonly net: Net,
    readonly name: string,
    encryption: EncryptionSetting,
    keys: string[] | undefined,
  ) {
    this.keyring = keys ? new Keyring(keys) : undefined;
    const cluster = {
      name,
      status: "running",
      members: () =>
        [...net.nodes.keys()].map((n) => ({ name: n, status: "alive", local: n === name })),
      on: (_type: string, handler: (e: UserMessageEvent) => void) => {
        this.handlers.add(handler);
        return () => this.handlers.delete(handler);
      },
      broadcast: (msgName: string, payload: Uint8Array) => {
        net.sent.push({
          from: name,
          name: msgName,
          payload: JSON.parse(new TextDecoder().decode(payload)),
        });
        for (const other of net.nodes.values()) {
          if (other === this || !net.route(name, other.name, msgName)) continue;
          setImmediate(() => other.deliver(name, msgName, payload));
        }
      },
    } as unknown as Cluster;
    const logger = {
      info: () => undefined,
      debug: () => undefined,
      error: () => undefined,
      warn: (_o: unknown, msg: string) => this.warnings.push(msg),
    } as unknown as AgentLogger;
    this.ops = new KeyOps({
      cluster,
      keyring: this.keyring,
      encryption,
      logger,
      persist: () => {
        this.persisted += 1;
        return true;
      },
    });
  }

  deliver(from: string, name: string, payload: Uint8Array): void {
    const e: UserMessageEvent = { type: "user-message", from, name, payload, at: 0 };
    for (const h of this.handlers) h(e);
  }
}

/** Resolves once nothing is left to deliver (a few turns of the event loop). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/**
 * Awaits `op` on virtual time: KeyOps' deadline and retry timers are faked (deliveries, on
 * setImmediate, stay real), so each step lets deliveries settle and then jumps to the next timer.
 * A 3 s timeout takes no real time, and a retry happens exactly when it is due.
 */
async function onVirtualTime<T>(op: Promise<T>): Promise<T> {
  let settled = false;
  op.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let steps = 0; ; steps++) {
    await settle();
    if (settled) return op;
    if (vi.getTimerCount() === 0) throw new Error("the operation waits on nothing");
    if (steps >= 1000) throw new Error("the operation did not finish within 1000 timer steps");
    await vi.advanceTimersToNextTimerAsync();
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("cluster-wide key operations", () => {
  it("apply once on every member, through relays when the origin's broadcast misses some", async () => {
    const k1 = key();
    const k2 = key();
    const net = new Net();
    const a = net.add("a", "required", [k1]);
    const b = net.add("b", "required", [k1]);
    const c = net.add("c", "required", [k1]);
    // a's own broadcasts reach only b: c hears of the request, and a of c's answer, via b.
    net.route = (from, to) => !(from === "a" && to === "c") && !(from === "c" && to === "a");
    const report = await onVirtualTime(a.ops.run("install", k2, { timeoutMs: 2000 }));
    expect(report).toEqual({
      op: "install",
      fingerprint: Keyring.fingerprint(k2),
      members: 3,
      acked: ["a", "b", "c"],
      failed: [],
      missing: [],
    });
    for (const n of [a, b, c]) {
      expect(n.keyring?.has(k2)).toBe(true);
      expect(n.persisted).toBe(1);
    }
    await settle();
    // Every member relayed the request at most once.
    const relays = net.sent.filter((m) => m.name === KEY_REQUEST);
    expect(relays.map((m) => m.from).sort()).toEqual(["a", "b", "c"]);

    const list = await onVirtualTime(c.ops.run("list", undefined, { timeoutMs: 2000 }));
    expect(list.keys).toEqual([
      {
        fingerprint: Keyring.fingerprint(k1),
        members: 3,
        primary: 3,
        primaryOn: ["a", "b", "c"],
      },
      { fingerprint: Keyring.fingerprint(k2), members: 3, primary: 0, primaryOn: [] },
    ]);
  });

  it("are refused, not relayed, by a member that accepts plaintext", async () => {
    const k1 = key();
    const net = new Net();
    const a = net.add("a", "required", [k1]);
    const b = net.add("b", "accept-plaintext", [k1]);
    const c = net.add("c", "required", [k1]);
    net.route = (from, to) => !(from === "a" && to === "c") && !(from === "c" && to === "a");
    const report = await onVirtualTime(a.ops.run("install", key(), { timeoutMs: 300 }));
    expect(report.acked).toEqual(["a"]);
    expect(report.failed).toEqual([
      {
        name: "b",
        error:
          "encryption is accept-plaintext on this member; key operations need --encryption required on every member",
      },
    ]);
    // b would not pass the key on: c never heard of it.
    expect(report.missing).toEqual(["c"]);
    expect(c.keyring?.size).toBe(1);
    // And b itself refuses to start one.
    await expect(onVirtualTime(b.ops.run("install", key(), { timeoutMs: 300 }))).rejects.toThrow(
      /encryption mode is accept-plaintext/,
    );
  });

  it("send the request again while answers are missing, without applying twice", async () => {
    const k1 = key();
    const net = new Net();
    const a = net.add("a", "required", [k1]);
    const b = net.add("b", "required", [k1]);
    // The first copy of the request is lost.
    let dropped = 0;
    net.route = (from, _to, name) => !(from === "a" && name === KEY_REQUEST && dropped++ === 0);
    const k2 = key();
    const report = await onVirtualTime(a.ops.run("install", k2, { timeoutMs: 3000 }));
    expect(report.acked).toEqual(["a", "b"]);
    expect(b.persisted).toBe(1);
    const attempts = net.sent.filter((m) => m.from === "a" && m.name === KEY_REQUEST);
    expect(attempts.map((m) => m.payload.attempt)).toEqual([0, 1]);
  });

  it("ignore replays: requests seen before, or too old", async () => {
    const k1 = key();
    const net = new Net();
    const b = net.add("b", "required", [k1]);
    net.add("a", "required", [k1]);
    const request = (id: string, time: number, attempt = 0) =>
      new TextEncoder().encode(
        JSON.stringify({ v: 1, id, from: "a", op: "install", key: key(), time, attempt }),
      );
    const old = request("old", Date.now() - 11 * 60_000);
    b.deliver("a", KEY_REQUEST, old);
    b.deliver("a", KEY_REQUEST, old);
    await settle();
    expect(b.keyring?.size).toBe(1);
    expect(b.warnings.filter((w) => /too old/.test(w))).toHaveLength(1);
    expect(net.sent).toEqual([]);

    const fresh = request("fresh", Date.now());
    b.deliver("a", KEY_REQUEST, fresh);
    b.deliver("a", KEY_REQUEST, fresh);
    await settle();
    expect(b.keyring?.size).toBe(2);
    expect(b.persisted).toBe(1);
    // One relay and one answer, however many copies arrive.
    expect(net.sent.map((m) => m.name)).toEqual([KEY_REQUEST, "grapevine.keys.response"]);
  });

  it("report members that never answer as missing, and refuse without a keyring", async () => {
    const k1 = key();
    const net = new Net();
    const a = net.add("a", "required", [k1]);
    net.add("silent", "required", [k1]);
    net.route = () => false;
    const report = await onVirtualTime(a.ops.run("list", undefined, { timeoutMs: 200 }));
    expect(report).toMatchObject({ members: 2, acked: ["a"], missing: ["silent"] });

    const plain = new Net().add("p", "off", undefined);
    const refused = onVirtualTime(plain.ops.run("list", undefined, { timeoutMs: 200 }));
    await expect(refused).rejects.toBeInstanceOf(KeyOpError);
    await expect(refused).rejects.toThrow(/this agent has no keyring/);
  });
});
