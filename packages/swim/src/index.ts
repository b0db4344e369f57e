/**
 * @grapevine/swim: the SWIM failure detector with the Lifeguard refinements and the membership
 * list, as a sans-IO state machine. See README.md.
 */
export { firstSendableAddress, schemeOf, schemesOf, sharesScheme } from "./addresses.js";
export { Awareness, failedProbeAwarenessDelta } from "./awareness.js";
export { BroadcastQueue, type Recipient } from "./broadcast-queue.js";
export { ColumnArena } from "./column-arena.js";
export {
  type LifeguardSwitches,
  type SwimConfig,
  SwimConfigError,
  type SwimConfigOverrides,
  type SwimPresetName,
  swimConfig,
  swimPresets,
  validateSwimConfig,
} from "./config.js";
export { createCounters, type SwimCounters } from "./counters.js";
export {
  awarenessScaledTimeout,
  dynamicSuspicionTimeout,
  expectedConfirmations,
  nackTimeout,
  PROBE_LATENESS_ABSORBED,
  PUSH_PULL_SCALE_THRESHOLD,
  probePeriodEnd,
  pushPullInterval,
  retransmitLimit,
  suspicionTimeout,
} from "./formulas.js";
export { SMALL_CLUSTER_COPIES_FACTOR } from "./gossip.js";
export { MemberRegistry } from "./member-registry.js";
export { isLive, type MemberView } from "./members.js";
export {
  type AliveVerdict,
  aliveVerdict,
  type DeadVerdict,
  deadVerdict,
  type HeldState,
  type SuspectVerdict,
  suspectVerdict,
} from "./merge.js";
export type { MemberChange, MemberEvent, MemberEventType, SwimOutput } from "./output.js";
export { PreparedMembers } from "./prepared-members.js";
export * from "./probe-order.js";
export { type Rng, randomIndex, seededRng } from "./rng.js";
export { isSeedList, type SeedList, type SeedTarget } from "./seed.js";
export { Suspicion, type SuspicionParams } from "./suspicion.js";
export { Swim, type SwimOptions, type SwimSelf } from "./swim.js";
export { TimerSet } from "./timers.js";
