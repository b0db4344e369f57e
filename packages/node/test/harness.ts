import { type Rng, type SwimConfig, seededRng, swimConfig } from "@grapevine/swim";
import type { ClusterEvent } from "../src/events.js";
import { NodeCore } from "../src/node-core.js";
import type { NodeCoreOptions } from "../src/options.js";
import type { NodeOutput } from "../src/outputs.js";
import type { QuerySummary } from "../src/query-options.js";

/** A datagram or stream request in flight between two cores. */
export type InFlight =
  | {
      readonly kind: "datagram";
      readonly from: string;
      readonly to: string;
      readonly bytes: Uint8Array;
    }
  | {
      readonly kind: "stream";
      readonly from: string;
      readonly to: string;
      readonly id: number;
      readonly bytes: Uint8Array;
    };

/** What one core produced that a test looks at. */
export interface Observed {
  readonly events: ClusterEvent[];
  readonly joins: Map<number, number>;
  leaves: number;
  /** Queries handed to this core's application (`query-request` outputs). */
  readonly requests: Extract<NodeOutput, { kind: "query-request" }>[];
  /** Acks and answers to this core's queries, with the time they arrived. */
  readonly answers: Extract<NodeOutput, { kind: "query-answer" }>[];
  /** Summaries of this core's ended queries. */
  readonly done: QuerySummary[];
}

/** A query handler of the harness: answers at once with what it returns (undefined: no answer). */
export type Handler = (payload: Uint8Array, self: string) => Uint8Array | undefined;

/** A core's options as a test makes them: one `mem` link, generation 1, no metadata. */
export function memCoreOptions(
  name: string,
  config: SwimConfig,
  rng: Rng,
  now = 0,
): NodeCoreOptions {
  return {
    name,
    addresses: [`mem://${name}`],
    links: [{ schemes: ["mem"], mtu: 1400, maxFrameBytes: 1 << 20 }],
    config,
    rng,
    now,
    generation: 1,
    meta: new Uint8Array(0),
  };
}

/**
 * A few node cores wired by hand: the test decides what is delivered, dropped or duplicated, and
 * when each core ticks. Time is a plain number; nothing here is asynchronous.
 */
export class CoreNet {
  now = 0;
  readonly cores = new Map<string, NodeCore>();
  readonly observed = new Map<string, Observed>();
  readonly inFlight: InFlight[] = [];
  /** Nodes cut off from everyone: what they send and what is sent to them is lost. */
  readonly cut = new Set<string>();
  /** Links that lose everything one way, as `from>to` (a member blocked from one peer only). */
  readonly blocked = new Set<string>();
  /** Called after each step with the events it produced (a test's "event handler"). */
  onEvents: (name: string, events: readonly ClusterEvent[]) => void = () => {};
  /** Fraction of datagrams lost in {@link deliver} (from a seeded source). */
  loss = 0;
  private readonly lossRng = seededRng(0x1055);
  /** Datagrams on their way in {@link runDelayed}, with the time each arrives. */
  private readonly delayed: Array<{ at: number; m: InFlight }> = [];
  /** Query handlers every core runs, by query name. */
  readonly handlers = new Map<string, Handler>();

  /**
   * @param extra options of each core beyond the harness's own (e.g. `coordinates: false` for a
   *   member from before coordinates).
   */
  constructor(
    names: readonly string[],
    seed: number,
    config = swimConfig("local", {}),
    extra: (name: string) => Partial<NodeCoreOptions> = () => ({}),
  ) {
    for (const name of names) {
      const core = new NodeCore({
        ...memCoreOptions(name, config, seededRng(seed * 7919 + this.cores.size), this.now),
        streamTimeoutMs: 5_000,
        ...extra(name),
      });
      this.cores.set(name, core);
      this.observed.set(name, {
        ...{ events: [], joins: new Map(), leaves: 0 },
        ...{ requests: [], answers: [], done: [] },
      });
    }
    for (const name of names) this.step(name, (now, core) => core.start(now));
  }

  core(name: string): NodeCore {
    const c = this.cores.get(name);
    if (!c) throw new Error(`no core ${name}`);
    return c;
  }

  /** Every one of `names` asks to join through `seed` (`mem://<seed>`), one step each. */
  joinThrough(seed: string, names: readonly string[]): void {
    for (const n of names) this.step(n, (now, c) => c.join([`mem://${seed}`], now));
  }

  /** Runs `fn` on one core at the current time and collects what it produced. */
  step(name: string, fn: (now: number, core: NodeCore) => void): void {
    const core = this.core(name);
    fn(this.now, core);
    const seen = this.observed.get(name)!;
    const events: ClusterEvent[] = [];
    for (const out of core.drain()) {
      switch (out.kind) {
        case "datagram":
          this.inFlight.push({
            kind: "datagram",
            from: name,
            to: nameOf(out.to),
            bytes: out.bytes,
          });
          break;
        case "stream":
          this.inFlight.push({
            kind: "stream",
            from: name,
            to: nameOf(out.to),
            id: out.id,
            bytes: out.bytes,
          });
          break;
        case "event":
          events.push(out.event);
          break;
        case "join-done":
          seen.joins.set(out.token, out.joined);
          break;
        case "leave-done":
          seen.leaves += 1;
          break;
        case "query-request":
          seen.requests.push(out);
          break;
        case "query-answer":
          seen.answers.push(out);
          break;
        case "query-done":
          seen.done.push(out.summary);
          break;
      }
    }
    const requests = seen.requests.splice(0);
    for (const r of requests) {
      const answer = this.handlers.get(r.name)?.(r.payload, name);
      if (answer !== undefined) core.respondQuery(r.token, answer, this.now);
    }
    seen.requests.push(...requests);
    if (requests.length > 0) {
      for (const out of core.drain()) {
        if (out.kind === "datagram") {
          this.inFlight.push({
            kind: "datagram",
            from: name,
            to: nameOf(out.to),
            bytes: out.bytes,
          });
        } else if (out.kind === "query-answer") {
          seen.answers.push(out);
        } else if (out.kind === "query-done") {
          seen.done.push(out.summary);
        }
      }
    }
    seen.events.push(...events);
    if (events.length > 0) this.onEvents(name, events);
  }

  /** Delivers one message in flight (a stream request is answered at once). */
  deliver(m: InFlight): void {
    if (!this.cores.has(m.to) || this.cut.has(m.to) || this.cut.has(m.from)) return;
    if (this.blocked.has(`${m.from}>${m.to}`)) return;
    if (m.kind === "datagram") {
      if (this.loss > 0 && this.lossRng.next() < this.loss) return;
      this.step(m.to, (now, core) => core.handleDatagram(`mem://${m.from}`, m.bytes, now));
      return;
    }
    let reply: Uint8Array | undefined;
    this.step(m.to, (now, core) => {
      reply = core.handleStreamFrame(`mem://${m.from}`, m.bytes, now);
    });
    this.step(m.from, (now, core) => core.handleStreamReply(m.id, reply, now));
  }

  /** Ticks every core that is due at the current time. */
  tickDue(): void {
    for (const [name, core] of this.cores) {
      if (core.nextWakeAt() <= this.now) this.step(name, (now, c) => c.tick(now));
    }
  }

  /** Fair delivery: everything in flight arrives, cores tick when due, for `ms` of time. */
  runFair(ms: number, stepMs = 10): void {
    const end = this.now + ms;
    while (this.now < end) {
      while (this.inFlight.length > 0) this.deliver(this.inFlight.shift()!);
      this.tickDue();
      while (this.inFlight.length > 0) this.deliver(this.inFlight.shift()!);
      this.now += stepMs;
    }
  }

  /**
   * Runs for `ms` in 1 ms steps as a loaded machine would: every datagram takes `delayMs` to
   * arrive, and a core due to wake wakes up to `lagMs` late (a timer that fires late; how late
   * varies from wake to wake, deterministically).
   */
  runDelayed(ms: number, delayMs: number, lagMs = 0): void {
    const queue = this.delayed;
    const take = () => {
      for (const m of this.inFlight.splice(0)) queue.push({ at: this.now + delayMs, m });
    };
    const end = this.now + ms;
    while (this.now < end) {
      take();
      while (queue.length > 0 && queue[0]!.at <= this.now) {
        this.deliver(queue.shift()!.m);
        take();
      }
      for (const [name, core] of this.cores) {
        const due = core.nextWakeAt();
        if (due + ((Math.imul(Math.floor(due), 0x9e3779b1) >>> 0) % (lagMs + 1)) <= this.now) {
          this.step(name, (now, c) => c.tick(now));
        }
      }
      this.now += 1;
    }
  }

  /** Runs fair delivery in small steps until `done()` or `limitMs`; returns the time it took. */
  runUntil(done: () => boolean, limitMs: number): number {
    const start = this.now;
    while (!done()) {
      if (this.now - start > limitMs) throw new Error(`not within ${limitMs} ms`);
      this.runFair(10, 10);
    }
    return this.now - start;
  }
}

function nameOf(address: string): string {
  return address.replace(/^mem:\/\//, "");
}

/** Hands every core of `net` the full member list, as a converged cluster would have it. */
export function converge(net: CoreNet): void {
  const members = [...net.cores.keys()].map((name) => ({
    name,
    incarnation: 0n,
    generation: 1,
    status: "alive" as const,
    addresses: [`mem://${name}`],
    meta: new Uint8Array(0),
  }));
  for (const name of net.cores.keys()) net.step(name, (now, core) => core.seed(members, now));
}

/** `count` node names: n0, n1, ... */
export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${i}`);
}
