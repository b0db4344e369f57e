import type { Rng, Swim } from "@grapevine/swim";
import { MemberSampler } from "./member-sampler.js";

/**
 * Serf-style reconnect: members declared failed (not left) are remembered with an address, and
 * each reconnect period one of them, picked at random, is offered a push-pull. Across a healed
 * partition one such exchange re-merges both sides, long after each side forgot the other.
 */
export class Reconnect {
  private readonly failed = new Map<string, { address: string; since: number }>();
  private readonly sampler = new MemberSampler();

  constructor(private readonly timeoutMs: number) {}

  /** `name` was declared failed at `at`; `address` is where to reach it. */
  failedAt(name: string, address: string, at: number): void {
    this.failed.set(name, { address, since: at });
    this.sampler.add(name);
  }

  /** `name` is alive again or left: nothing to reconnect to. */
  forget(name: string): void {
    if (this.failed.delete(name)) this.sampler.remove(name);
  }

  /**
   * Follows the membership: a member that `failed` (not left) is remembered at `address`, one that
   * left or is alive again is forgotten.
   */
  memberChanged(name: string, type: string, address: string | undefined, at: number): void {
    if (type === "dead" && address !== undefined) this.failedAt(name, address, at);
    else this.forget(name);
  }

  /**
   * The address of one random failed member still worth trying at `now`, or `undefined`: one the
   * membership still lists failed, or has forgotten (reconnecting is for exactly that case).
   */
  pick(now: number, rng: Rng, swim: Swim): string | undefined {
    const stillDead = (n: string): boolean => {
      const status = swim.member(n)?.status;
      return status === undefined || status === "dead";
    };
    const [name] = this.sampler.sample(1, rng, (n) => {
      const failed = this.failed.get(n);
      if (!failed || now - failed.since > this.timeoutMs || !stillDead(n)) {
        this.failed.delete(n);
        return "remove";
      }
      return true;
    });
    return name === undefined ? undefined : this.failed.get(name)?.address;
  }
}
