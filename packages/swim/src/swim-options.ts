import type { Message } from "@grapevine/codec";
import type { Rng } from "@grapevine/protocol";
import type { BroadcastQueue } from "./broadcast-queue.js";
import type { SwimConfig } from "./config.js";
import { SwimConfigError } from "./config.js";
import type { MemberRegistry } from "./member-registry.js";

/** This node's own identity, as given to `Swim`. */
export interface SwimSelf {
  /** Unique member name. */
  readonly name: string;
  /** Our address URLs; their schemes decide which peers we can reach directly. */
  readonly addresses: readonly string[];
  /** Opaque application metadata advertised with every `alive`. */
  readonly meta: Uint8Array;
  /** Restart counter of this process: raise it on every restart under the same name. */
  readonly generation: number;
  /** Starting incarnation; default 0. */
  readonly incarnation?: bigint;
  /**
   * Schemes we can send to beyond those of our own addresses: a transport may dial schemes it
   * does not listen on (a dial-only WebSocket node reaches `ws://` peers; a listener answers
   * `ws-client://` peers over the links they opened).
   */
  readonly sendSchemes?: readonly string[];
}

/** Everything `Swim` needs at construction. */
export interface SwimOptions {
  /** A validated configuration (see `swimConfig`). */
  readonly config: SwimConfig;
  readonly self: SwimSelf;
  /** The only source of randomness: same seed, same run. */
  readonly rng: Rng;
  /** Current time, ms. */
  readonly now: number;
  /**
   * Seed of the hash index over member names. It changes no behaviour, only the index layout;
   * a runtime should pass a secret random value so that peers cannot choose names that collide.
   * Default 0.
   */
  readonly hashSeed?: number;
  /**
   * A dissemination queue shared with the runtime (SWIM §4.1): membership broadcasts go into it
   * (keys prefixed `m`) beside the runtime's own (state deltas, user messages), so one queue with
   * one retransmit limit, retransmitMult·⌈log10(N+1)⌉, carries everything that piggy-backs, and
   * {@link Swim.piggyback} selects from all of it. Default: a queue of swim's own.
   */
  readonly broadcasts?: BroadcastQueue<Message>;
  /**
   * Where the member table keeps its records (name, incarnation, generation, addresses,
   * metadata); by default one of its own. Nodes simulated in one process share one, so that each
   * member's record exists once; see `MemberRegistry` (and `Swim.dispose`).
   */
  readonly registry?: MemberRegistry;
}
/**
 * Check our own identity and the start time, as given to `Swim`; returns the starting
 * incarnation.
 * @throws SwimConfigError when a field is invalid.
 */
export function validateSelf(self: SwimSelf, now: number): bigint {
  if (typeof self.name !== "string" || self.name === "") {
    throw new SwimConfigError("self.name", "must be a non-empty string");
  }
  if (!Array.isArray(self.addresses)) {
    throw new SwimConfigError("self.addresses", "must be an array of address URLs");
  }
  if (!Number.isSafeInteger(self.generation) || self.generation < 0) {
    throw new SwimConfigError(
      "self.generation",
      `must be a non-negative integer (got ${self.generation})`,
    );
  }
  const incarnation = self.incarnation ?? 0n;
  if (typeof incarnation !== "bigint" || incarnation < 0n) {
    throw new SwimConfigError("self.incarnation", "must be a non-negative bigint");
  }
  if (!Number.isFinite(now)) {
    throw new SwimConfigError("now", `must be a finite number of ms (got ${now})`);
  }
  return incarnation;
}
