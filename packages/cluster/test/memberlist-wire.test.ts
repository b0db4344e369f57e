/**
 * The memberlist wire without Go: translation both ways (property tests), the mode's options and
 * limits, membership-only behaviour between two Grapevine members on loopback, and 10^5 mutated
 * packets fed into the mode's receive path (Go itself is in tools/memberlist-interop).
 */
import type { Message } from "@grapevine/codec";
import {
  decodePacket,
  encodePacket,
  encodeStream,
  isMemberlistError,
  readStream,
} from "@grapevine/memberlist-compat";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Cluster, ClusterOptionsError, Keyring, LimitError } from "../src/index.js";
import { fromIpPort, toIpPort } from "../src/memberlist/addresses.js";
import { MEMBERLIST_EVENT_NAME, MemberlistTransport } from "../src/memberlist/index.js";
import {
  fromMemberlist,
  fromStreamMessage,
  toMemberlist,
  toStreamMessage,
} from "../src/memberlist/translate.js";
import { seeded } from "./hostile-helpers.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

const name = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s);
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join("."));
const url = fc.tuple(ipv4, fc.integer({ min: 1, max: 65_535 })).map(([h, p]) => `udp://${h}:${p}`);
const seq = fc.nat(0xffff_ffff);
const incarnation = fc.bigInt({ min: 0n, max: 0xffff_ffffn });
const bytes = fc.uint8Array({ maxLength: 64 });

/** Messages that memberlist can carry exactly, as they come back from its wire. */
const membership: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    type: fc.constant("ping" as const),
    seq,
    target: name,
    source: name,
    sourceAddresses: url.map((u) => [u]),
  }),
  fc.record({
    type: fc.constant("ping-req" as const),
    seq,
    target: name,
    targetAddresses: url.map((u) => [u]),
    source: name,
    sourceAddresses: url.map((u) => [u]),
    wantNack: fc.boolean(),
  }),
  fc.record({ type: fc.constant("ack" as const), seq, source: fc.constant(""), payload: bytes }),
  fc.record({ type: fc.constant("nack" as const), seq, source: fc.constant("") }),
  fc.record({
    type: fc.constant("alive" as const),
    name,
    incarnation,
    generation: fc.constant(0),
    addresses: url.map((u) => [u]),
    meta: bytes,
  }),
  fc.record({
    type: fc.constantFrom("suspect" as const, "dead" as const),
    name,
    incarnation,
    from: name,
  }),
  fc.record({
    type: fc.constant("user" as const),
    from: fc.constant(""),
    name: fc.constant(MEMBERLIST_EVENT_NAME),
    payload: bytes,
    coalesce: fc.constant(false),
    ltime: fc.constant(0),
  }),
);

describe("translation", () => {
  it("every message memberlist can carry survives Grapevine → memberlist bytes → Grapevine", () => {
    fc.assert(
      fc.property(membership, (message) => {
        const packet = encodePacket([toMemberlist(message)!], { crc: true });
        const read = readBack(packet);
        expect(read).toEqual(message);
      }),
      { seed: 21, numRuns: 2_000 },
    );
  });

  it("what memberlist has no field for is set to its neutral value, or not sent", () => {
    const alive = toMemberlist({
      type: "alive",
      name: "a",
      incarnation: 7n,
      generation: 1_700_000_000_000,
      addresses: ["ws://h:1", "udp://10.0.0.1:7946"],
      meta: Uint8Array.of(1),
    });
    expect(alive).toMatchObject({ type: "alive", node: "a", incarnation: 7, port: 7946 });
    expect(fromMemberlist(alive!)).toMatchObject({
      generation: 0,
      addresses: ["udp://10.0.0.1:7946"],
    });
    expect(
      toMemberlist({
        type: "user",
        from: "a",
        name: "deploy",
        payload: Uint8Array.of(9),
        coalesce: false,
        ltime: 0,
      }),
    ).toEqual({ type: "user", payload: Uint8Array.of(9) });
    expect(toMemberlist({ type: "state-syn", digest: [], complete: true })).toBeUndefined();
    expect(
      toMemberlist({
        type: "alive",
        name: "a",
        incarnation: 1n,
        generation: 0,
        addresses: ["ws://h:1"],
        meta: new Uint8Array(0),
      }),
    ).toBeUndefined();
  });

  it("push-pull members and stream pings translate both ways", () => {
    const member = {
      name: "gv-1",
      incarnation: 3n,
      generation: 0,
      status: "left" as const,
      addresses: ["udp://127.0.0.1:7946"],
      meta: Uint8Array.of(123, 125),
    };
    const request = toStreamMessage([
      { type: "push-pull", join: true, reply: false, source: "gv-1", members: [member], delta: [] },
    ]);
    expect(request).toMatchObject({
      type: "push-pull",
      join: true,
      nodes: [{ name: "gv-1", state: 3, port: 7946 }],
    });
    expect(fromStreamMessage(request!, true)).toEqual({
      type: "push-pull",
      join: true,
      reply: true,
      source: "",
      members: [member],
      delta: [],
    });
    const ping = toStreamMessage([
      { type: "ping", seq: 4, target: "go-0", source: "gv", sourceAddresses: [] },
    ]);
    expect(fromStreamMessage(ping!, false)).toMatchObject({ type: "ping", seq: 4, target: "go-0" });
  });

  it("addresses: IPv4 and IPv6 URLs ↔ memberlist's bytes and port", () => {
    expect(toIpPort("udp://10.1.2.3:7946")).toEqual({
      addr: Uint8Array.of(10, 1, 2, 3),
      port: 7946,
    });
    const v6 = toIpPort("udp://[::1]:7946");
    expect(v6?.addr).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
    expect(fromIpPort(v6!.addr, 7946)).toBe("udp://[::1]:7946");
    expect(fromIpPort(Uint8Array.of(1, 2, 3), 1)).toBeUndefined();
    expect(toIpPort("ws://10.1.2.3:7946")).toBeUndefined();
    fc.assert(
      fc.property(url, (u) => {
        const ip = toIpPort(u)!;
        expect(fromIpPort(ip.addr, ip.port)).toBe(u);
      }),
      { seed: 5 },
    );
  });
});

function readBack(packet: Uint8Array): Message | undefined {
  const decoded = decodePacket(packet);
  if (!decoded.ok) throw decoded.error;
  return fromMemberlist(decoded.messages[0]!);
}
const transports = new WeakMap<Cluster, MemberlistTransport>();

/** A member on memberlist's wire; every other one binds its own transport, the rest `bind`. */
async function member(memberName: string, extra: Record<string, unknown> = {}) {
  const own =
    memberName.length % 2 === 0 ? await MemberlistTransport.bind("udp://127.0.0.1:0") : undefined;
  const options = {
    wire: "memberlist" as const,
    name: memberName,
    preset: "local" as const,
    ...extra,
  };
  const cluster = own
    ? await Cluster.start({ ...options, transports: [own] }).catch(async (err) => {
        await own.close();
        throw err;
      })
    : await Cluster.start({ ...options, bind: "udp://127.0.0.1:0" });
  stops.push(() => cluster.shutdown());
  transports.set(
    cluster,
    own ??
      (
        cluster as unknown as { edge: { transports: Map<string, MemberlistTransport> } }
      ).edge.transports.get("udp")!,
  );
  return cluster;
}

describe("the mode's options", () => {
  it("refuses a bad wire, a transport that is not memberlist's, and tags over 512 B", async () => {
    const udp = await MemberlistTransport.bind("udp://127.0.0.1:0");
    stops.push(() => udp.close());
    expect(() =>
      Cluster.create({ name: "a", transports: [udp], wire: "gossip" as "memberlist" }),
    ).toThrow(ClusterOptionsError);
    await expect(
      Cluster.start({ wire: "memberlist", name: "a", bind: "ws://127.0.0.1:0" }),
    ).rejects.toMatchObject({
      code: "invalid-address",
    });
    const grapevineWithBind = { name: "a", bind: "udp://127.0.0.1:0" } as unknown as {
      wire: "memberlist";
      name: string;
      bind: string;
    };
    await expect(Cluster.start(grapevineWithBind)).rejects.toThrow(/bind is for wire memberlist/);
    const fake = { ...udp, scheme: "udp" } as unknown as MemberlistTransport;
    expect(() => Cluster.create({ name: "a", transports: [fake], wire: "memberlist" })).toThrow(
      /transports with wire memberlist must be one MemberlistTransport/,
    );
    await expect(member("big", { tags: { big: "x".repeat(600) } })).rejects.toBeInstanceOf(
      LimitError,
    );
    const a = await member("a", { tags: { role: "web" } });
    let refused: unknown;
    try {
      a.setTags({ big: "x".repeat(520) });
    } catch (err) {
      refused = err;
    }
    expect(refused).toMatchObject({ name: "LimitError", field: "tags", limit: 512 });
    expect(a.member("a")?.tags).toEqual({ role: "web" });
  });

  it("presets are memberlist's: local retransmits twice; the caller's overrides win", async () => {
    expect((await member("l")).config).toMatchObject({
      retransmitMult: 2,
      probeTimeoutMs: 200,
      indirectChecks: 1,
    });
    expect((await member("w", { preset: "wan" })).config).toMatchObject({
      probeIntervalMs: 5_000,
      suspicionMult: 6,
    });
    expect((await member("o", { swim: { retransmitMult: 5 } })).config.retransmitMult).toBe(5);
    // memberlist ignores an alive at incarnation 0 from a member it does not know (it creates
    // the entry as dead and never reports a join): members on its wire start at 1, as its own do.
    const first = await member("first");
    expect(first.member("first")?.incarnation).toBe(1n);
  });
});

describe("two Grapevine members on memberlist's wire", () => {
  it("join, see each other's tags and user events; state stays local (membership-only)", async () => {
    const key = Keyring.generateKey();
    const a = await member("a", { tags: { role: "a" }, keyring: new Keyring([key]) });
    const b = await member("b", { tags: { role: "b" }, keyring: new Keyring([key]) });
    const joinedA = new Promise((resolve) => a.on("member-joined", resolve));
    expect(await b.join(a.addresses)).toBe(1);
    await joinedA;
    expect(b.member("a")?.tags).toEqual({ role: "a" });
    const heard = new Promise<{ from: string; name: string; payload: Uint8Array }>((resolve) =>
      b.on("user-message", resolve),
    );
    a.event("deploy", "v2");
    const event = await heard;
    // memberlist's user messages are bytes only: the name and sender do not travel.
    expect(event).toMatchObject({ from: "", name: MEMBERLIST_EVENT_NAME });
    expect(new TextDecoder().decode(event.payload)).toBe("v2");
    // Key-value state has no memberlist message: it is not sent (counted), so it stays local.
    const untranslated = transports.get(a)!.counters().untranslated;
    a.set("k", "v");
    await vi.waitFor(
      () => expect(transports.get(a)!.counters().untranslated).toBeGreaterThan(untranslated),
      { timeout: 5_000 },
    );
    expect(b.get("k", "a")).toBeUndefined();
    expect(b.member("a")?.status).toBe("alive");
  });
});

describe("encryption modes on memberlist's wire", () => {
  it("required refuses plaintext; accept-plaintext reads it; open-only sends it", async () => {
    const key = Keyring.generateKey();
    const sealed = await member("sealed", { keyring: new Keyring([key]) });
    const lenient = await member("lenient", {
      keyring: new Keyring([key]),
      encryption: "accept-plaintext",
    });
    const opening = await member("opening", {
      keyring: new Keyring([key]),
      encryption: "open-only",
    });
    const plain = await member("plain");
    expect(await plain.join(sealed.addresses)).toBe(0);
    expect(await opening.join(sealed.addresses)).toBe(0);
    // open-only sends plaintext and reads both; accept-plaintext seals and reads both.
    expect(await opening.join(lenient.addresses)).toBe(1);
    expect(await plain.join(opening.addresses)).toBe(1);
  });
});

describe("the mode's receive path under mutated input", () => {
  it("10^5 mutated packets into running members (sealed and plain): nothing thrown, refusals counted", async () => {
    const key = Keyring.generateKey(128);
    const sealed = await member("fuzz", { keyring: new Keyring([key]) });
    const plain = await member("plain");
    const lo = Uint8Array.of(127, 0, 0, 1);
    const samples = fc.sample(membership, { seed: 7, numRuns: 64 }).map((m) => toMemberlist(m)!);
    samples.push({
      type: "alive",
      incarnation: 1,
      node: "x".repeat(300),
      addr: lo,
      port: 1,
      meta: new Uint8Array(0),
      vsn: [1, 5, 2, 0, 0, 0],
    });
    // Seeded, so every run fuzzes the very same inputs.
    const { next } = seeded(21);
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
    const packets = (withKey: boolean) =>
      [1, 2, 3].flatMap((n) =>
        samples.map((_, i) =>
          encodePacket(samples.slice(i, i + n), {
            ...(withKey ? { key } : {}),
            crc: next() < 0.5,
            compress: next() < 0.3,
          }),
        ),
      );
    const inputs = [
      { transport: transports.get(sealed)!, packets: packets(true) },
      { transport: transports.get(plain)!, packets: packets(false) },
    ];
    for (let i = 0; i < 100_000; i++) {
      const { transport, packets: pool } = inputs[i % 2]!;
      const packet = Uint8Array.from(pick(pool));
      const flips = 1 + Math.floor(next() * 4);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(next() * packet.length);
        packet[at] =
          next() < 0.5
            ? Math.floor(next() * 256)
            : (packet[at] as number) ^ (1 << Math.floor(next() * 8));
      }
      const cut = next() < 0.1 ? packet.subarray(0, Math.floor(next() * packet.length)) : packet;
      transport.receivePacket("udp://127.0.0.1:9", cut);
    }
    for (const { transport } of inputs) {
      const counters = transport.counters();
      expect(counters.packetsIn).toBe(50_000);
      expect(
        Object.values(counters.rejected).reduce((x: number, y: number) => x + y, 0),
      ).toBeGreaterThan(10_000);
    }
    // Mutated streams: the same translation path a TCP connection takes.
    const node = { name: "n", addr: lo, port: 1, meta: new Uint8Array(0), incarnation: 1 };
    const vsn = [1, 5, 2, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) {
      const nodes = [{ ...node, state: i % 5, vsn }];
      const pushPull = {
        type: "push-pull" as const,
        join: true,
        nodes,
        userState: new Uint8Array(0),
      };
      const stream = encodeStream(pushPull, { key });
      const at = Math.floor(next() * stream.length);
      stream[at] = (stream[at] as number) ^ (1 << Math.floor(next() * 8));
      const read = readStream(stream, { keys: [key] });
      if (read.status === "error") expect(isMemberlistError(read.error)).toBe(true);
      else if (read.status === "message") fromStreamMessage(read.message, false);
    }
    // Let the members step through everything queued: still running, nothing escaped a step.
    await vi.waitFor(() => expect(plain.counters.packetsIn).toBeGreaterThan(1_000), {
      timeout: 10_000,
    });
    expect([sealed.status, plain.status]).toEqual(["running", "running"]);
  }, 60_000);
});
