import { describe, expect, it } from "vitest";
import { parseOptions, type SimOptions, UsageError } from "../src/options.js";
import { runSimulation } from "../src/run.js";

describe("queries at scale (virtual clock)", () => {
  it("`sim query` at N=1,000 and 5 % loss: the query reaches every member and ≥ 99 % of answers arrive before the timeout", async () => {
    const options = parseOptions(["query", "--nodes", "1000", "--seed", "19"]) as SimOptions;
    expect(options.loss).toBe(0.05);
    const r = await runSimulation(options);
    const f = r.figures;
    console.log(
      `sim query N=1000 loss 5% seed 19: reached ${f.reached}/1000, answers in time ${f.answers_in_time}/${f.expected} (${f.answers_in_time_pct} %), acks ${f.acks}, last answer ${f.last_answer_s} s of ${f.timeout_s} s, ${r.bytes_per_node_per_s} B/node/s, run ${r.run_hash}`,
    );
    // The default timeout: 200 ms × 16 × ⌈log10(1001)⌉ = 12.8 s.
    expect(f.timeout_s).toBe(12.8);
    expect(f.expected).toBe(1000);
    expect(f.reached).toBe(1000);
    expect(f.answers_in_time_pct).toBeGreaterThanOrEqual(99);
  });

  it("is deterministic for a seed, and refuses the memory runtime", async () => {
    const small = () => parseOptions(["query", "--nodes", "50", "--seed", "3"]) as SimOptions;
    const [first, second] = [await runSimulation(small()), await runSimulation(small())];
    expect(first.run_hash).toBe(second.run_hash);
    expect(first.figures).toEqual(second.figures);
    expect(first.figures.complete).toBe(1);
    const memory = parseOptions(["query", "--nodes", "5", "--runtime", "memory"]) as SimOptions;
    await expect(runSimulation(memory)).rejects.toBeInstanceOf(UsageError);
  });
});
