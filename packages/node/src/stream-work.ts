import type { Message, OwnerDelta, PushPullMember } from "@grapevine/codec";
import type { ClusterState } from "@grapevine/state";
import type { Swim } from "@grapevine/swim";
import type { NodeCounters } from "./counters.js";
import type { ResolvedTiming } from "./options.js";
import type { Outbox } from "./outbox.js";
import { pushPullMessage } from "./push-pull.js";
import { type StreamExchange, StreamExchanges } from "./stream-exchanges.js";

/** What {@link StreamWork} needs of the core it serves. */
export interface StreamWorkHost {
  readonly name: string;
  readonly addresses: readonly string[];
  readonly swim: Swim;
  readonly state: ClusterState;
  readonly outbox: Outbox;
  readonly counters: NodeCounters;
  readonly timing: ResolvedTiming;
  /** Ends exchange `id` at `at` if it is still open then. */
  deadline(at: number, id: number): void;
  mergePushPull(
    members: readonly PushPullMember[],
    delta: readonly OwnerDelta[],
    now: number,
  ): void;
}

/**
 * The core's stream exchanges: push-pulls (periodic, reconnect and join) and fallback probes
 * (memberlist's TCP ping), each a request frame and one reply, ended by the reply, a failure
 * reported by the runtime or the core's own deadline, whichever comes first. Joins count the
 * seeds that answered.
 */
export class StreamWork {
  private readonly exchanges = new StreamExchanges();
  /** The join whose push-pulls swim is asking for right now. */
  joining: number | undefined;

  constructor(private readonly host: StreamWorkHost) {}

  /** A fallback probe of `target` through `to` over the stream channel. */
  probe(to: string, target: string, seq: number, now: number, timeoutMs: number): void {
    const { host } = this;
    const ping: Message = {
      type: "ping",
      seq,
      target,
      source: host.name,
      sourceAddresses: host.addresses,
    };
    host.counters.streamProbes += 1;
    if (!this.open(to, [ping], { purpose: "probe", seq }, now + timeoutMs, now)) {
      host.swim.streamProbeResult(seq, false, now);
    }
  }

  /** A push-pull with `to`; `join` marks a join (counted for the join in progress, if any). */
  pushPull(to: string, join: boolean, now: number): void {
    const { host } = this;
    const link = host.outbox.linkFor(to);
    if (link === undefined) {
      host.swim.pushPullFailed(to, now);
      return;
    }
    host.counters.pushPulls += 1;
    const budget = host.outbox.builder.budget(link.maxFrameBytes);
    const frame = pushPullMessage(host.swim, host.state, { join, reply: false }, budget);
    const what = { purpose: "push-pull", join: join ? this.joining : undefined } as const;
    if (!this.open(to, [frame], what, now + host.timing.streamTimeoutMs, now)) {
      host.counters.pushPullFailures += 1;
      host.swim.pushPullFailed(to, now);
    }
  }

  /** Whether exchange `id` is still open. */
  isOpen(id: number): boolean {
    return this.exchanges.has(id);
  }

  /** Ends exchange `id` with the decoded reply, or `undefined` when it failed. */
  settle(id: number, reply: readonly Message[] | undefined, now: number): void {
    const exchange = this.exchanges.settle(id);
    if (exchange !== undefined) this.complete(exchange, reply, now);
  }

  /**
   * A join (`NodeCore.join`): `ask` has swim ask for its push-pulls (counted for this join) and
   * its `alive`s; without seeds to ask (`null`) the join is over at once. Returns the join's token;
   * `setDeadline` is called with it while seeds are awaited.
   */
  join(ask: (() => void) | null, setDeadline: (token: number) => void): number {
    const token = this.startJoin();
    if (ask !== null) {
      this.joining = token;
      try {
        ask();
      } finally {
        this.joining = undefined;
      }
    }
    if (this.joinPending(token)) setDeadline(token);
    else this.finishJoin(token);
    return token;
  }

  /** Starts a join; returns its token. */
  startJoin(): number {
    return this.exchanges.startJoin();
  }

  /** Whether join `token` still waits for a seed. */
  joinPending(token: number): boolean {
    return this.exchanges.joinPending(token);
  }

  /** Ends join `token` (at its deadline, or when every seed answered) with a `join-done`. */
  finishJoin(token: number): void {
    const joined = this.exchanges.finishJoin(token);
    if (joined !== undefined) this.host.outbox.outputs.push({ kind: "join-done", token, joined });
  }

  private open(
    to: string,
    request: readonly Message[],
    what: Pick<StreamExchange, "purpose"> & Partial<Pick<StreamExchange, "seq" | "join">>,
    deadlineAt: number,
    now: number,
  ): boolean {
    const id = this.exchanges.open({ ...what, to, startedAt: now });
    if (!this.host.outbox.stream(id, to, request, what.purpose, deadlineAt)) {
      this.exchanges.settle(id);
      if (what.join !== undefined) this.exchanges.joinSettled(what.join, false);
      return false;
    }
    this.host.deadline(deadlineAt, id);
    return true;
  }

  private complete(exchange: StreamExchange, reply: readonly Message[] | undefined, now: number) {
    const { host } = this;
    if (exchange.purpose === "probe") {
      const acked = reply?.some((m) => m.type === "ack" && m.seq === exchange.seq) ?? false;
      host.swim.streamProbeResult(exchange.seq ?? -1, acked, now);
      return;
    }
    let answered = false;
    for (const msg of reply ?? []) {
      if (msg.type !== "push-pull") continue;
      host.mergePushPull(msg.members, msg.delta, now);
      answered = true;
    }
    if (answered) {
      host.counters.pushPullMs += now - exchange.startedAt;
    } else {
      host.counters.pushPullFailures += 1;
      host.swim.pushPullFailed(exchange.to, now);
    }
    if (exchange.join !== undefined && this.exchanges.joinSettled(exchange.join, answered)) {
      this.finishJoin(exchange.join);
    }
  }
}
