import type { ClusterState } from "@grapevine/state";
import type { Swim } from "@grapevine/swim";
import type { NodeCounters } from "./counters.js";
import type { Dissemination } from "./dissemination.js";
import type { ClusterEvent } from "./events.js";
import { inputLimits } from "./limits.js";
import type { NodeCoreOptions, ResolvedTiming } from "./options.js";
import type { Outbox } from "./outbox.js";
import { type SharedSync, sharedSyncFor } from "./shared-sync.js";
import type { StateSync } from "./state-sync.js";
import { Telemetry } from "./telemetry.js";

/** What {@link ClusterScoped} needs of the core it serves. */
export interface ClusterScopedHost {
  readonly name: string;
  readonly swim: Swim;
  readonly outbox: Outbox;
  readonly dissemination: Dissemination;
  readonly counters: NodeCounters;
  readonly state: ClusterState;
  readonly stateSync: StateSync;
  readonly timing: ResolvedTiming;
  emit(event: ClusterEvent): void;
}

/**
 * What the core holds for the cluster as a whole rather than for one member: the cluster-scoped
 * keyspace ({@link SharedSync}) and telemetry ({@link Telemetry}). The core calls
 * {@link afterStep} once per step; the shared keyspace's digest rounds run from there on the
 * anti-entropy period, so the core's schedule needs no task of its own for them.
 */
export class ClusterScoped {
  /** The cluster-scoped keyspace. */
  readonly shared: SharedSync;
  /** Telemetry records and aggregates. */
  readonly stats: Telemetry;
  private nextRoundAt = -Infinity;

  constructor(
    options: NodeCoreOptions,
    private readonly host: ClusterScopedHost,
  ) {
    const limits = inputLimits(options);
    const wallOffsetMs = options.wallClockOffsetMs ?? 0;
    this.shared = sharedSyncFor(options, { ...host, limits });
    this.stats = new Telemetry({ ...host, wallOffsetMs }, options.stats);
  }

  /**
   * After every step at `now`: the away rule and tombstone collection, a digest round when one
   * is due (running nodes only), and a telemetry flush when the budget allows.
   */
  afterStep(now: number, connected: boolean, running: boolean): void {
    this.shared.observe(now, connected);
    const period = this.host.timing.antiEntropyIntervalMs;
    if (running && period > 0 && now >= this.nextRoundAt) {
      if (this.nextRoundAt !== -Infinity) this.shared.antiEntropy(now);
      this.nextRoundAt = now + period;
    }
    this.stats.flushDue(now);
  }
}
