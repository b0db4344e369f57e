/**
 * Swim's configuration: the timing constants of SWIM and Lifeguard, three presets with
 * memberlist's numbers, and validation with errors that name the field at fault.
 */

import { GrapevineError } from "@grapevine/protocol";

/**
 * Ablation switches for the three Lifeguard refinements (Lifeguard §3). All on by default;
 * turning one off restores plain SWIM behaviour for that part, to measure what it buys.
 */
export interface LifeguardSwitches {
  /**
   * Local health awareness (Lifeguard §3.1): missed acks, missing nacks and refutations raise a
   * score that stretches this node's own probe interval and probe timeout.
   */
  readonly awareness: boolean;
  /**
   * Dynamic suspicion timeout (Lifeguard §3.2): start at the maximum and shrink as independent
   * members confirm the suspicion. Off: a fixed timeout equal to the minimum.
   */
  readonly dynamicSuspicion: boolean;
  /**
   * Buddy system (Lifeguard §3.3): a ping to a suspect member carries the suspicion first, so the
   * member can refute at once.
   */
  readonly buddy: boolean;
}

/** Every tunable of the failure detector. Durations are milliseconds. */
export interface SwimConfig {
  /** Protocol period T′: one member is probed per period (SWIM §3). */
  readonly probeIntervalMs: number;
  /**
   * Longest wait for a direct ack before asking others (SWIM §3). Must be < the interval. The
   * wait adapts to the round trips measured: srtt + 4·rttvar (RFC 6298 §2), no less than
   * `minProbeTimeoutMs`; both are stretched by local health.
   */
  readonly probeTimeoutMs: number;
  /**
   * Shortest wait for a direct ack, ms; at most `probeTimeoutMs` (equal turns the adaptation
   * off). A wait cut short costs only the fallbacks (a second ping, `ping-req`s and a stream
   * probe), never a suspicion: an ack arriving later in the period still counts. What it buys is
   * an earlier verdict on a crashed member, whose refused stream probe settles the probe at once.
   */
  readonly minProbeTimeoutMs: number;
  /** K: how many members are asked to probe indirectly with `ping-req` (SWIM §3.1). */
  readonly indirectChecks: number;
  /**
   * Also ask the runtime to probe over its reliable stream channel when the direct probe times
   * out (emits a `stream-probe` output; the runtime answers with `streamProbeResult`).
   */
  readonly streamProbe: boolean;
  /**
   * How long a stream probe may take from its start (the probe timeout), ms. The suspicion waits
   * for it past the end of the period when it is still pending: a TCP connection whose SYN or
   * SYN-ACK is lost once connects only after the initial retransmission timeout (1 s, RFC 6298
   * §2.1), so a shorter wait turns one lost packet into a false suspicion. A refused stream is a
   * verdict at once, so a crashed member is suspected no later for it; a host that went silent
   * is, by at most the part of this beyond the period.
   */
  readonly streamProbeTimeoutMs: number;
  /** Runtime-facing: how often the runtime gossips to `gossipFanout` random members. */
  readonly gossipIntervalMs: number;
  /** Runtime-facing: how many members each gossip round goes to. */
  readonly gossipFanout: number;
  /**
   * Dead and left members stay in the list this long: they are still gossiped about, still
   * offered as gossip targets (so a wrongly declared member hears of it), then forgotten.
   */
  readonly gossipToTheDeadMs: number;
  /**
   * Base period of the full push-pull state exchange (stretched for clusters larger than 32, as
   * memberlist does). 0 disables the periodic exchange; joins still push-pull.
   */
  readonly pushPullIntervalMs: number;
  /** Each broadcast is sent at most retransmitMult·⌈log10(N+1)⌉ times (SWIM §4.1). */
  readonly retransmitMult: number;
  /** Minimum suspicion timeout = suspicionMult·max(1, log10 N)·probeInterval (SWIM §4.2). */
  readonly suspicionMult: number;
  /** Maximum suspicion timeout = suspicionMaxTimeoutMult·minimum (Lifeguard §3.2). */
  readonly suspicionMaxTimeoutMult: number;
  /**
   * Largest factor by which local health stretches our probe interval and timeout
   * (Lifeguard §3.1); the health score runs from 0 to awarenessMaxMultiplier − 1.
   */
  readonly awarenessMaxMultiplier: number;
  /**
   * Capacity of the membership broadcast queue (entries, one per member at most). When full the
   * most-sent entry is dropped to make room; push-pull repairs what is lost.
   */
  readonly broadcastQueueLimit: number;
  /** Lifeguard ablation switches. */
  readonly lifeguard: LifeguardSwitches;
}

/** Names of the presets. */
export type SwimPresetName = "lan" | "wan" | "local";

/** A partial configuration laid over a preset; `lifeguard` may itself be partial. */
export type SwimConfigOverrides = Partial<Omit<SwimConfig, "lifeguard">> & {
  readonly lifeguard?: Partial<LifeguardSwitches>;
};

const allLifeguard: LifeguardSwitches = Object.freeze({
  awareness: true,
  dynamicSuspicion: true,
  buddy: true,
});

const lan: SwimConfig = {
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  minProbeTimeoutMs: 100,
  indirectChecks: 3,
  streamProbe: true,
  streamProbeTimeoutMs: 1500,
  gossipIntervalMs: 200,
  gossipFanout: 3,
  gossipToTheDeadMs: 30_000,
  pushPullIntervalMs: 30_000,
  retransmitMult: 4,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  awarenessMaxMultiplier: 8,
  broadcastQueueLimit: 4096,
  lifeguard: allLifeguard,
};

/**
 * The presets, with memberlist's numbers: `lan` (DefaultLANConfig), `wan` (DefaultWANConfig),
 * `local` (one machine, tests). Frozen; derive variants with {@link swimConfig}.
 */
export const swimPresets: Readonly<Record<SwimPresetName, SwimConfig>> = Object.freeze({
  lan: Object.freeze(lan),
  wan: Object.freeze({
    ...lan,
    probeIntervalMs: 5000,
    probeTimeoutMs: 3000,
    minProbeTimeoutMs: 600,
    streamProbeTimeoutMs: 4000,
    gossipIntervalMs: 500,
    gossipFanout: 4,
    retransmitMult: 4,
    suspicionMult: 6,
    pushPullIntervalMs: 60_000,
    gossipToTheDeadMs: 60_000,
  }),
  local: Object.freeze({
    ...lan,
    probeIntervalMs: 1000,
    probeTimeoutMs: 200,
    minProbeTimeoutMs: 50,
    streamProbeTimeoutMs: 1200,
    indirectChecks: 1,
    gossipIntervalMs: 100,
    retransmitMult: 3,
    suspicionMult: 3,
    pushPullIntervalMs: 15_000,
    gossipToTheDeadMs: 15_000,
  }),
});

/**
 * A configuration field that is missing, of the wrong type, out of range or inconsistent with
 * another field. `field` names it (`lifeguard.buddy` for nested ones); `reason` says why. Its
 * `code` is always `invalid-config`.
 */
export class SwimConfigError extends GrapevineError<"invalid-config"> {
  /** The offending field. */
  readonly field: string;
  /** Why it was rejected. */
  readonly reason: string;

  constructor(field: string, reason: string) {
    super("invalid-config", `swim config: ${field} ${reason}`);
    this.name = "SwimConfigError";
    this.field = field;
    this.reason = reason;
  }
}

/**
 * Build a validated, frozen configuration from a preset and overrides.
 *
 * @throws SwimConfigError when an override is unknown, mistyped or out of range.
 */
export function swimConfig(
  preset: SwimPresetName = "lan",
  overrides: SwimConfigOverrides = {},
): SwimConfig {
  const base = swimPresets[preset];
  if (base === undefined) {
    throw new SwimConfigError("preset", `must be one of lan, wan, local (got ${String(preset)})`);
  }
  const merged = {
    ...base,
    ...overrides,
    lifeguard: { ...base.lifeguard, ...(overrides.lifeguard ?? {}) },
  };
  return validateSwimConfig(merged);
}

type NumberRule = { min: number; integer: boolean; allowZero: boolean };

/** A duration, ms: positive. */
const MS: NumberRule = { min: 0, integer: false, allowZero: false };
/** A duration that 0 turns off, ms. */
const MS_OR_OFF: NumberRule = { min: 0, integer: false, allowZero: true };
/** A count that may be 0. */
const COUNT: NumberRule = { min: 0, integer: true, allowZero: true };
/** A count or multiplier of at least 1. */
const AT_LEAST_ONE: NumberRule = { min: 1, integer: true, allowZero: false };

const numberRules: Record<Exclude<keyof SwimConfig, "lifeguard" | "streamProbe">, NumberRule> = {
  probeIntervalMs: MS,
  probeTimeoutMs: MS,
  minProbeTimeoutMs: MS,
  indirectChecks: COUNT,
  streamProbeTimeoutMs: MS,
  gossipIntervalMs: MS,
  gossipFanout: COUNT,
  gossipToTheDeadMs: MS_OR_OFF,
  pushPullIntervalMs: MS_OR_OFF,
  retransmitMult: AT_LEAST_ONE,
  suspicionMult: AT_LEAST_ONE,
  suspicionMaxTimeoutMult: AT_LEAST_ONE,
  awarenessMaxMultiplier: AT_LEAST_ONE,
  broadcastQueueLimit: AT_LEAST_ONE,
};

const lifeguardKeys: readonly (keyof LifeguardSwitches)[] = [
  "awareness",
  "dynamicSuspicion",
  "buddy",
];

/**
 * Check a complete configuration and return it frozen. Rejects unknown keys (a misspelt
 * override would otherwise be silently ignored), non-finite or out-of-range numbers, fractional
 * counts, and a probe timeout that does not fit inside the probe interval.
 *
 * @throws SwimConfigError naming the first offending field.
 */
export function validateSwimConfig(config: SwimConfig): SwimConfig {
  if (typeof config !== "object" || config === null) {
    throw new SwimConfigError("config", "must be an object");
  }
  const known = new Set<string>([...Object.keys(numberRules), "streamProbe", "lifeguard"]);
  for (const key of Object.keys(config)) {
    if (!known.has(key)) throw new SwimConfigError(key, "is not a known setting");
  }
  for (const [field, rule] of Object.entries(numberRules) as [
    keyof typeof numberRules,
    NumberRule,
  ][]) {
    const value: unknown = config[field];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new SwimConfigError(field, `must be a finite number (got ${describe(value)})`);
    }
    if (rule.integer && !Number.isInteger(value)) {
      throw new SwimConfigError(field, `must be an integer (got ${value})`);
    }
    if (value < rule.min || (!rule.allowZero && value === 0)) {
      const bound = rule.allowZero ? `>= ${rule.min}` : rule.min === 0 ? "> 0" : `>= ${rule.min}`;
      throw new SwimConfigError(field, `must be ${bound} (got ${value})`);
    }
  }
  if (typeof config.streamProbe !== "boolean") {
    throw new SwimConfigError(
      "streamProbe",
      `must be a boolean (got ${describe(config.streamProbe)})`,
    );
  }
  const lifeguard: unknown = config.lifeguard;
  if (typeof lifeguard !== "object" || lifeguard === null) {
    throw new SwimConfigError(
      "lifeguard",
      "must be an object with awareness, dynamicSuspicion, buddy",
    );
  }
  for (const key of Object.keys(lifeguard)) {
    if (!(lifeguardKeys as readonly string[]).includes(key)) {
      throw new SwimConfigError(`lifeguard.${key}`, "is not a known setting");
    }
  }
  for (const key of lifeguardKeys) {
    const value: unknown = (lifeguard as Record<string, unknown>)[key];
    if (typeof value !== "boolean") {
      throw new SwimConfigError(`lifeguard.${key}`, `must be a boolean (got ${describe(value)})`);
    }
  }
  if (config.probeTimeoutMs >= config.probeIntervalMs) {
    throw new SwimConfigError(
      "probeTimeoutMs",
      `must be less than probeIntervalMs, leaving time for indirect probes (got ${config.probeTimeoutMs} >= ${config.probeIntervalMs})`,
    );
  }
  if (config.minProbeTimeoutMs > config.probeTimeoutMs) {
    throw new SwimConfigError(
      "minProbeTimeoutMs",
      `must be <= probeTimeoutMs (got ${config.minProbeTimeoutMs} > ${config.probeTimeoutMs})`,
    );
  }
  return Object.freeze({ ...config, lifeguard: Object.freeze({ ...config.lifeguard }) });
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  return String(value);
}
