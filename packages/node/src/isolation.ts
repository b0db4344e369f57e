import { type Swim, type SwimConfig, suspicionTimeout } from "@grapevine/swim";
import type { HealthChangedEvent, Member } from "./events.js";

/**
 * How this node judges its own situation:
 * - `healthy`: it hears from its peers and Lifeguard's local health score is 0;
 * - `degraded`: it hears from peers but its health score is raised (missed acks, refutations);
 * - `isolated`: it knows other members but has heard no ack or nack from any of them for the
 *   isolation window, and in that time its probes of at least two of them (or of the only one)
 *   ended in silence: its network is cut, or every peer stalls. It then reports its peers as
 *   suspect in its own view (never gossiped) and declares nobody dead. The second condition keeps
 *   a member whose probe period Lifeguard stretched (a raised health score, a late timer) from
 *   being judged isolated for waiting longer than the window between two answered probes.
 */
export type HealthState = "healthy" | "degraded" | "isolated";

/**
 * The default isolation window, ms: one probe interval plus the minimum suspicion timeout for
 * `memberCount` members, the time in which a healthy member would have heard at least one answer
 * and in which a peer's failure would have been settled.
 */
export function isolationWindow(config: SwimConfig, memberCount: number): number {
  const { suspicionMult, probeIntervalMs } = config;
  return probeIntervalMs + suspicionTimeout(suspicionMult, memberCount, probeIntervalMs);
}

/**
 * How many members' probes must have ended in silence (at most the number of other members) before
 * a node that has heard nothing for the window is judged isolated: one silent probe is a failed
 * member, not a cut network.
 */
export const ISOLATION_SILENT_TARGETS = 2;

/**
 * Watches for answers from peers (a count that rises with every ack, nack or stream ack) and for
 * probes that ended in silence, and says when the node becomes isolated and when it is not any
 * more. Sans-IO: `now` comes in.
 */
export class IsolationWatch {
  private heardCount = -1;
  private lastHeardAt: number;
  private isolatedValue = false;
  /** What {@link wouldBePrepared} answers: {@link ALWAYS}, {@link NEVER} or {@link AFTER_WINDOW}. */
  private prepared = NEVER;
  /** The window {@link wouldBe} last worked out, and for how many other members. */
  private window = 0;
  private windowFor = -1;

  constructor(
    now: number,
    private readonly windowMs: (memberCount: number) => number,
  ) {
    this.lastHeardAt = now;
  }

  /** Whether the node is isolated now. */
  get isolated(): boolean {
    return this.isolatedValue;
  }

  /** The verdict {@link check} would reach at `now`, changing nothing. */
  wouldBe(now: number, answers: number, silent: number, othersKnown: number): boolean {
    if (answers !== this.heardCount || othersKnown === 0) return 0 > this.windowMs(othersKnown + 1);
    if (othersKnown !== this.windowFor) {
      // Asked several times between two steps (once per gossip round looked at): keep the last.
      this.windowFor = othersKnown;
      this.window = this.windowMs(othersKnown + 1);
    }
    return now - this.lastHeardAt > this.window && enoughSilence(silent, othersKnown);
  }

  /**
   * Fixes the inputs of {@link wouldBe} for {@link wouldBePrepared}, which then answers as
   * `wouldBe` with these inputs would, at any `now`, with one comparison: for asking at many
   * instants while nothing else changes (a runtime looking ahead over gossip rounds).
   */
  prepare(answers: number, silent: number, othersKnown: number): void {
    if (answers !== this.heardCount || othersKnown === 0) {
      this.prepared = 0 > this.windowMs(othersKnown + 1) ? ALWAYS : NEVER;
      return;
    }
    if (othersKnown !== this.windowFor) {
      this.windowFor = othersKnown;
      this.window = this.windowMs(othersKnown + 1);
    }
    this.prepared = enoughSilence(silent, othersKnown) ? AFTER_WINDOW : NEVER;
  }

  /** {@link wouldBe} at `now` with the inputs last given to {@link prepare}. */
  wouldBePrepared(now: number): boolean {
    const prepared = this.prepared;
    return prepared === AFTER_WINDOW ? now - this.lastHeardAt > this.window : prepared === ALWAYS;
  }

  /**
   * Updates the verdict at `now` from the running count of answers, the number of members whose
   * probes ended in silence since the last answer, and the number of other members known alive or
   * suspect (a node alone, or never joined, is not isolated). Returns true when the verdict
   * changed.
   */
  check(now: number, answers: number, silent: number, othersKnown: number): boolean {
    if (answers !== this.heardCount || othersKnown === 0) {
      this.heardCount = answers;
      this.lastHeardAt = now;
    }
    const isolated =
      now - this.lastHeardAt > this.windowMs(othersKnown + 1) && enoughSilence(silent, othersKnown);
    if (isolated === this.isolatedValue) return false;
    this.isolatedValue = isolated;
    return true;
  }
}

/** {@link IsolationWatch.wouldBePrepared}: isolated at any instant. */
const ALWAYS = 0;
/** {@link IsolationWatch.wouldBePrepared}: isolated at no instant. */
const NEVER = 1;
/** {@link IsolationWatch.wouldBePrepared}: isolated once the window since the last answer passed. */
const AFTER_WINDOW = 2;

function enoughSilence(silent: number, othersKnown: number): boolean {
  return silent >= Math.min(othersKnown, ISOLATION_SILENT_TARGETS);
}

/**
 * The node's health state from the isolation watch and Lifeguard's score, and the view of members
 * that goes with it.
 */
export class HealthJudge {
  private readonly watch: IsolationWatch;
  private stateValue: HealthState = "healthy";
  /** What {@link idle} answers, as {@link idleRule} worked it out. */
  private turnsIfIsolated = false;
  private turnsIfNot = false;
  /** Whether news waited when {@link idleRule} was last asked. */
  private newsWaits = false;

  constructor(now: number, windowMs: (memberCount: number) => number) {
    this.watch = new IsolationWatch(now, windowMs);
  }

  /** A judge with a fixed window, or (`undefined`) the default {@link isolationWindow}. */
  static create(now: number, config: SwimConfig, fixedWindowMs: number | undefined): HealthJudge {
    return new HealthJudge(now, (members) =>
      fixedWindowMs === undefined ? isolationWindow(config, members) : fixedWindowMs,
    );
  }

  /** The current state. */
  get state(): HealthState {
    return this.stateValue;
  }

  /** Judges again at `now` from the detector's counters; the event when the state changed. */
  judge(now: number, swim: Swim): HealthChangedEvent | undefined {
    const others = Math.max(0, swim.aliveCount() - 1);
    this.watch.check(now, answersOf(swim), swim.silentProbeTargets(), others);
    const state = stateOf(this.watch.isolated, swim);
    if (state === this.stateValue) return undefined;
    const previous = this.stateValue;
    this.stateValue = state;
    return { type: "health-changed", state, previous, at: now };
  }

  /**
   * Whether judging at `now` would change anything (the verdict or the state), with the detector
   * as it is: between two steps the only thing that moves is time.
   */
  turnsAt(now: number, swim: Swim): boolean {
    const others = Math.max(0, swim.aliveCount() - 1);
    const isolated = this.watch.wouldBe(now, answersOf(swim), swim.silentProbeTargets(), others);
    return isolated !== this.watch.isolated || stateOf(isolated, swim) !== this.stateValue;
  }

  /**
   * The gossip rounds' idle test for many instants (`GossipHost.idleRule`): a round at `at` is idle
   * when no news waits (`news` false) and judging then would change nothing ({@link turnsAt}),
   * for the detector as it is now. `idle(at)` then answers with one comparison.
   */
  idleRule(news: boolean, swim: Swim): { idle(at: number): boolean } {
    this.newsWaits = news;
    const others = Math.max(0, swim.aliveCount() - 1);
    this.watch.prepare(answersOf(swim), swim.silentProbeTargets(), others);
    const isolated = this.watch.isolated;
    this.turnsIfIsolated = !isolated || stateOf(true, swim) !== this.stateValue;
    this.turnsIfNot = isolated || stateOf(false, swim) !== this.stateValue;
    return this;
  }

  /** See {@link idleRule}. */
  idle(at: number): boolean {
    const turns = this.watch.wouldBePrepared(at) ? this.turnsIfIsolated : this.turnsIfNot;
    return !this.newsWaits && !turns;
  }

  /**
   * A member as the application sees it: while isolated, the peers this node cannot reach show as
   * suspect (in this view only: nothing is gossiped, nobody is declared dead).
   */
  view(member: Member): Member {
    if (!this.watch.isolated || member.local || member.status !== "alive") return member;
    return { ...member, status: "suspect" };
  }
}

/** Answers the detector has had to its probes (acks, nacks, stream acks): signs of being heard. */
function answersOf(swim: Swim): number {
  const c = swim.counters;
  return c.acksReceived + c.nacksReceived + c.streamProbeAcks;
}

function stateOf(isolated: boolean, swim: Swim): HealthState {
  if (isolated) return "isolated";
  return swim.health() > 0 ? "degraded" : "healthy";
}
