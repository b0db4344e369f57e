import type { Message, SharedDelta, SharedDigest, SharedEntry } from "@grapevine/codec";
import {
  DEFAULT_DEAD_OWNER_GRACE_MS,
  DEFAULT_MAX_CLOCK_DRIFT_MS,
  type SharedChange,
  SharedKeyspace,
  type SharedSnapshot,
} from "@grapevine/state";
import type { Swim } from "@grapevine/swim";
import type { Dissemination } from "./dissemination.js";
import type { ClusterEvent } from "./events.js";
import { checkSize, checkText, type InputLimits } from "./limits.js";
import type { NodeCoreOptions } from "./options.js";
import type { Outbox } from "./outbox.js";
import { sizeOf } from "./packet-builder.js";

/**
 * Anti-entropy periods after the last change during which a node still sends its shared digest:
 * enough that a member that missed every piggy-backed copy is reached with high probability
 * (each of N members picks one random peer per round: 1 - e^-4 ≈ 98 % per member), and nothing
 * at all in a cluster whose configuration does not change.
 */
export const SHARED_DIGEST_ROUNDS = 4;

const NOTHING: SharedDigest = { type: "shared-digest", hash: 0, count: 0 };

/** Bytes kept free in a packet beside a shared delta's entries (length prefixes that grow). */
const FRAMING_SLACK = 4;

/** What {@link SharedSync} needs of the core it serves. */
export interface SharedSyncHost {
  readonly keyspace: SharedKeyspace;
  readonly swim: Swim;
  readonly outbox: Outbox;
  readonly dissemination: Dissemination;
  readonly limits: InputLimits;
  /**
   * Wall-clock time minus the core's `now`, ms: hybrid timestamps are compared across processes,
   * so they are taken on the wall clock (Unix ms) even when the runtime's clock is monotonic.
   */
  readonly wallOffsetMs: number;
  emit(event: ClusterEvent): void;
}

/**
 * The cluster-scoped keyspace as the node core drives it:
 * - a write (local, or a peer's that was news) rides piggy-back like any broadcast, a bounded
 *   number of times, newest first;
 * - change-only anti-entropy: for {@link SHARED_DIGEST_ROUNDS} anti-entropy periods after a change
 *   the node sends its digest (hash and count, a dozen bytes) to one random member; a member whose
 *   digest differs answers with its entries (newest first, within the packet), and the first side
 *   sends back what the answer did not cover. A cluster whose configuration is idle sends nothing;
 * - every push-pull request carries the digest and the answer carries the keyspace when they
 *   differ, so a joining member learns the whole configuration, and any drift left is repaired at
 *   the push-pull interval;
 * - the away rule of {@link SharedKeyspace.observe} runs before anything a peer sends is merged.
 */
export class SharedSync {
  private roundsLeft = 0;

  constructor(private readonly host: SharedSyncHost) {}

  /** The keyspace (reads: `get`, `entries`, `digest`, counters). */
  get keyspace(): SharedKeyspace {
    return this.host.keyspace;
  }

  /** Writes `key` (throws a `LimitError` over the key or value limit). */
  set(key: string, value: Uint8Array, now: number): void {
    checkText("key", key, this.host.limits.maxKeyBytes);
    checkSize("value", value.byteLength, this.host.limits.maxValueBytes);
    const { entry, change } = this.host.keyspace.set(key, value, now + this.host.wallOffsetMs);
    this.spread([entry], change ? [change] : [], now);
  }

  /** Deletes `key`; whether it existed. */
  delete(key: string, now: number): boolean {
    const written = this.host.keyspace.delete(key, now + this.host.wallOffsetMs);
    if (written) this.spread([written.entry], written.change ? [written.change] : [], now);
    return written !== undefined;
  }

  /**
   * Follows the node's contact with its peers (after every step): applies the away rule, collects
   * tombstones that are due.
   */
  observe(now: number, connected: boolean): void {
    const { keyspace } = this.host;
    const wall = now + this.host.wallOffsetMs;
    if (keyspace.observe(wall, connected) > 0) this.roundsLeft = SHARED_DIGEST_ROUNDS;
    if (wall >= keyspace.nextCollectAt() && keyspace.collect(wall) > 0) {
      this.roundsLeft = SHARED_DIGEST_ROUNDS;
    }
  }

  /** One anti-entropy period: our digest to one random member, while changes are recent. */
  antiEntropy(now: number): void {
    this.observe(now, false);
    // Entries set aside after an absence keep the digest going until a peer has settled them.
    if (this.roundsLeft <= 0 && this.host.keyspace.quarantineSize === 0) return;
    this.roundsLeft -= 1;
    const [to] = this.host.swim.gossipTargets(1, now);
    if (to !== undefined) this.host.outbox.send(to, [this.digest()], false, now);
  }

  /** Our digest, for an anti-entropy round or a push-pull request. */
  digest(): SharedDigest {
    return { type: "shared-digest", ...this.host.keyspace.digest() };
  }

  /** A peer's digest (datagram): our entries when its digest differs from ours. */
  onDigest(from: string, msg: SharedDigest, now: number): void {
    const budget = this.host.outbox.budgetFor(from);
    const answer = budget === undefined ? undefined : this.answer(msg, budget, now);
    if (answer) this.host.outbox.send(from, [answer], true, now);
  }

  /** Our answer to a digest within `budget` bytes of messages; `undefined` when they agree. */
  answer(msg: SharedDigest, budget: number, now: number): SharedDelta | undefined {
    // Nothing leaves before the away rule had its say (a node back from an absence).
    this.observe(now, false);
    const { keyspace } = this.host;
    if (!keyspace.differs(msg.hash, msg.count)) return undefined;
    const empty: SharedDelta = {
      type: "shared-delta",
      entries: [],
      answer: true,
      hash: 0,
      count: 0,
    };
    const room = budget - sizeOf({ ...empty, ...keyspace.digest() }) - FRAMING_SLACK;
    const { entries } = keyspace.delta(Math.max(0, room));
    return { ...empty, ...keyspace.digest(), entries };
  }

  /**
   * A peer's shared delta: piggy-backed news (passed on when it was news to us), or an answer to
   * our digest (then, if we still differ, we send back what we hold).
   */
  onDelta(from: string, msg: SharedDelta, now: number): void {
    const { keyspace, dissemination } = this.host;
    this.observe(now, false);
    const kind = !msg.answer && msg.count === 0 ? "news" : "answer";
    // An answer, or what a peer sent back after ours, that holds its whole keyspace.
    const complete = (msg.answer || msg.count > 0) && msg.entries.length === msg.count;
    const wall = now + this.host.wallOffsetMs;
    const result = keyspace.merge(msg.entries, wall, complete ? "complete" : kind);
    this.emitChanges(result.changes, now);
    if (result.accepted.length > 0 || result.changes.length > 0)
      this.roundsLeft = SHARED_DIGEST_ROUNDS;
    if (!msg.answer) {
      for (const e of result.accepted) dissemination.enqueueShared(e.key, deltaOf([e]));
      return;
    }
    if (!keyspace.differs(msg.hash, msg.count)) return;
    const budget = this.host.outbox.budgetFor(from);
    if (budget === undefined) return;
    const back = this.answer({ ...NOTHING, hash: msg.hash, count: msg.count }, budget, now);
    if (back) this.host.outbox.send(from, [{ ...back, answer: false }], true, now);
  }

  /** The keyspace to keep between runs (see `SharedKeyspace.snapshot`). */
  snapshot(now: number): SharedSnapshot {
    return this.host.keyspace.snapshot(now + this.host.wallOffsetMs);
  }

  /**
   * Restores a snapshot of an earlier run (see `SharedKeyspace.restore`): changes go out as
   * events, and the digest rounds start, so peers and this node settle their differences.
   */
  restore(saved: SharedSnapshot, now: number): void {
    const result = this.host.keyspace.restore(saved, now + this.host.wallOffsetMs);
    this.emitChanges(result.changes, now);
    this.roundsLeft = SHARED_DIGEST_ROUNDS;
  }

  /** What a push-pull request carries beside the PushPull: our digest, unless we hold nothing. */
  pushPullDigest(now: number): SharedDigest | undefined {
    this.observe(now, false);
    const digest = this.digest();
    return digest.count === 0 ? undefined : digest;
  }

  /**
   * A push-pull frame from a peer: what to put beside our reply (within `budget`), if anything. A
   * request without a digest comes from a peer that holds nothing.
   */
  onPushPullRequest(
    request: readonly Message[],
    budget: number,
    now: number,
  ): SharedDelta | undefined {
    const digest = request.find((m) => m.type === "shared-digest") ?? NOTHING;
    return this.answer(digest, budget, now);
  }

  private spread(entries: SharedEntry[], changes: readonly SharedChange[], now: number): void {
    for (const e of entries) this.host.dissemination.enqueueShared(e.key, deltaOf([e]));
    this.roundsLeft = SHARED_DIGEST_ROUNDS;
    this.emitChanges(changes, now);
  }

  private emitChanges(changes: readonly SharedChange[], now: number): void {
    for (const c of changes) {
      this.host.emit({
        type: "shared-changed",
        key: c.key,
        oldValue: c.previous,
        newValue: c.current,
        writer: c.stamp.writer,
        at: now,
      });
    }
  }
}

function deltaOf(entries: SharedEntry[]): SharedDelta {
  return { type: "shared-delta", entries, hash: 0, count: 0, answer: false };
}

/** The core's {@link SharedSync}, with a keyspace set up from the core's options. */
export function sharedSyncFor(
  options: NodeCoreOptions,
  host: Omit<SharedSyncHost, "keyspace" | "wallOffsetMs">,
): SharedSync {
  const keyspace = new SharedKeyspace({
    self: options.name,
    graceMs: options.sharedGraceMs ?? options.deadOwnerGraceMs ?? DEFAULT_DEAD_OWNER_GRACE_MS,
    maxClockDriftMs: options.maxClockDriftMs ?? DEFAULT_MAX_CLOCK_DRIFT_MS,
    limits: { maxKeyBytes: host.limits.maxKeyBytes, maxValueBytes: host.limits.maxValueBytes },
  });
  return new SharedSync({ ...host, keyspace, wallOffsetMs: options.wallClockOffsetMs ?? 0 });
}
