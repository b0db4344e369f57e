/**
 * Where an idle member's CPU goes, step by step: every member's runtime steps timed in an idle
 * converged cluster. A step is one call into the node core and the carrying out of what it asked
 * for (sends, the timer, events): the protocol's whole work. Steps the runtime's timer started
 * (the probe, skipped gossip rounds caught up) are counted apart from the others (datagrams
 * received, stream replies).
 *
 * The runtime's step is private: the bench wraps it on each cluster by name, and fails with a
 * clear error if it is not there.
 */
import type { Cluster } from "@grapevine/cluster";
import { convergedCluster, nowMs, sleep, stopAll } from "./harness.js";

/** One window of {@link stepTrials}, per node per second except the step means. */
export interface StepFigures {
  /** Process CPU time (user + system), s per node per second, as the idle scenario reports it. */
  cpuS: number;
  /** Steps per node per second. */
  stepsPerNodeS: number;
  /** Mean wall time of a step the runtime's timer started, µs. */
  timerStepUs: number;
  /** Mean wall time of any other step (a datagram, a stream reply), µs. */
  otherStepUs: number;
  /** Time inside steps as a share of the process's CPU time. */
  stepShare: number;
}

type Step = (fn: (now: number) => unknown, now?: number) => unknown;

/** Counts and times every step of `cluster`'s runtime into `tally`. */
function timeSteps(cluster: Cluster, tally: Tally): void {
  const runtime = cluster as unknown as { step?: Step };
  const step = runtime.step;
  if (typeof step !== "function") {
    throw new Error("bench net: the cluster runtime has no step() to time");
  }
  // Only the timer passes `now` in: every other step reads the clock itself.
  runtime.step = function (this: unknown, fn, now) {
    const started = performance.now();
    try {
      return step.call(this, fn, now);
    } finally {
      const ms = performance.now() - started;
      if (now === undefined) {
        tally.other += 1;
        tally.otherMs += ms;
      } else {
        tally.timer += 1;
        tally.timerMs += ms;
      }
    }
  };
}

interface Tally {
  timer: number;
  timerMs: number;
  other: number;
  otherMs: number;
}

/**
 * `trials` consecutive windows of `windowMs` over an idle converged cluster of `n` members whose
 * steps are timed (after the join's gossip has drained and 5 s more).
 */
export async function stepTrials(
  n: number,
  trials: number,
  windowMs: number,
  tag: string,
  progress: (text: string) => void,
): Promise<StepFigures[]> {
  const nodes = await convergedCluster(n, tag, 5000);
  const tally: Tally = { timer: 0, timerMs: 0, other: 0, otherMs: 0 };
  try {
    for (const node of nodes) timeSteps(node.cluster, tally);
    const results: StepFigures[] = [];
    for (let t = 0; t < trials; t++) {
      progress(`steps N=${n} window ${t + 1}/${trials} (${windowMs / 1000} s)`);
      const before = { ...tally };
      const cpuBefore = process.cpuUsage();
      const started = nowMs();
      await sleep(windowMs);
      const cpu = process.cpuUsage(cpuBefore);
      const seconds = (nowMs() - started) / 1000;
      const timer = tally.timer - before.timer;
      const other = tally.other - before.other;
      const timerMs = tally.timerMs - before.timerMs;
      const otherMs = tally.otherMs - before.otherMs;
      const cpuMs = (cpu.user + cpu.system) / 1000;
      results.push({
        cpuS: cpuMs / 1000 / n / seconds,
        stepsPerNodeS: (timer + other) / n / seconds,
        timerStepUs: timer === 0 ? 0 : (timerMs / timer) * 1000,
        otherStepUs: other === 0 ? 0 : (otherMs / other) * 1000,
        stepShare: cpuMs === 0 ? 0 : (timerMs + otherMs) / cpuMs,
      });
    }
    return results;
  } finally {
    await stopAll(nodes);
  }
}
