/**
 * The scenarios of `pnpm bench net`, each one trial on real sockets. Times are seconds from the
 * moment of the cause (kill, write, join call) on the monotonic clock of this process.
 */
import type { MemberEvent } from "@grapevine/cluster";
import { pushPullInterval } from "@grapevine/swim";
import {
  type BenchNode,
  convergedCluster,
  joinAll,
  nowMs,
  quiet,
  sleep,
  startNodes,
  stopAll,
  until,
} from "./harness.js";

/** Bounds every wait for a detection, so a broken build fails instead of hanging. */
const DETECTION_TIMEOUT_MS = 120_000;

/** One fresh cluster: join through one seed in parallel → every node sees every member. */
export async function joinTrial(n: number, tag: string): Promise<{ joinS: number }> {
  const nodes = await startNodes(n, tag);
  try {
    return { joinS: (await joinAll(nodes)) / 1000 };
  } finally {
    await stopAll(nodes);
  }
}

/** What one hard-kill trial measured. */
export type FailFigures = {
  firstSuspectS: number;
  firstDeadS: number;
  allDeadS: number;
  /**
   * Probes the survivors sent between the kill and the first suspicion: the wait for someone to
   * probe the victim, in probes (with N − 1 probers walking their own shuffled lists, one in
   * N − 1 reaches it).
   */
  probesBeforeSuspect: number;
  /** Probes whose verdict waited for a pending stream probe, in the same span. */
  awaitedStream: number;
};

/** Hard kill (shutdown, no leave) of one random non-seed node of a fresh converged cluster. */
export async function failTrial(n: number, tag: string): Promise<FailFigures> {
  const nodes = await convergedCluster(n, tag);
  try {
    const victim = nodes[1 + Math.floor(Math.random() * (n - 1))]!;
    const others = nodes.filter((node) => node !== victim);
    let firstSuspect = Number.NaN;
    let firstDead = Number.NaN;
    const dead = new Set<string>();
    let killedAt = 0;
    const off: Array<() => void> = [];
    const probeCounts = () => {
      let sent = 0;
      let awaited = 0;
      for (const node of others) {
        const c = node.cluster.swimCounters();
        sent += c.probesSent;
        awaited += c.probesAwaitingStream;
      }
      return { sent, awaited };
    };
    let atSuspect = { sent: 0, awaited: 0 };
    const suspected = () => {
      if (!Number.isNaN(firstSuspect)) return;
      firstSuspect = nowMs() - killedAt;
      atSuspect = probeCounts();
    };
    for (const node of others) {
      const about = (event: MemberEvent) => event.member.name === victim.name;
      off.push(
        node.cluster.on("member-suspect", (event) => {
          if (about(event)) suspected();
        }),
        node.cluster.on("member-dead", (event) => {
          if (!about(event)) return;
          suspected();
          if (Number.isNaN(firstDead)) firstDead = nowMs() - killedAt;
          dead.add(node.name);
        }),
      );
    }
    const atKill = probeCounts();
    killedAt = nowMs();
    await victim.cluster.shutdown();
    await until(
      "every node to list the victim dead",
      () => dead.size === others.length,
      DETECTION_TIMEOUT_MS,
    );
    const allDead = nowMs() - killedAt;
    for (const unsubscribe of off) unsubscribe();
    return {
      firstSuspectS: firstSuspect / 1000,
      firstDeadS: firstDead / 1000,
      allDeadS: allDead / 1000,
      probesBeforeSuspect: atSuspect.sent - atKill.sent,
      awaitedStream: atSuspect.awaited - atKill.awaited,
    };
  } finally {
    await stopAll(nodes);
  }
}

/**
 * Updates in one converged cluster: each trial a random node sets a fresh key; the time until
 * every other node holds it. One second of quiet between trials.
 */
export async function updateTrials(n: number, trials: number, tag: string): Promise<number[]> {
  const nodes = await convergedCluster(n, tag);
  try {
    const results: number[] = [];
    for (let t = 0; t < trials; t++) {
      const writer = nodes[Math.floor(Math.random() * n)]!;
      const key = `bench-${t}`;
      const others = nodes.filter((node) => node !== writer);
      await writerSets(writer, key, others, results);
      await quiet(nodes);
      await sleep(1000);
    }
    return results;
  } finally {
    await stopAll(nodes);
  }
}

async function writerSets(
  writer: BenchNode,
  key: string,
  others: readonly BenchNode[],
  results: number[],
): Promise<void> {
  const informed = new Set<string>();
  const off = others.map((node) =>
    node.cluster.on("key-changed", (event) => {
      if (event.owner === writer.name && event.key === key) informed.add(node.name);
    }),
  );
  const started = nowMs();
  writer.cluster.set(key, "v");
  await until(
    "the update to reach every node",
    () => informed.size === others.length,
    DETECTION_TIMEOUT_MS,
    1,
  );
  results.push((nowMs() - started) / 1000);
  for (const unsubscribe of off) unsubscribe();
}

/** Per node per second, over one window of an idle cluster. */
export interface IdleFigures {
  cpuS: number;
  udpPackets: number;
  udpBytes: number;
  tcpBytes: number;
  /** UDP + TCP bytes. */
  bytes: number;
  windowS: number;
}

/** The push-pull period of a LAN cluster of `n` (the idle window: one whole period). */
export function idleWindowMs(n: number): number {
  return pushPullInterval(30_000, n);
}

/**
 * An idle converged cluster: `trials` consecutive windows of `windowMs` each (default: one whole
 * push-pull period), after the join's gossip has drained.
 */
export async function idleTrials(
  n: number,
  trials: number,
  windowMs: number,
  tag: string,
  progress: (text: string) => void,
): Promise<IdleFigures[]> {
  const nodes = await convergedCluster(n, tag, 5000);
  try {
    const label = `idle N=${n}`;
    return await measureWindows(n, trials, windowMs, label, progress, () => totals(nodes));
  } finally {
    await stopAll(nodes);
  }
}

/** What `n` nodes have sent so far, summed. */
export interface WireTotals {
  udpPackets: number;
  udpBytes: number;
  tcpBytes: number;
}

/**
 * `trials` consecutive windows of `windowMs`: the process's CPU time (user + system) and what
 * `totals` counts on the wire, per node per second.
 */
export async function measureWindows(
  n: number,
  trials: number,
  windowMs: number,
  label: string,
  progress: (text: string) => void,
  totals: () => WireTotals,
): Promise<IdleFigures[]> {
  const results: IdleFigures[] = [];
  for (let t = 0; t < trials; t++) {
    progress(`${label} window ${t + 1}/${trials} (${windowMs / 1000} s)`);
    const before = totals();
    const cpuBefore = process.cpuUsage();
    const started = nowMs();
    await sleep(windowMs);
    const cpu = process.cpuUsage(cpuBefore);
    const seconds = (nowMs() - started) / 1000;
    const after = totals();
    const per = (v: number) => v / n / seconds;
    const udpBytes = per(after.udpBytes - before.udpBytes);
    const tcpBytes = per(after.tcpBytes - before.tcpBytes);
    results.push({
      cpuS: per((cpu.user + cpu.system) / 1e6),
      udpPackets: per(after.udpPackets - before.udpPackets),
      udpBytes,
      tcpBytes,
      bytes: udpBytes + tcpBytes,
      windowS: seconds,
    });
  }
  return results;
}

function totals(nodes: readonly BenchNode[]): WireTotals {
  const sum = { udpPackets: 0, udpBytes: 0, tcpBytes: 0 };
  for (const { wire } of nodes) {
    sum.udpPackets += wire.counts.udpPackets;
    sum.udpBytes += wire.counts.udpBytes;
    sum.tcpBytes += wire.counts.tcpBytes;
  }
  return sum;
}

/** A converged cluster under datagram loss for `durationMs`; nobody fails. */
export async function lossTrial(
  n: number,
  loss: number,
  durationMs: number,
  tag: string,
): Promise<{ falseSuspicions: number; falseDeaths: number }> {
  const nodes = await convergedCluster(n, tag);
  try {
    let falseSuspicions = 0;
    let falseDeaths = 0;
    const off = nodes.flatMap((node) => [
      node.cluster.on("member-suspect", () => {
        falseSuspicions += 1;
      }),
      node.cluster.on("member-dead", () => {
        falseDeaths += 1;
      }),
    ]);
    for (const node of nodes) node.wire.loss = loss;
    await sleep(durationMs);
    for (const unsubscribe of off) unsubscribe();
    return { falseSuspicions, falseDeaths };
  } finally {
    await stopAll(nodes);
  }
}
