/**
 * memberlist's figures that `pnpm bench net` compares against, and the goals set relative to them.
 *
 * Source: Grapevine issue 16 ("Detection speed and idle cost"), section "Where we stand";
 * recorded here on 2026-12-05. hashicorp/memberlist 0.2.2 (Go, GOMAXPROCS 2) on real UDP/TCP over
 * loopback, every node in one process, DefaultLANConfig (probe interval 1 s, probe timeout 500 ms),
 * medians over 3–5 trials, in two sittings on different days (the issue gives no dates). The same
 * harness measured Grapevine then; this bench measures Grapevine the same way.
 */

/** Seconds, by cluster size. A missing size was not measured in that sitting. */
export type BySize = Readonly<Partial<Record<number, number>>>;

/** Hard kill → the first node suspects the victim: medians, s. */
export const MEMBERLIST_FIRST_SUSPECT_S: readonly BySize[] = [
  { 50: 1.92, 100: 1.73, 200: 1.99 },
  { 50: 1.65, 100: 1.83, 200: 1.97 },
];

/** Slowest first suspicion over the trials, s (sitting 2; range 1.4–1.8 s at N = 50). */
export const MEMBERLIST_FIRST_SUSPECT_MAX_S: BySize = { 50: 1.8 };

/**
 * Hard kill → the first node suspects the victim, measured on this project's machines with
 * `pnpm bench:memberlist --nodes N --trials K` (tools/memberlist-interop/bin/memberlist-bench.ts:
 * memberlist 0.2.2 from Debian, DefaultLANConfig, every node in one Go process on 127.0.0.1, join
 * through one seed, 5 s of quiet, one random non-seed node shut down; first "Suspect <victim> has
 * failed" in memberlist's log), in the same sitting as a `pnpm bench net --scenario fail` run.
 * With more trials than the issue's 3–5, memberlist's first suspicion shows the same tail as
 * ours: every member walks its own shuffled list, so in one period a given member is probed by
 * nobody with probability (1 − 1/(N−1))^(N−1) ≈ 1/e, whichever implementation.
 *
 * Measured with the Go tool seeding `math/rand`, in the sitting of 2026-12-07 that measured the
 * adaptive probe timeout (`--trials 30`, `10`, `16`). The sitting before, the same day, gave
 * 1.722 (max 5.326) at N = 50, 1.823 (2.57) at N = 100 and 1.617 (6.494) at N = 200. Before the
 * seed, Go 1.19's global source started from one seed in every process, so memberlist's probe
 * staggers and orders repeated run after run: N = 50 gave 1.32 s over 30 trials, 12 of them at
 * 1.30–1.34 s; the figures without the seed were 1.532 (max 3.567, 15 trials) at N = 50, 1.769
 * (3.919, 10) at N = 100 and 1.765 (4.593, 16) at N = 200. Seeded, the first suspicions still
 * bunch (10 of 30 at 1.30–1.34 s at N = 50): the tool starts every node's probe ticker in one loop.
 */
export const MEMBERLIST_FIRST_SUSPECT_MEASURED: Readonly<
  Partial<Record<number, { readonly date: string; trials: number; median: number; max: number }>>
> = {
  50: { date: "2026-12-07", trials: 30, median: 1.422, max: 7.332 },
  100: { date: "2026-12-07", trials: 10, median: 1.935, max: 7.922 },
  200: { date: "2026-12-07", trials: 16, median: 1.759, max: 3.956 },
};

/** Hard kill → every node lists the victim dead: medians, s. */
export const MEMBERLIST_ALL_DEAD_S: readonly BySize[] = [
  { 50: 9.07, 100: 9.96, 200: 11.84 },
  { 50: 8.66, 200: 11.77 },
];

/** An update reaches every other node: medians, s (sitting 1). */
export const MEMBERLIST_UPDATE_S: BySize = { 50: 0.636, 100: 0.788, 200: 0.7 };

/** Idle cluster of N = 100, per node per second (sitting 2). */
export const MEMBERLIST_IDLE_N100 = {
  /** CPU seconds. */
  cpuS: 0.0004,
  /** UDP packets sent. */
  udpPackets: 2,
  /** UDP (with 28 B of IP/UDP header each) plus TCP bytes sent. */
  bytes: 181,
} as const;

/** Goals of issue 16, as factors of memberlist's figure (a result must be at most this). */
export const GOALS = {
  /** First-suspicion median ≤ 0.8× memberlist's, every N, every sitting. */
  firstSuspectMedian: 0.8,
  /** Slowest first suspicion ≤ 1.5× memberlist's slowest. */
  firstSuspectMax: 1.5,
  /** All-dead median ≤ 0.95× memberlist's. */
  allDeadMedian: 0.95,
  /** Update spread median ≤ 0.7× memberlist's. */
  updateMedian: 0.7,
  /** Idle figures ≤ memberlist's. */
  idle: 1,
  /** Join of N = 200 in parallel: median ≤ 1.5 s. */
  joinN200S: 1.5,
  /** Join tails: slowest ≤ 2× median (20 fresh clusters at N = 50). */
  joinTail: 2,
} as const;

/** The smallest of a figure over the sittings that measured size `n` (the strictest bar). */
export function bestOf(sittings: readonly BySize[], n: number): number | undefined {
  const values = sittings.map((s) => s[n]).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : Math.min(...values);
}

/**
 * Idle CPU seconds per node per second at N = 100, measured here as {@link
 * MEMBERLIST_FIRST_SUSPECT_MEASURED} was: `pnpm bench:memberlist --scenario idle --nodes 100
 * --trials 3 --window 60` (the Go process's user + system time from /proc; memberlist's log off),
 * in the same sitting as `pnpm bench net --scenario idle --nodes 100 --trials 3 --duration 60`.
 * The latest sitting; earlier ones measured 0.000373 (0.0003548–0.0004214), 0.0004183
 * (0.0004148–0.0004581), 0.0003566 (0.0003098–0.0003796), 0.0003616 (0.0003347–0.0004079),
 * 0.0003806 (0.0003607–0.0004049, 120 s windows) and 0.0005496 (0.0005339–0.0005658): the
 * machine's load moves this figure by a third between sittings, so compare within one.
 */
export const MEMBERLIST_IDLE_CPU_N100_MEASURED = {
  date: "2026-12-07",
  trials: 3,
  median: 0.0003913,
  min: 0.0003716,
  max: 0.0003913,
} as const;
