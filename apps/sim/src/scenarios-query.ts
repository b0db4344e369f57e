import { CoreWorld } from "./core-world.js";
import { type SimOptions, UsageError } from "./options.js";
import type { ScenarioResult } from "./scenarios.js";
import type { World } from "./world.js";

type Progress = (fraction: number) => void;

const WARMUP_MS = 2_000;
/** Members that also carry each answer back to the origin (the agent's key operations use 2). */
const RELAY_FACTOR = 2;

/**
 * `query`: one member of a converged cluster sends the built-in `ping` query with acks and the
 * default timeout (gossip interval × 16 × ⌈log10(N+1)⌉), under the run's loss (5 % unless
 * `--loss` says otherwise). Figures: members the query reached, answers that arrived before the
 * deadline (count and share of the members expected), whether every expected member answered, and
 * when the last answer came. Runs on the core runtime, where the query's outputs are visible.
 */
export async function query(
  world: World,
  _o: SimOptions,
  progress: Progress,
): Promise<ScenarioResult> {
  if (!(world instanceof CoreWorld)) {
    throw new UsageError("the query scenario runs on the core runtime (--runtime core)");
  }
  world.converge();
  await world.runFor(WARMUP_MS, 500);
  const start = world.traffic();
  const trafficWindow = {
    startMs: world.clock.now(),
    bytes: start.bytes,
    messages: start.messages,
  };
  const origin = world.nodes[0]!;
  const member = origin.cluster as unknown as {
    core: import("@grapevine/node").NodeCore;
    step(fn: (now: number) => void): void;
  };
  let deadlineAt = Number.POSITIVE_INFINITY;
  let sentAt = 0;
  let expected = 0;
  let inTime = 0;
  let acks = 0;
  let lastAnswerAt: number | undefined;
  let complete: boolean | undefined;
  world.onOutput = (node, out) => {
    if (node !== origin) return;
    if (out.kind === "query-answer") {
      if (out.ack) acks += 1;
      else {
        if (out.at <= deadlineAt) inTime += 1;
        lastAnswerAt = out.at;
      }
    } else if (out.kind === "query-done") complete = out.summary.complete;
  };
  member.step((now) => {
    const ticket = member.core.query(
      { name: "ping", payload: new Uint8Array(0), requestAck: true, relayFactor: RELAY_FACTOR },
      now,
    );
    sentAt = now;
    deadlineAt = ticket.deadlineAt;
    expected = ticket.expected.length;
  });
  const timeoutMs = deadlineAt - sentAt;
  while (complete === undefined && world.clock.now() <= deadlineAt + 1) {
    await world.clock.runFor(100);
    progress(Math.min(1, (world.clock.now() - sentAt) / timeoutMs));
  }
  world.onOutput = undefined;
  const reached = world.nodes.filter(
    (n) =>
      n === origin || (n.cluster as unknown as typeof member).core.counters.queriesReceived > 0,
  ).length;
  return {
    figures: {
      reached,
      expected,
      acks,
      answers_in_time: inTime,
      answers_in_time_pct: expected === 0 ? null : Math.round((inTime / expected) * 10_000) / 100,
      complete: complete === true ? 1 : 0,
      timeout_s: timeoutMs / 1000,
      last_answer_s: lastAnswerAt === undefined ? null : Math.round(lastAnswerAt - sentAt) / 1000,
    },
    trafficWindow,
  };
}
