import type { Rng } from "@grapevine/swim";

/**
 * A set of member names that supports O(1) add, remove and uniform random sampling: how gossip
 * targets are picked every round without scanning the whole membership (10,000-node clusters).
 */
export class MemberSampler {
  private readonly names: string[] = [];
  private readonly index = new Map<string, number>();

  get size(): number {
    return this.names.length;
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  add(name: string): void {
    if (this.index.has(name)) return;
    this.index.set(name, this.names.length);
    this.names.push(name);
  }

  remove(name: string): void {
    const i = this.index.get(name);
    if (i === undefined) return;
    const last = this.names.pop()!;
    this.index.delete(name);
    if (last !== name) {
      this.names[i] = last;
      this.index.set(last, i);
    }
  }

  /**
   * Up to `count` distinct names chosen uniformly at random, each passing `accept` (which may also
   * prune: returning "remove" drops the name from the set). Tries at most 3·count draws.
   */
  sample(count: number, rng: Rng, accept: (name: string) => boolean | "remove"): string[] {
    const out: string[] = [];
    for (let tries = 0; out.length < count && tries < count * 3 && this.names.length > 0; tries++) {
      const name = this.names[Math.floor(rng.next() * this.names.length)]!;
      if (out.includes(name)) continue;
      const verdict = accept(name);
      if (verdict === "remove") this.remove(name);
      else if (verdict) out.push(name);
    }
    return out;
  }
}
