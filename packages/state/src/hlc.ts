/**
 * Hybrid logical clock timestamps (Kulkarni, Demirbas et al., "Logical Physical Clocks", 2014):
 * the physical time of the write in ms, a logical counter that orders writes within one
 * millisecond (and keeps order when a peer's clock is ahead of ours), and the writer's name as
 * the final tie-break, so two writes never compare equal unless they are the same write.
 */

/** One write's position in the cluster-wide last-writer-wins order. */
export interface HlcTimestamp {
  /** Physical part: the writer's clock when it wrote (or a peer's, if that was ahead), ms. */
  readonly wall: number;
  /** Logical counter within `wall`. */
  readonly logical: number;
  /** The writing node's name: breaks ties between equal (`wall`, `logical`). */
  readonly writer: string;
}

/** Largest logical counter (it travels as a uint32). */
export const MAX_LOGICAL = 0xffff_ffff;

/** Negative when `a` is older than `b`, positive when newer, 0 for the same timestamp. */
export function compareHlc(a: HlcTimestamp, b: HlcTimestamp): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  if (a.writer === b.writer) return 0;
  return a.writer < b.writer ? -1 : 1;
}

/**
 * A node's hybrid clock. Sans-IO: the physical time is passed in. Every timestamp it issues is
 * above every timestamp it has issued or observed, so a local write always wins over whatever the
 * node held for that key (the HLC send rule); `observe` is the receive rule.
 */
export class HybridClock {
  private wall = 0;
  private logical = 0;

  constructor(private readonly writer: string) {}

  /** A timestamp for a local write at physical time `now` (ms). */
  issue(now: number): HlcTimestamp {
    // Whole milliseconds: `wall` travels as an integer (runtimes' clocks may have fractions).
    const physical = Math.floor(now);
    if (physical > this.wall) {
      this.wall = physical;
      this.logical = 0;
    } else if (this.logical < MAX_LOGICAL) {
      this.logical += 1;
    } else {
      // The counter is exhausted within one millisecond: borrow the next one.
      this.wall += 1;
      this.logical = 0;
    }
    return { wall: this.wall, logical: this.logical, writer: this.writer };
  }

  /** Takes in a timestamp seen on an accepted entry, so later local writes order after it. */
  observe(ts: HlcTimestamp): void {
    if (ts.wall > this.wall || (ts.wall === this.wall && ts.logical > this.logical)) {
      this.wall = ts.wall;
      this.logical = ts.logical;
    }
  }
}
