import type { Rng } from "@grapevine/protocol";
import { type LatencyModel, type LatencySampler, latencySampler } from "./latency.js";

/** Matches any node in {@link LinkRules} per-link settings. */
export const ANY_NODE = "*";

/** Why a link is cut, or `undefined` when packets may pass. */
export type CutReason = "partition" | "blocked" | undefined;

/**
 * The state of the links between nodes: default and per-link loss and latency, partitions and
 * one-way blocks. Keys are canonical `mem://` addresses; {@link ANY_NODE} matches any node in
 * per-link settings, the exact pair winning over `(from, *)`, then `(*, to)`, then the default.
 * Lookups cost nothing beyond a flag test while no per-link setting, partition or block exists,
 * which is the common case in large simulations.
 */
export class LinkRules {
  private defaultLoss: number;
  private defaultLatency: LatencySampler;
  private readonly loss = new Map<string, Map<string, number>>();
  private readonly latency = new Map<string, Map<string, LatencySampler>>();
  private readonly blocks = new Map<string, Set<string>>();
  private groups: Map<string, number> | undefined;

  constructor(loss: number, latency: LatencyModel) {
    this.defaultLoss = checkProbability(loss);
    this.defaultLatency = latencySampler(latency);
  }

  /** True while a partition or block is in force. */
  get anyCut(): boolean {
    return this.groups !== undefined || this.blocks.size > 0;
  }

  setDefaultLoss(p: number): void {
    this.defaultLoss = checkProbability(p);
  }

  setDefaultLatency(model: LatencyModel): void {
    this.defaultLatency = latencySampler(model);
  }

  setLoss(from: string, to: string, p: number | undefined): void {
    setLink(this.loss, from, to, p === undefined ? undefined : checkProbability(p));
  }

  setLatency(from: string, to: string, model: LatencyModel | undefined): void {
    setLink(this.latency, from, to, model === undefined ? undefined : latencySampler(model));
  }

  /** Loss probability of the one-way link `from → to`. */
  lossOf(from: string, to: string): number {
    if (this.loss.size === 0) return this.defaultLoss;
    return lookup(this.loss, from, to) ?? this.defaultLoss;
  }

  /** A one-way delay for `from → to` in ms, drawn from `random` where the model is random. */
  latencyOf(from: string, to: string, random: Rng): number {
    const sampler =
      this.latency.size === 0
        ? this.defaultLatency
        : (lookup(this.latency, from, to) ?? this.defaultLatency);
    return sampler(from, to, random);
  }

  /**
   * Splits nodes into groups that cannot reach each other. Nodes named in no group form one
   * more group together ("the rest"), so `partition([[a, b]])` cuts a and b off from everyone.
   */
  partition(groups: readonly (readonly string[])[]): void {
    const map = new Map<string, number>();
    groups.forEach((group, index) => {
      for (const node of group) {
        if (map.has(node)) throw new RangeError(`${node} is in more than one partition group`);
        map.set(node, index);
      }
    });
    this.groups = map;
  }

  /** Removes the partition (blocks stay). */
  clearPartition(): void {
    this.groups = undefined;
  }

  /** Drops everything `from → to` (one way). */
  block(from: string, to: string): void {
    let set = this.blocks.get(from);
    if (set === undefined) {
      set = new Set();
      this.blocks.set(from, set);
    }
    set.add(to);
  }

  unblock(from: string, to: string): void {
    const set = this.blocks.get(from);
    if (set === undefined) return;
    set.delete(to);
    if (set.size === 0) this.blocks.delete(from);
  }

  clearBlocks(): void {
    this.blocks.clear();
  }

  /** Why `from → to` is cut, if it is. */
  cut(from: string, to: string): CutReason {
    const groups = this.groups;
    if (groups !== undefined && (groups.get(from) ?? -1) !== (groups.get(to) ?? -1)) {
      return "partition";
    }
    if (this.blocks.size > 0 && this.blocks.get(from)?.has(to) === true) return "blocked";
    return undefined;
  }

  /** Why the two-way path between `a` and `b` is cut (a stream needs both directions). */
  cutEitherWay(a: string, b: string): CutReason {
    return this.cut(a, b) ?? this.cut(b, a);
  }
}

function checkProbability(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`loss must be a probability in [0, 1], got ${p}`);
  return p;
}

function setLink<T>(
  table: Map<string, Map<string, T>>,
  from: string,
  to: string,
  value: T | undefined,
): void {
  let row = table.get(from);
  if (value === undefined) {
    row?.delete(to);
    if (row?.size === 0) table.delete(from);
    return;
  }
  if (row === undefined) {
    row = new Map();
    table.set(from, row);
  }
  row.set(to, value);
}

function lookup<T>(table: Map<string, Map<string, T>>, from: string, to: string): T | undefined {
  const row = table.get(from);
  const exact = row?.get(to) ?? row?.get(ANY_NODE);
  if (exact !== undefined) return exact;
  const anyRow = table.get(ANY_NODE);
  return anyRow?.get(to) ?? anyRow?.get(ANY_NODE);
}
