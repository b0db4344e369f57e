import {
  ClusterState,
  DEFAULT_DEAD_OWNER_GRACE_MS,
  DEFAULT_TOMBSTONE_GRACE_MS,
} from "@grapevine/state";
import { Swim } from "@grapevine/swim";
import type { Dissemination } from "./dissemination.js";
import type { InputLimits } from "./limits.js";
import type { NodeCoreOptions } from "./options.js";

/**
 * The node core's failure detector for `options`, advertising `addresses` and spending the
 * broadcast queue of `dissemination`.
 */
export function createSwim(
  options: NodeCoreOptions,
  addresses: readonly string[],
  dissemination: Dissemination,
): Swim {
  return new Swim({
    config: options.config,
    self: {
      name: options.name,
      addresses,
      meta: options.meta,
      generation: options.generation,
      sendSchemes: options.links.flatMap((l) => l.schemes),
      ...(options.initialIncarnation ? { incarnation: options.initialIncarnation } : {}),
    },
    rng: options.rng,
    now: options.now,
    hashSeed: options.hashSeed ?? 0,
    broadcasts: dissemination.queue,
    ...(options.memberRegistry ? { registry: options.memberRegistry } : {}),
  });
}

/**
 * The node core's state store for `options`, and the grace before its tombstones and a dead
 * owner's keys are collected (the shorter of the two, for the state sync's ticks).
 */
export function createState(
  options: NodeCoreOptions,
  limits: InputLimits,
): { readonly state: ClusterState; readonly graceMs: number } {
  const tombstoneGraceMs = options.tombstoneGraceMs ?? DEFAULT_TOMBSTONE_GRACE_MS;
  const deadOwnerGraceMs = options.deadOwnerGraceMs ?? DEFAULT_DEAD_OWNER_GRACE_MS;
  const state = new ClusterState({
    self: options.name,
    generation: options.generation,
    rng: options.rng,
    tombstoneGraceMs,
    deadOwnerGraceMs,
    limits: { maxKeyBytes: limits.maxKeyBytes, maxValueBytes: limits.maxValueBytes },
  });
  return { state, graceMs: Math.min(tombstoneGraceMs, deadOwnerGraceMs) };
}
