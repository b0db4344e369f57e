/**
 * One Swim instance driven by hand: each entry point, each output, each timer.
 */
import type { Alive, Message, PushPullMember } from "@grapevine/codec";
import { seededRng } from "@grapevine/protocol";
import { describe, expect, it } from "vitest";
import {
  Swim,
  SwimConfigError,
  type SwimConfigOverrides,
  type SwimOutput,
  swimConfig,
} from "../src/index.js";
import { approximateSize } from "./harness.js";

const EMPTY = new Uint8Array(0);

function make(
  overrides: SwimConfigOverrides = {},
  self: Partial<{
    name: string;
    addresses: string[];
    generation: number;
    incarnation: bigint;
  }> = {},
  now = 0,
): Swim {
  return new Swim({
    config: swimConfig("lan", { pushPullIntervalMs: 0, ...overrides }),
    self: {
      name: self.name ?? "me",
      addresses: self.addresses ?? ["udp://me"],
      meta: EMPTY,
      generation: self.generation ?? 0,
      ...(self.incarnation === undefined ? {} : { incarnation: self.incarnation }),
    },
    rng: seededRng(1),
    now,
  });
}

function member(name: string, over: Partial<PushPullMember> = {}): PushPullMember {
  return {
    name,
    incarnation: 0n,
    generation: 0,
    status: "alive",
    addresses: [`udp://${name}`],
    meta: EMPTY,
    ...over,
  };
}

function alive(name: string, over: Partial<Alive> = {}): Alive {
  return {
    type: "alive",
    name,
    incarnation: 0n,
    generation: 0,
    addresses: [`udp://${name}`],
    meta: EMPTY,
    ...over,
  };
}

type Send = Extract<SwimOutput, { kind: "send" }>;
const sends = (outputs: SwimOutput[]): Send[] =>
  outputs.filter((o): o is Send => o.kind === "send");
const events = (outputs: SwimOutput[]) =>
  outputs.flatMap((o) => (o.kind === "event" ? [o.event] : []));
const everything = (swim: Swim): Message[] => swim.piggyback(100_000, approximateSize, 0);
type StreamProbe = Extract<SwimOutput, { kind: "stream-probe" }>;
/** The stream probe among `outputs`; fails the test when there is none. */
function streamProbe(outputs: SwimOutput[]): StreamProbe {
  const probe = outputs.find((o): o is StreamProbe => o.kind === "stream-probe");
  if (probe === undefined) throw new Error("no stream probe");
  return probe;
}
/** Send every queued broadcast until none is left. */
function flushBroadcasts(swim: Swim): void {
  while (everything(swim).length > 0);
}

/** Run timers until `until`, collecting outputs; with `ackPings`, every ping is answered at once. */
function runTo(swim: Swim, until: number, ackPings = false): SwimOutput[] {
  const out: SwimOutput[] = [];
  for (let at = swim.nextWakeAt(); at <= until; at = swim.nextWakeAt()) {
    swim.tick(at);
    const produced = swim.drain();
    out.push(...produced);
    if (!ackPings) continue;
    for (const send of sends(produced)) {
      for (const m of send.messages) {
        if (m.type === "ping") {
          swim.handle(send.to, { type: "ack", seq: m.seq, source: m.target, payload: EMPTY }, at);
        }
      }
    }
    out.push(...swim.drain());
  }
  return out;
}

describe("construction", () => {
  it("announces ourselves and schedules the first probe within the first period", () => {
    const swim = make();
    const out = swim.drain();
    expect(events(out).map((e) => [e.type, e.member.name])).toEqual([["join", "me"]]);
    expect(swim.nextWakeAt()).toBeGreaterThan(0);
    expect(swim.nextWakeAt()).toBeLessThanOrEqual(1000);
    expect(swim.aliveCount()).toBe(1);
    expect(swim.members().map((m) => m.name)).toEqual(["me"]);
    expect(swim.health()).toBe(0);
  });

  it("rejects a bad identity or configuration with SwimConfigError", () => {
    expect(() => make({}, { name: "" })).toThrow(SwimConfigError);
    expect(() => make({}, { generation: -1 })).toThrow(/self.generation/);
    expect(() => make({}, { incarnation: -1n })).toThrow(/self.incarnation/);
    expect(
      () =>
        new Swim({
          config: { ...swimConfig(), probeTimeoutMs: 5000 },
          self: { name: "x", addresses: [], meta: EMPTY, generation: 0 },
          rng: seededRng(1),
          now: 0,
        }),
    ).toThrow(/probeTimeoutMs/);
  });

  it("does nothing but reschedule when there is no one to probe", () => {
    const swim = make();
    swim.drain();
    expect(runTo(swim, 5000)).toEqual([]);
    expect(swim.counters.probesSent).toBe(0);
  });
});

describe("answering probes", () => {
  /** A ping-req from `req` (wanting a nack) for target `t` at `targetAddresses`. */
  const pingReq = (seq: number, targetAddresses: string[]): Message => ({
    type: "ping-req",
    seq,
    target: "t",
    targetAddresses,
    source: "req",
    sourceAddresses: ["udp://req"],
    wantNack: true,
  });

  it("acks a ping addressed to us, to the address it came from", () => {
    const swim = make();
    swim.drain();
    swim.handle(
      "udp://other:1",
      { type: "ping", seq: 7, target: "me", source: "x", sourceAddresses: ["udp://x"] },
      10,
    );
    expect(swim.drain()).toEqual([
      {
        kind: "send",
        to: "udp://other:1",
        messages: [{ type: "ack", seq: 7, source: "me", payload: EMPTY }],
      },
    ]);
  });

  it("pings carry no addresses of ours: the target answers the address a ping came from", () => {
    const prober = make();
    prober.seed([member("a"), member("b")], 0);
    const [first] = sends(runTo(prober, 5_000)).filter((s) => s.messages[0]?.type === "ping");
    expect(first?.messages[0]).toMatchObject({ type: "ping", source: "me", sourceAddresses: [] });
    // Without addresses the target still answers, at the transport's sender address.
    const target = make();
    target.drain();
    target.handle(
      "udp://prober:9",
      { type: "ping", seq: 3, target: "me", source: "p", sourceAddresses: [] },
      10,
    );
    expect(sends(target.drain())[0]?.to).toBe("udp://prober:9");
  });

  it("ignores a ping meant for another name", () => {
    const swim = make();
    swim.drain();
    swim.handle(
      "udp://x",
      { type: "ping", seq: 7, target: "you", source: "x", sourceAddresses: [] },
      10,
    );
    expect(swim.drain()).toEqual([]);
  });

  it("relays a ping-req: pings the target with its own seq and relays the ack", () => {
    const swim = make();
    swim.drain();
    swim.handle("udp://req", pingReq(42, ["ws://t", "udp://t"]), 100);
    const [ping] = sends(swim.drain());
    expect(ping?.to).toBe("udp://t");
    const relaySeq = (ping!.messages[0] as { seq: number }).seq;
    expect(ping?.messages[0]).toMatchObject({ type: "ping", target: "t", source: "me" });
    swim.handle("udp://t", { type: "ack", seq: relaySeq, source: "t", payload: EMPTY }, 150);
    expect(swim.drain()).toEqual([
      {
        kind: "send",
        to: "udp://req",
        messages: [{ type: "ack", seq: 42, source: "t", payload: EMPTY }],
      },
    ]);
    // No nack after an ack.
    expect(runTo(swim, 999)).toEqual([]);
  });

  it("sends a nack at 80% of the probe timeout when the target stays silent (Lifeguard §3.1)", () => {
    const swim = make();
    swim.drain();
    swim.handle("udp://req", pingReq(42, ["udp://t"]), 100);
    swim.drain();
    // The target pinged again halfway to the nack (one lost ping or ack is no nack), then
    // nothing before 80% of the 500 ms probe timeout (our own probe timer may fire meanwhile,
    // with no one to probe), the nack at 100 + 400 ms.
    swim.tick(299);
    expect(swim.drain()).toEqual([]);
    swim.tick(300);
    expect(swim.drain()).toEqual([
      {
        kind: "send",
        to: "udp://t",
        messages: [{ type: "ping", seq: 1, target: "t", source: "me", sourceAddresses: [] }],
      },
    ]);
    swim.tick(499);
    expect(swim.drain()).toEqual([]);
    swim.tick(500);
    expect(swim.drain()).toEqual([
      { kind: "send", to: "udp://req", messages: [{ type: "nack", seq: 42, source: "me" }] },
    ]);
    expect(swim.counters.nacksSent).toBe(1);
    // An ack arriving after the nack but within the probe timeout is still relayed.
    const relaySeq = 1;
    swim.handle("udp://t", { type: "ack", seq: relaySeq, source: "t", payload: EMPTY }, 550);
    expect(sends(swim.drain())).toEqual([
      {
        kind: "send",
        to: "udp://req",
        messages: [{ type: "ack", seq: 42, source: "t", payload: EMPTY }],
      },
    ]);
    swim.handle("udp://t", { type: "ack", seq: relaySeq, source: "t", payload: EMPTY }, 560);
    expect(swim.drain()).toEqual([]);
  });

  it("nacks at once a ping-req for a target it cannot reach", () => {
    const swim = make();
    swim.drain();
    swim.handle("udp://req", pingReq(9, ["ws://t"]), 100);
    expect(swim.drain()).toEqual([
      { kind: "send", to: "udp://req", messages: [{ type: "nack", seq: 9, source: "me" }] },
    ]);
  });
});

describe("probing", () => {
  /** A node knowing `names`, started so that its first probe is due at 1000 exactly. */
  function withPeers(names: string[], overrides: SwimConfigOverrides = {}): Swim {
    // The first probe lands at a random point of the first period: the same draw for one seed.
    const start = 1000 - make(overrides).nextWakeAt();
    const swim = make(overrides, {}, start);
    swim.mergeRemote(
      names.map((n) => member(n)),
      start,
    );
    swim.drain();
    everything(swim);
    return swim;
  }

  /**
   * A node knowing five peers, its first probe sent at 1000 and that probe's direct timeout just
   * passed (the step at 1500 taken, its outputs not yet drained).
   */
  function pastDirectTimeout(): Swim {
    const swim = withPeers(["a", "b", "c", "d", "e"]);
    swim.tick(1000);
    swim.drain();
    swim.tick(1500);
    return swim;
  }

  it("keeps the phase of its periods when a period starts late", () => {
    const swim = withPeers(["a", "b", "c"]);
    const due = swim.nextWakeAt();
    const probeAt = (at: number): void => {
      swim.tick(at);
      const [ping] = sends(swim.drain());
      const seq = (ping!.messages[0] as { seq: number }).seq;
      swim.handle(ping!.to, { type: "ack", seq, source: "x", payload: EMPTY }, at + 1);
      swim.drain();
    };
    probeAt(due);
    expect(swim.nextWakeAt()).toBe(due + 1000);
    // 40 ms late (a busy event loop): this period is shortened, the next starts on time.
    probeAt(due + 1040);
    expect(swim.nextWakeAt()).toBe(due + 2000);
    // 300 ms late: too late to shorten, so this period runs to the next point of the schedule.
    probeAt(due + 2300);
    expect(swim.nextWakeAt()).toBe(due + 4000);
  });

  it("pings one member per period and counts the ack", () => {
    const swim = withPeers(["a"]);
    swim.tick(1000);
    const [ping] = sends(swim.drain());
    expect(ping).toMatchObject({ to: "udp://a", messages: [{ type: "ping", target: "a" }] });
    const seq = (ping!.messages[0] as { seq: number }).seq;
    swim.handle("udp://a", { type: "ack", seq, source: "a", payload: EMPTY }, 1010);
    expect(swim.counters.probesAcked).toBe(1);
    // The timeout and deadline timers are now stale: the next wake is the next period.
    expect(swim.nextWakeAt()).toBe(2000);
  });

  it("without an ack: a second ping, ping-req to K members and a stream probe at the timeout, suspicion at the stream's deadline", () => {
    const swim = withPeers(["a", "b", "c", "d", "e"]);
    swim.tick(1000);
    const [ping] = sends(swim.drain());
    const target = (ping!.messages[0] as { target: string }).target;
    expect(swim.nextWakeAt()).toBe(1500);
    swim.tick(1500);
    const out = swim.drain();
    const [again, ...rest] = sends(out);
    expect(again).toEqual(ping);
    const pingReqs = rest.map((s) => s.messages[0]);
    expect(pingReqs).toHaveLength(3);
    for (const m of pingReqs) expect(m).toMatchObject({ type: "ping-req", target, wantNack: true });
    expect(new Set(rest.map((s) => s.to)).has(`udp://${target}`)).toBe(false);
    // The stream gets streamProbeTimeoutMs (1.5 s): one lost SYN costs a connection 1 s.
    expect(out.find((o) => o.kind === "stream-probe")).toMatchObject({
      to: `udp://${target}`,
      target,
      deadlineAt: 3000,
    });
    // One intermediary nacks: our own messages flow, so the silence is the target's; but the
    // stream may yet answer, so the verdict waits for it past the end of the period.
    const seq = (pingReqs[0] as { seq: number }).seq;
    swim.handle("udp://x", { type: "nack", seq, source: "x" }, 1800);
    swim.tick(2000);
    expect(events(swim.drain())).toEqual([]);
    expect(swim.counters.probesAwaitingStream).toBe(1);
    swim.tick(3000);
    const later = swim.drain();
    expect(events(later).map((e) => [e.type, e.member.name, e.at])).toEqual([
      ["suspect", target, 3000],
    ]);
    expect(everything(swim)).toContainEqual({
      type: "suspect",
      name: target,
      incarnation: 0n,
      from: "me",
    });
    expect(swim.counters.suspicionsRaised).toBe(1);
    // Three expected nacks, one received: health +2 (Lifeguard §3.1).
    expect(swim.health()).toBe(2);
  });

  it("nack-gated suspicion: no ack and not one nack is inconclusive, raising only our health score", () => {
    const swim = pastDirectTimeout();
    swim.drain();
    swim.tick(2000);
    swim.tick(3000);
    expect(events(swim.drain()).filter((e) => e.type === "suspect")).toEqual([]);
    expect(swim.counters.suspicionsRaised).toBe(0);
    expect(swim.counters.probesInconclusive).toBe(1);
    // Three expected nacks, none received: health +3 (Lifeguard §3.1).
    expect(swim.health()).toBe(3);
  });

  it("with awareness off, a silent probe still raises a suspicion (plain SWIM)", () => {
    const swim = withPeers(["a", "b", "c", "d", "e"], {
      lifeguard: { awareness: false, dynamicSuspicion: true, buddy: true },
    });
    swim.tick(1000);
    swim.drain();
    swim.tick(1500);
    swim.drain();
    swim.tick(2000);
    swim.tick(3000);
    expect(events(swim.drain()).filter((e) => e.type === "suspect")).toHaveLength(1);
    expect(swim.counters.probesInconclusive).toBe(0);
  });

  it("nacks show our own path works: no health penalty when all intermediaries nack", () => {
    const swim = pastDirectTimeout();
    const seq = (sends(swim.drain())[0]!.messages[0] as { seq: number }).seq;
    for (const from of ["x", "y", "z"]) {
      swim.handle(`udp://${from}`, { type: "nack", seq, source: from }, 1800);
    }
    swim.tick(2000);
    expect(swim.health()).toBe(0);
    expect(swim.counters.nacksReceived).toBe(3);
  });

  it("a stream probe refused after the timeout is a verdict at once, not at the end of the period", () => {
    const swim = withPeers(["a", "b", "c", "d", "e"]);
    swim.tick(1000);
    const target = (sends(swim.drain())[0]!.messages[0] as { target: string }).target;
    swim.tick(1500);
    const probe = streamProbe(swim.drain());
    swim.streamProbeResult(probe.seq, false, 1502);
    expect(events(swim.drain()).map((e) => [e.type, e.member.name, e.at])).toEqual([
      ["suspect", target, 1502],
    ]);
    expect(swim.counters.probesConcludedEarly).toBe(1);
    // Nacks still arrive and count for our health; the deadline adds no second verdict.
    const seq = probe.seq;
    for (const from of ["x", "y", "z"]) {
      swim.handle(`udp://${from}`, { type: "nack", seq, source: from }, 1900);
    }
    swim.tick(2000);
    expect(events(swim.drain()).filter((e) => e.type === "suspect")).toEqual([]);
    expect(swim.counters.probesFailed).toBe(1);
    expect(swim.counters.suspicionsRaised).toBe(1);
    expect(swim.health()).toBe(0);
  });

  it("a stream probe the runtime declines in the same step is no verdict", () => {
    const swim = pastDirectTimeout();
    const probe = streamProbe(swim.drain());
    swim.streamProbeResult(probe.seq, false, 1500);
    expect(events(swim.drain())).toEqual([]);
    expect(swim.counters.probesConcludedEarly).toBe(0);
  });

  it("without a stream probe, every intermediary's nack is a verdict at once", () => {
    const swim = withPeers(["a", "b", "c", "d", "e"], { streamProbe: false });
    swim.tick(1000);
    const target = (sends(swim.drain())[0]!.messages[0] as { target: string }).target;
    swim.tick(1500);
    const seq = (sends(swim.drain())[0]!.messages[0] as { seq: number }).seq;
    swim.handle("udp://x", { type: "nack", seq, source: "x" }, 1900);
    swim.handle("udp://y", { type: "nack", seq, source: "y" }, 1901);
    expect(events(swim.drain())).toEqual([]);
    swim.handle("udp://z", { type: "nack", seq, source: "z" }, 1902);
    expect(events(swim.drain()).map((e) => [e.type, e.member.name, e.at])).toEqual([
      ["suspect", target, 1902],
    ]);
  });

  it("with a stream probe pending, all nacks wait for it: its ack still saves the probe", () => {
    const swim = pastDirectTimeout();
    const out = swim.drain();
    const seq = (sends(out)[0]!.messages[0] as { seq: number }).seq;
    for (const from of ["x", "y", "z"]) {
      swim.handle(`udp://${from}`, { type: "nack", seq, source: from }, 1900);
    }
    expect(events(swim.drain())).toEqual([]);
    swim.streamProbeResult(seq, true, 1950);
    swim.tick(2000);
    expect(events(swim.drain())).toEqual([]);
    expect(swim.counters.probesAcked).toBe(1);
  });

  it("an ack relayed by an intermediary saves the probe", () => {
    const swim = withPeers(["a", "b", "c"]);
    swim.tick(1000);
    const seq = (sends(swim.drain())[0]!.messages[0] as { seq: number }).seq;
    swim.tick(1500);
    swim.drain();
    swim.handle("udp://b", { type: "ack", seq, source: "a", payload: EMPTY }, 1700);
    swim.tick(2000);
    expect(events(swim.drain())).toEqual([]);
    expect(swim.counters.probesAcked).toBe(1);
  });

  it("a stream probe ack saves the probe; a late one does not", () => {
    const swim = withPeers(["a"]);
    swim.tick(1000);
    swim.drain();
    swim.tick(1500);
    const probe = streamProbe(swim.drain());
    swim.streamProbeResult(probe.seq, true, 1800);
    expect(swim.counters.streamProbeAcks).toBe(1);
    swim.tick(2000);
    expect(swim.member("a")?.status).toBe("alive");
    swim.streamProbeResult(probe.seq, true, 2100);
    expect(swim.counters.streamProbeAcks).toBe(1);
  });

  it("a stream probe answering after the end of the period (a lost SYN) still saves the probe", () => {
    const swim = pastDirectTimeout();
    const probe = streamProbe(swim.drain());
    swim.handle("udp://x", { type: "nack", seq: probe.seq, source: "x" }, 1800);
    swim.tick(2000);
    expect(events(swim.drain())).toEqual([]);
    // The next period's probe runs meanwhile; the waiting one is answered 1.1 s late.
    swim.streamProbeResult(probe.seq, true, 2600);
    swim.tick(3000);
    expect(events(swim.drain()).filter((e) => e.type === "suspect")).toEqual([]);
    expect(swim.member(probe.target)?.status).toBe("alive");
    expect(swim.counters.streamProbeAcks).toBe(1);
    expect(swim.counters.probesAcked).toBe(1);
    expect(swim.counters.suspicionsRaised).toBe(0);
    // Answered in the end: a reward for our health, not the two missing nacks' penalty.
    expect(swim.health()).toBe(0);
  });

  it("a stream probe refused after the end of the period is a verdict at once", () => {
    const swim = pastDirectTimeout();
    const probe = streamProbe(swim.drain());
    swim.handle("udp://x", { type: "nack", seq: probe.seq, source: "x" }, 1800);
    swim.tick(2000);
    swim.drain();
    swim.streamProbeResult(probe.seq, false, 2400);
    expect(events(swim.drain()).map((e) => [e.type, e.member.name, e.at])).toEqual([
      ["suspect", probe.target, 2400],
    ]);
  });

  it("when every intermediary nacks, the verdict does not wait for a pending stream past the period", () => {
    const swim = pastDirectTimeout();
    const probe = streamProbe(swim.drain());
    for (const from of ["x", "y", "z"]) {
      swim.handle(`udp://${from}`, { type: "nack", seq: probe.seq, source: from }, 1900);
    }
    swim.tick(2000);
    expect(events(swim.drain()).map((e) => [e.type, e.member.name, e.at])).toEqual([
      ["suspect", probe.target, 2000],
    ]);
    expect(swim.counters.probesAwaitingStream).toBe(0);
  });

  it("no stream probe when the config turns it off", () => {
    const swim = withPeers(["a"], { streamProbe: false });
    swim.tick(1000);
    swim.tick(1500);
    expect(swim.drain().some((o) => o.kind === "stream-probe")).toBe(false);
  });

  it("buddy system: a ping to a suspect carries the suspicion first (Lifeguard §3.3)", () => {
    const swim = withPeers(["a"]);
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "x" }, 500);
    swim.drain();
    swim.tick(1000);
    const [packet] = sends(swim.drain());
    expect(packet!.messages.map((m) => m.type)).toEqual(["suspect", "ping"]);
    expect(packet!.messages[0]).toEqual({
      type: "suspect",
      name: "a",
      incarnation: 0n,
      from: "me",
    });
  });

  it("buddy system off: only the ping", () => {
    const swim = withPeers(["a"], { lifeguard: { buddy: false } });
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "x" }, 500);
    swim.drain();
    swim.tick(1000);
    expect(sends(swim.drain())[0]!.messages.map((m) => m.type)).toEqual(["ping"]);
  });

  /** Probe the one peer of `swim` at each of `times`, its ack coming `rttMs` later. */
  function ackedProbes(swim: Swim, times: number[], rttMs: number): void {
    for (const at of times) {
      swim.tick(at);
      const [ping] = sends(swim.drain());
      const seq = (ping!.messages[0] as { seq: number }).seq;
      swim.handle(ping!.to, { type: "ack", seq, source: "a", payload: EMPTY }, at + rttMs);
      swim.drain();
    }
  }

  it("the direct timeout adapts to measured round trips (srtt + 4·rttvar), no shorter than minProbeTimeoutMs", () => {
    const fast = withPeers(["a"]);
    // Before any round trip is known: the full probe timeout.
    fast.tick(1000);
    expect(fast.nextWakeAt()).toBe(1500);
    const first = (sends(fast.drain())[0]!.messages[0] as { seq: number }).seq;
    fast.handle("udp://a", { type: "ack", seq: first, source: "a", payload: EMPTY }, 1002);
    fast.drain();
    ackedProbes(fast, [2000, 3000, 4000, 5000], 2);
    fast.tick(6000);
    expect(fast.nextWakeAt()).toBe(6100);

    // 150 ms round trips: srtt 150 and rttvar 75 after one, so 450 ms; 150 + 4·(0.75·75) = 375 after two.
    const slow = withPeers(["a"]);
    ackedProbes(slow, [1000], 150);
    slow.tick(2000);
    expect(slow.nextWakeAt()).toBe(2450);
    const seq = (sends(slow.drain())[0]!.messages[0] as { seq: number }).seq;
    slow.handle("udp://a", { type: "ack", seq, source: "a", payload: EMPTY }, 2150);
    slow.drain();
    slow.tick(3000);
    expect(slow.nextWakeAt()).toBe(3375);

    // Equal bounds turn the adaptation off.
    const fixed = withPeers(["a"], { minProbeTimeoutMs: 500 });
    ackedProbes(fixed, [1000, 2000, 3000], 2);
    fixed.tick(4000);
    expect(fixed.nextWakeAt()).toBe(4500);
  });

  it("an ack to a ping sent again is not measured (Karn's rule): it does not stretch the timeout", () => {
    const swim = withPeers(["a"]);
    // 60 ms round trips: srtt 60, rttvar 30 → 22.5 → 16.875, so 127.5 ms, below the maximum.
    ackedProbes(swim, [1000, 2000, 3000], 60);
    swim.tick(4000);
    const timeoutAt = swim.nextWakeAt();
    expect(timeoutAt).toBe(4127.5);
    const seq = (sends(swim.drain())[0]!.messages[0] as { seq: number }).seq;
    swim.tick(timeoutAt);
    swim.drain();
    // The ack after the second ping went out: 1 ms after it, 128.5 ms after the first. Measured,
    // it would stretch the next timeout to about 188 ms.
    swim.handle("udp://a", { type: "ack", seq, source: "a", payload: EMPTY }, timeoutAt + 1);
    swim.drain();
    expect(swim.counters.probesAcked).toBe(4);
    swim.tick(5000);
    expect(swim.nextWakeAt()).toBe(timeoutAt + 1000);
  });

  it("a shortened timeout costs no suspicion: an ack later in the period still saves the probe", () => {
    const swim = withPeers(["a"]);
    ackedProbes(swim, [1000, 2000, 3000, 4000], 2);
    swim.tick(5000);
    const seq = (sends(swim.drain())[0]!.messages[0] as { seq: number }).seq;
    swim.tick(5100);
    const fallbacks = swim.drain();
    expect(sends(fallbacks).map((s) => s.messages[0]!.type)).toEqual(["ping"]);
    streamProbe(fallbacks);
    swim.handle("udp://a", { type: "ack", seq, source: "a", payload: EMPTY }, 5400);
    swim.tick(6000);
    expect(events(swim.drain())).toEqual([]);
    expect(swim.counters.probesAcked).toBe(5);
    expect(swim.counters.probesFailed).toBe(0);
  });

  it("a crashed member, its stream probe refused, is suspected the adapted timeout after its ping", () => {
    const swim = withPeers(["a"]);
    ackedProbes(swim, [1000, 2000, 3000, 4000], 2);
    swim.tick(5000);
    swim.drain();
    swim.tick(5100);
    const probe = streamProbe(swim.drain());
    swim.streamProbeResult(probe.seq, false, 5101);
    expect(events(swim.drain()).map((e) => [e.type, e.member.name, e.at])).toEqual([
      ["suspect", "a", 5101],
    ]);
  });

  it("health stretches our probe interval and timeout (Lifeguard §3.1)", () => {
    // Datagrams only: a stream probe would hold the verdict past the period.
    const swim = withPeers(["a", "b", "c", "d"], { streamProbe: false });
    swim.tick(1000);
    swim.drain();
    swim.tick(1500);
    swim.tick(2000); // failed: +3
    swim.drain();
    expect(swim.health()).toBe(3);
    // The next probe started at 2000 with period 4 × 1000 and timeout 4 × 500.
    expect(swim.nextWakeAt()).toBe(4000);
    swim.tick(4000);
    expect(swim.nextWakeAt()).toBe(6000);
  });

  it("awareness off: no stretching whatever happens", () => {
    const swim = withPeers(["a", "b", "c", "d"], { lifeguard: { awareness: false } });
    swim.tick(1000);
    swim.tick(1500);
    swim.tick(2000);
    expect(swim.health()).toBe(0);
    expect(swim.nextWakeAt()).toBe(2500);
  });
});

describe("suspicion and refutation (SWIM §4.2)", () => {
  it("refutes a suspicion about itself with a higher incarnation, at a health cost", () => {
    const swim = make();
    swim.drain();
    swim.handle("udp://x", { type: "suspect", name: "me", incarnation: 0n, from: "x" }, 10);
    expect(swim.incarnation()).toBe(1n);
    expect(everything(swim)).toEqual([
      {
        type: "alive",
        name: "me",
        incarnation: 1n,
        generation: 0,
        addresses: ["udp://me"],
        meta: EMPTY,
      },
    ]);
    expect(swim.counters.refutations).toBe(1);
    expect(swim.health()).toBe(1);
    // An old suspicion (already refuted) changes nothing.
    swim.handle("udp://x", { type: "suspect", name: "me", incarnation: 0n, from: "y" }, 20);
    expect(swim.incarnation()).toBe(1n);
  });

  it("refutes a death notice about itself too", () => {
    const swim = make();
    swim.handle("udp://x", { type: "dead", name: "me", incarnation: 3n, from: "x" }, 10);
    expect(swim.incarnation()).toBe(4n);
    expect(swim.member("me")?.status).toBe("alive");
  });

  it("answers a stale claim about itself with its current alive, to the sender, without refuting", () => {
    const swim = make({}, { incarnation: 2n });
    swim.drain();
    flushBroadcasts(swim);
    // A prober that missed our refutation brings its old suspicion (Lifeguard's buddy system).
    swim.handle("udp://p", { type: "suspect", name: "me", incarnation: 1n, from: "q" }, 10);
    swim.handle("udp://r", { type: "dead", name: "me", incarnation: 0n, from: "r" }, 20);
    const out = sends(swim.drain());
    expect(out.map((o) => o.to)).toEqual(["udp://p", "udp://r"]);
    for (const o of out) {
      expect(o.messages).toEqual([
        expect.objectContaining({ type: "alive", name: "me", incarnation: 2n }),
      ]);
    }
    expect(swim.incarnation()).toBe(2n);
    expect(swim.counters).toMatchObject({ staleClaimsAnswered: 2, refutations: 0 });
    // Claims about others, or at our incarnation (refuted instead), are not answered this way.
    swim.handle("udp://p", { type: "suspect", name: "other", incarnation: 0n, from: "q" }, 30);
    swim.handle("udp://p", { type: "suspect", name: "me", incarnation: 2n, from: "q" }, 40);
    expect(swim.counters).toMatchObject({ staleClaimsAnswered: 2, refutations: 1 });
    expect(swim.incarnation()).toBe(3n);
  });

  it("tells a suspect it still suspects, at half the minimum timeout, up to 3 times", () => {
    const swim = make({ indirectChecks: 0 });
    swim.mergeRemote(
      ["a", "b", "c", "d"].map((n) => member(n)),
      0,
    );
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "b" }, 100);
    swim.drain();
    // N = 5: minimum 4 s, maximum 24 s; last calls at 2.1, 4.1 and 6.1 s.
    const calls: number[] = [];
    for (let at = swim.nextWakeAt(); at <= 10_000; at = swim.nextWakeAt()) {
      swim.tick(at);
      for (const send of sends(swim.drain())) {
        if (send.to !== "udp://a") continue;
        if (send.messages.some((m) => m.type === "suspect" && m.name === "a" && m.from === "me")) {
          if (!send.messages.some((m) => m.type === "ping")) calls.push(at);
        }
      }
    }
    expect(calls).toEqual([2100, 4100, 6100]);
    expect(swim.counters.lastCalls).toBeGreaterThanOrEqual(3);
  });

  it("no last call once the suspicion is refuted", () => {
    const swim = make();
    swim.mergeRemote([member("a", { addresses: ["ws://a"] })], 0);
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "b" }, 100);
    swim.handle("ws://a", alive("a", { incarnation: 1n, addresses: ["ws://a"] }), 1000);
    swim.drain();
    runTo(swim, 30_000);
    expect(swim.counters.lastCalls).toBe(0);
  });

  it("a refuted suspect becomes alive again with an `alive` event", () => {
    const swim = make();
    swim.mergeRemote([member("a")], 0);
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "x" }, 10);
    swim.handle("udp://a", alive("a", { incarnation: 1n }), 20);
    expect(events(swim.drain()).map((e) => e.type)).toEqual(["join", "join", "suspect", "alive"]);
    expect(swim.member("a")).toMatchObject({ status: "alive", incarnation: 1n });
    expect(swim.counters.suspicionsRefuted).toBe(1);
  });

  it("an alive at the suspected incarnation does not clear the suspicion", () => {
    const swim = make();
    swim.mergeRemote([member("a")], 0);
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "x" }, 10);
    swim.handle("udp://a", alive("a"), 20);
    expect(swim.member("a")?.status).toBe("suspect");
  });

  it("an unrefuted suspect is declared dead at the maximum timeout without confirmations", () => {
    const swim = make();
    // Members we cannot reach (no shared scheme, no bridge) are not probed: no confirmations.
    swim.mergeRemote(
      ["a", "b", "c", "d"].map((n) => member(n, { addresses: [`ws://${n}`] })),
      0,
    );
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "b" }, 100);
    swim.drain();
    // N = 5: min = 4 s, K = 2, max = 24 s.
    let deadAt = -1;
    for (let at = swim.nextWakeAt(); at <= 30_000; at = swim.nextWakeAt()) {
      swim.tick(at);
      for (const e of events(swim.drain()))
        if (e.type === "dead" && e.member.name === "a") deadAt = at;
      if (deadAt >= 0) break;
    }
    expect(deadAt).toBe(24_100);
  });

  it("independent confirmations shorten the timeout to the minimum (Lifeguard §3.2)", () => {
    const swim = make({ indirectChecks: 0 });
    swim.mergeRemote(
      ["a", "b", "c", "d"].map((n) => member(n)),
      0,
    );
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "b" }, 100);
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "b" }, 200);
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "c" }, 300);
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "d" }, 400);
    swim.drain();
    const deaths: number[] = [];
    for (let at = swim.nextWakeAt(); at <= 30_000 && deaths.length === 0; at = swim.nextWakeAt()) {
      swim.tick(at);
      for (const e of events(swim.drain()))
        if (e.type === "dead" && e.member.name === "a") deaths.push(at);
    }
    expect(deaths).toEqual([4100]);
  });

  it("a suspicion at a higher incarnation is a new one: its own full timeout, not the old timer's", () => {
    const swim = make();
    // Members we cannot reach are not probed: nothing but these claims moves the suspicion.
    swim.mergeRemote(
      ["a", "b", "c", "d"].map((n) => member(n, { addresses: [`ws://${n}`] })),
      0,
    );
    // We missed a's refutation (alive 1) of this suspicion, held since 100 ms.
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "b" }, 100);
    // 20 s later someone suspects a again, at the incarnation a refuted with.
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 1n, from: "c" }, 20_000);
    expect(events(swim.drain()).filter((e) => e.type === "suspect")).toHaveLength(2);
    let deadAt = -1;
    for (let at = swim.nextWakeAt(); at <= 60_000 && deadAt < 0; at = swim.nextWakeAt()) {
      swim.tick(at);
      for (const e of events(swim.drain())) if (e.type === "dead") deadAt = at;
    }
    // N = 5: max = 24 s from the new claim, as for any fresh suspicion.
    expect(deadAt).toBe(44_000);
  });

  it("a refuted suspicion's timer does not end a later suspicion early", () => {
    const swim = make();
    swim.mergeRemote(
      ["a", "b", "c", "d"].map((n) => member(n, { addresses: [`ws://${n}`] })),
      0,
    );
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "b" }, 100);
    swim.handle("ws://a", alive("a", { incarnation: 1n, addresses: ["ws://a"] }), 200);
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 1n, from: "b" }, 20_000);
    swim.drain();
    let deadAt = -1;
    for (let at = swim.nextWakeAt(); at <= 60_000 && deadAt < 0; at = swim.nextWakeAt()) {
      swim.tick(at);
      for (const e of events(swim.drain())) if (e.type === "dead") deadAt = at;
    }
    expect(deadAt).toBe(44_000);
  });

  it("dynamic suspicion off: a fixed minimum timeout", () => {
    const swim = make({ lifeguard: { dynamicSuspicion: false } });
    swim.mergeRemote(
      ["a", "b", "c", "d"].map((n) => member(n)),
      0,
    );
    swim.handle("udp://x", { type: "suspect", name: "a", incarnation: 0n, from: "b" }, 100);
    const out: SwimOutput[] = [];
    for (let at = swim.nextWakeAt(); at <= 4100; at = swim.nextWakeAt()) {
      swim.tick(at);
      out.push(...swim.drain());
    }
    expect(swim.member("a")?.status).toBe("dead");
  });

  it("dead members are gossiped about, then forgotten after gossipToTheDeadMs", () => {
    const swim = make({ gossipToTheDeadMs: 10_000 });
    swim.mergeRemote([member("a")], 0);
    swim.handle("udp://x", { type: "dead", name: "a", incarnation: 0n, from: "x" }, 100);
    expect(swim.member("a")?.status).toBe("dead");
    expect(swim.gossipTargets(3, 100)).toEqual(["udp://a"]);
    expect(everything(swim)).toContainEqual({
      type: "dead",
      name: "a",
      incarnation: 0n,
      from: "x",
    });
    runTo(swim, 10_100);
    expect(swim.member("a")).toBeUndefined();
    expect(swim.counters.membersReaped).toBe(1);
    expect(swim.gossipTargets(3, 10_100)).toEqual([]);
  });
});

describe("leave, metadata, restart", () => {
  it("leave broadcasts dead-about-self at a higher incarnation and stops probing", () => {
    const swim = make();
    swim.mergeRemote([member("a")], 0);
    swim.drain();
    flushBroadcasts(swim);
    swim.leave(500);
    expect(events(swim.drain()).map((e) => [e.type, e.member.name])).toEqual([["left", "me"]]);
    expect(everything(swim)).toEqual([{ type: "dead", name: "me", incarnation: 1n, from: "me" }]);
    expect(swim.aliveCount()).toBe(1);
    runTo(swim, 10_000);
    expect(swim.counters.probesSent).toBe(0);
    // No refutation while leaving.
    swim.handle("udp://a", { type: "suspect", name: "me", incarnation: 1n, from: "a" }, 600);
    expect(swim.incarnation()).toBe(1n);
    expect(() => swim.setMeta(EMPTY, 700)).toThrow();
  });

  it("a peer's leave is reported as `left`, a failure as `dead`", () => {
    const swim = make();
    swim.mergeRemote([member("a"), member("b")], 0);
    swim.drain();
    swim.handle("udp://a", { type: "dead", name: "a", incarnation: 1n, from: "a" }, 10);
    swim.handle("udp://x", { type: "dead", name: "b", incarnation: 0n, from: "x" }, 10);
    expect(events(swim.drain()).map((e) => [e.type, e.member.name])).toEqual([
      ["left", "a"],
      ["dead", "b"],
    ]);
  });

  it("setMeta announces alive at incarnation + 1", () => {
    const swim = make();
    swim.drain();
    const meta = new Uint8Array([1, 2, 3]);
    swim.setMeta(meta, 10);
    expect(events(swim.drain()).map((e) => e.type)).toEqual(["update"]);
    expect(everything(swim)).toEqual([
      { type: "alive", name: "me", incarnation: 1n, generation: 0, addresses: ["udp://me"], meta },
    ]);
  });

  it("a peer's metadata change is an `update`", () => {
    const swim = make();
    swim.mergeRemote([member("a")], 0);
    swim.drain();
    swim.handle("udp://a", alive("a", { incarnation: 1n, meta: new Uint8Array([9]) }), 10);
    expect(events(swim.drain()).map((e) => e.type)).toEqual(["update"]);
    swim.handle("udp://a", alive("a", { incarnation: 2n, meta: new Uint8Array([9]) }), 20);
    expect(events(swim.drain())).toEqual([]);
  });

  it("a higher generation replaces a dead member at once, even at a lower incarnation", () => {
    const swim = make();
    swim.mergeRemote([member("a", { incarnation: 7n })], 0);
    swim.handle("udp://x", { type: "dead", name: "a", incarnation: 7n, from: "x" }, 10);
    swim.drain();
    swim.handle("udp://a2", alive("a", { generation: 1, addresses: ["udp://a2"] }), 20);
    const [e] = events(swim.drain());
    expect(e).toMatchObject({
      type: "join",
      member: { name: "a", status: "alive", generation: 1, incarnation: 0n },
    });
    expect(swim.member("a")?.addresses).toEqual(["udp://a2"]);
  });

  it("a higher generation replaces a live member too (its old process is gone)", () => {
    const swim = make();
    swim.mergeRemote([member("a", { incarnation: 7n })], 0);
    swim.drain();
    swim.handle("udp://a", alive("a", { generation: 1 }), 20);
    expect(events(swim.drain()).map((e) => e.type)).toEqual(["update"]);
    expect(swim.member("a")?.generation).toBe(1);
    // The old generation can no longer come back.
    swim.handle("udp://a", alive("a", { generation: 0, incarnation: 99n }), 30);
    expect(swim.member("a")?.generation).toBe(1);
  });

  it("outbids echoes of its own previous life", () => {
    const swim = make({}, { generation: 2 });
    swim.mergeRemote([member("me", { generation: 1, incarnation: 5n, status: "dead" })], 10);
    expect(swim.incarnation()).toBe(6n);
    expect(swim.health()).toBe(0);
    swim.handle("udp://x", alive("me", { generation: 3 }), 20);
    expect(swim.counters.nameConflicts).toBe(1);
  });
});

describe("join and push-pull", () => {
  it("join asks for a push-pull with every usable seed and sends each our alive", () => {
    const swim = make({}, { addresses: ["udp://me", "mem://me"] });
    swim.drain();
    swim.join(["udp://s1", "udp://me", "ws://s2", "mem://s3", "udp://s1"], 0);
    const out = swim.drain();
    expect(out.filter((o) => o.kind === "push-pull")).toEqual([
      { kind: "push-pull", to: "udp://s1", join: true },
      { kind: "push-pull", to: "mem://s3", join: true },
    ]);
    expect(sends(out).map((s) => [s.to, s.messages[0]?.type])).toEqual([
      ["udp://s1", "alive"],
      ["mem://s3", "alive"],
    ]);
    expect(swim.joined()).toBe(false);
  });

  it("retries a seed on the push-pull timer while nobody is known", () => {
    const swim = make({ pushPullIntervalMs: 5000 });
    swim.join(["udp://s1", "udp://s2"], 0);
    swim.pushPullFailed("udp://s1", 5);
    swim.pushPullFailed("udp://s2", 5);
    swim.drain();
    const retries = runTo(swim, 20_000).filter((o) => o.kind === "push-pull");
    expect(retries.length).toBeGreaterThanOrEqual(3);
    for (const r of retries) expect(r).toMatchObject({ join: true });
    expect(swim.counters.pushPullFailures).toBe(2);
    swim.mergeRemote([member("s1")], 20_000);
    expect(swim.joined()).toBe(true);
    const periodic = runTo(swim, 40_000, true).filter((o) => o.kind === "push-pull");
    expect(periodic.length).toBeGreaterThan(0);
    for (const p of periodic) expect(p).toEqual({ kind: "push-pull", to: "udp://s1", join: false });
  });

  /** Push-pulls `swim` asks for from `from` up to `until` (acking its pings), with their times. */
  function pullsUntil(swim: Swim, until: number): [number, string][] {
    const pulls: [number, string][] = [];
    for (let at = swim.nextWakeAt(); at <= until; at = swim.nextWakeAt()) {
      for (const o of runTo(swim, at, true)) if (o.kind === "push-pull") pulls.push([at, o.to]);
    }
    return pulls;
  }

  it("a joiner still learning of members that joined with it pulls a whole list again once they stop coming", () => {
    const swim = make();
    swim.join(["udp://s1"], 0);
    swim.mergeRemote([member("s1"), member("a")], 10);
    swim.drain();
    // Members joining alongside us reach us by gossip, the last one at 450.
    for (const [name, at] of [
      ["b", 150],
      ["c", 300],
      ["d", 450],
    ] as const) {
      runTo(swim, at, true);
      swim.handle("udp://s1", alive(name), at);
    }
    const pulls = pullsUntil(swim, 3000);
    expect(pulls).toHaveLength(1);
    const [at, to] = pulls[0]!;
    // One gossip interval (200 ms) with nothing new, seen at the next check.
    expect(at).toBeGreaterThanOrEqual(450 + 200);
    expect(at).toBeLessThanOrEqual(450 + 2 * 200);
    expect(["udp://s1", "udp://a", "udp://b", "udp://c", "udp://d"]).toContain(to);
    expect(swim.counters.pushPullFailures).toBe(0);
  });

  it("a burst that goes on is pulled at most twice, and a join into a settled cluster not at all, its checks ending after three calm ones", () => {
    const busy = make();
    busy.join(["udp://s1"], 0);
    busy.mergeRemote([member("s1")], 10);
    busy.drain();
    const pulls: [number, string][] = [];
    for (let i = 0; i < 6; i++) {
      pulls.push(...pullsUntil(busy, 500 * (i + 1)));
      busy.handle("udp://s1", alive(`m${i}`), 500 * (i + 1));
    }
    pulls.push(...pullsUntil(busy, 20_000));
    // Checks at 10 + k·200: growth seen at 610, still at 810 (pull); growth at 1010, still at
    // 1210 (pull); then the watch is over.
    expect(pulls.map(([at]) => at)).toEqual([810, 1210]);

    const settled = make();
    settled.join(["udp://s1"], 0);
    settled.mergeRemote([member("s1"), member("a"), member("b")], 10);
    settled.drain();
    expect(pullsUntil(settled, 700)).toEqual([]);
    // Checks at 210, 410 and 610 found nothing: none follows (the wakes left are the probes').
    const wakes: number[] = [];
    for (let at = settled.nextWakeAt(); at <= 5000; at = settled.nextWakeAt()) {
      wakes.push(at);
      runTo(settled, at, true);
    }
    expect(wakes.filter((at) => (at - 10) % 200 === 0)).toEqual([]);
    expect(pullsUntil(settled, 20_000)).toEqual([]);
  });

  it("localMembers and mergeRemote round-trip; remote dead is only suspected, left is left", () => {
    const a = make({}, { name: "a", addresses: ["udp://a"] });
    a.mergeRemote([member("b"), member("c"), member("d")], 0);
    a.handle("udp://x", { type: "dead", name: "c", incarnation: 0n, from: "x" }, 1);
    a.handle("udp://d", { type: "dead", name: "d", incarnation: 1n, from: "d" }, 1);
    const b = make({}, { name: "b", addresses: ["udp://b"] });
    b.mergeRemote([member("c"), member("d")], 0);
    b.drain();
    b.mergeRemote(a.localMembers(), 2);
    expect(b.member("a")?.status).toBe("alive");
    expect(b.member("c")?.status).toBe("suspect");
    expect(b.member("d")?.status).toBe("left");
    expect(b.joined()).toBe(true);
  });

  it("a remote `left` of a newer generation replaces the old life, then marks it left", () => {
    const b = make();
    b.mergeRemote([member("z", { incarnation: 9n })], 0);
    b.mergeRemote([member("z", { status: "left", generation: 1, incarnation: 1n })], 1);
    expect(b.member("z")).toMatchObject({ status: "left", generation: 1, incarnation: 1n });
  });

  it("learns a remote suspect it did not know, as suspect", () => {
    const b = make();
    b.mergeRemote([member("z", { status: "suspect", incarnation: 3n })], 0);
    expect(b.member("z")).toMatchObject({ status: "suspect", incarnation: 3n });
    b.mergeRemote([member("y", { status: "dead" })], 0);
    expect(b.member("y")).toBeUndefined();
  });
});

describe("piggy-backing (SWIM §4.1)", () => {
  it("fits the budget and sends each broadcast at most retransmitMult·⌈log10(N+1)⌉ times", () => {
    const swim = make({ retransmitMult: 2 });
    swim.mergeRemote(
      ["a", "b", "c"].map((n) => member(n)),
      0,
    );
    // N = 4: limit 2 · 1 = 2.
    const first = swim.piggyback(1400, approximateSize, 0);
    expect(first).toHaveLength(3);
    expect(swim.piggyback(1400, approximateSize, 0)).toHaveLength(3);
    expect(swim.piggyback(1400, approximateSize, 0)).toHaveLength(0);
    swim.setMeta(EMPTY, 1);
    swim.mergeRemote([member("e")], 1);
    const one = swim.piggyback(approximateSize(alive("e")), approximateSize, 1);
    expect(one).toEqual([alive("e")]);
    expect(swim.pendingBroadcasts()).toBe(2);
    expect(swim.counters.broadcastsSent).toBe(7);
  });

  it("clearBroadcasts forgets everything queued (for runtimes seeding a converged view)", () => {
    const swim = make();
    swim.mergeRemote(
      ["a", "b"].map((n) => member(n)),
      0,
    );
    expect(swim.pendingBroadcasts()).toBe(2);
    swim.clearBroadcasts();
    expect(swim.pendingBroadcasts()).toBe(0);
    expect(swim.piggyback(1400, approximateSize, 0)).toEqual([]);
  });

  it("ignores message types it does not handle", () => {
    const swim = make();
    swim.drain();
    swim.handle("udp://x", { type: "state-syn", digest: [], complete: true }, 1);
    swim.handle(
      "udp://x",
      { type: "user", from: "x", name: "n", payload: EMPTY, coalesce: false, ltime: 0 },
      1,
    );
    expect(swim.drain()).toEqual([]);
  });
});

describe("seed", () => {
  it("lists unknown alive members quietly: no events, no broadcasts, and they are probed", () => {
    const swim = make();
    swim.drain();
    swim.handle("udp://x", alive("known", { incarnation: 5n }), 0);
    swim.drain();
    const before = swim.pendingBroadcasts();
    swim.seed(
      [
        member("me", { incarnation: 9n }),
        member("a"),
        member("b", { meta: new Uint8Array([1]) }),
        member("known", { incarnation: 1n }),
        member("gone", { status: "dead" }),
        member("sick", { status: "suspect" }),
        member("forged", { incarnation: 2n ** 64n - 1n }),
      ],
      10,
    );
    expect(swim.drain()).toEqual([]);
    expect(swim.pendingBroadcasts()).toBe(before);
    expect(swim.incarnation()).toBe(0n);
    expect(swim.joined()).toBe(true);
    expect(swim.members().map((m) => m.name)).toEqual(["me", "known", "a", "b"]);
    expect(swim.member("known")?.incarnation).toBe(5n);
    expect(swim.member("b")).toMatchObject({ status: "alive", meta: new Uint8Array([1]) });
    const probed = new Set<string>();
    for (let at = swim.nextWakeAt(); at < 10_000; at = swim.nextWakeAt()) {
      swim.tick(at);
      for (const send of sends(swim.drain())) {
        for (const m of send.messages) if (m.type === "ping") probed.add(m.target);
      }
    }
    expect([...probed].sort()).toEqual(["a", "b", "known"]);
  });
});
