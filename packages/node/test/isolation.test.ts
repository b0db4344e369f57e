import { encodePacket } from "@grapevine/codec";
import { type Swim, suspicionTimeout, swimConfig } from "@grapevine/swim";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HealthJudge, isolationWindow } from "../src/isolation.js";
import { CoreNet } from "./harness.js";

describe("isolation awareness", () => {
  const config = swimConfig("lan", {});
  const names = ["n0", "n1", "n2", "n3", "n4"];

  it("a node cut off alone reports isolated within 2 probe periods + the suspicion timeout, declares nobody dead, and recovers within a probe period of the first ack", () => {
    const net = new CoreNet(names, 21, config);
    net.joinThrough("n0", names.slice(1));
    net.runUntil(() => names.every((n) => net.core(n).aliveCount() === 5), 10_000);
    net.runFair(5_000);
    const lone = net.core("n4");
    expect(lone.healthState()).toBe("healthy");

    net.cut.add("n4");
    const bound =
      2 * config.probeIntervalMs +
      suspicionTimeout(config.suspicionMult, 5, config.probeIntervalMs);
    const isolatedAfter = net.runUntil(() => lone.healthState() === "isolated", bound);
    expect(isolatedAfter).toBeLessThanOrEqual(bound);
    // Isolated for 60 s: its peers show as suspect in its own view, none is declared dead by it.
    net.runFair(60_000 - isolatedAfter);
    expect(lone.healthState()).toBe("isolated");
    for (const m of lone.members().filter((m) => !m.local)) expect(m.status).toBe("suspect");
    expect(lone.detector.members().every((m) => m.status === "alive")).toBe(true);
    const loneEvents = net.observed.get("n4")!.events;
    expect(loneEvents.some((e) => e.type === "member-dead")).toBe(false);
    expect(loneEvents.some((e) => e.type === "health-changed" && e.state === "isolated")).toBe(
      true,
    );

    net.cut.delete("n4");
    const acks = lone.detector.counters.acksReceived;
    net.runUntil(() => lone.detector.counters.acksReceived > acks, 10_000);
    const clearedAfter = net.runUntil(
      () => lone.healthState() !== "isolated",
      config.probeIntervalMs,
    );
    expect(clearedAfter).toBeLessThanOrEqual(config.probeIntervalMs);
    net.runUntil(() => names.every((n) => net.core(n).aliveCount() === 5), 30_000);
    // Nothing the isolated node did made a healthy peer dead anywhere.
    for (const observer of names) {
      const dead = net.observed
        .get(observer)!
        .events.filter((e) => e.type === "member-dead" && e.member.name !== "n4");
      expect(dead, observer).toEqual([]);
    }
  });

  it("a node alone that never joined is not isolated", () => {
    const net = new CoreNet(["solo"], 3, config);
    net.runFair(120_000, 100);
    expect(net.core("solo").healthState()).toBe("healthy");
  });
});

describe("isolation awareness does not cry wolf", () => {
  // The interop tests' configuration: 1 s probes, suspicion multiplier 1, so the isolation
  // window is two probe periods, and one slow or failed probe stretches the next period.
  const tight = swimConfig("local", { suspicionMult: 1 });
  const names = ["a", "b", "c", "d"];

  /** Four cores joined through a and converged. */
  function converged(seed: number): CoreNet {
    const net = new CoreNet(names, seed, tight);
    for (const n of names.slice(1)) net.step(n, (now, c) => c.join(["mem://a"], now));
    net.runUntil(() => names.every((n) => net.core(n).aliveCount() === 4), 10_000);
    return net;
  }

  function isolations(net: CoreNet, name: string): number {
    return net.observed
      .get(name)!
      .events.filter((e) => e.type === "health-changed" && e.state === "isolated").length;
  }

  // In each test, datagrams take 2 ms and timers fire up to 20 ms late, as on a loaded machine.
  it("two members that cannot reach each other are never isolated", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const net = converged(seed);
      // c and d cannot talk (d is a tab blocked from c): each probes the other through a or b.
      net.blocked.add("c>d");
      net.blocked.add("d>c");
      net.runDelayed(120_000, 2, 20);
      for (const n of names) expect(isolations(net, n), `${n}, seed ${seed}`).toBe(0);
    }
  });

  it("the survivors of a crash are never isolated while they settle it", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const net = converged(seed);
      net.cut.add("d");
      net.runDelayed(60_000, 2, 20);
      for (const n of ["a", "b", "c"]) expect(isolations(net, n), `${n}, seed ${seed}`).toBe(0);
    }
  });

  it("a member whose health score was raised (its probe period stretched past the window) is not isolated while its peers answer", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const net = converged(seed);
      net.runFair(3_000);
      // A suspicion of c that c refutes: Lifeguard raises c's health score, which stretches its
      // next probe period to twice the interval, as long as the whole isolation window.
      const c = net.core("c");
      const suspect = encodePacket([
        { type: "suspect", name: "c", incarnation: c.detector.incarnation(), from: "a" },
      ]);
      net.step("c", (now, core) => core.handleDatagram("mem://a", suspect, now));
      expect(c.detector.health()).toBeGreaterThan(0);
      net.runDelayed(30_000, 2, 20);
      expect(isolations(net, "c"), `seed ${seed}`).toBe(0);
    }
  });
});

describe("the health judgement prepared for many instants", () => {
  it("answers as turnsAt does, at every instant, whatever the judge and the detector went through", () => {
    const step = fc.record({
      judgeAt: fc.integer({ min: 0, max: 200_000 }),
      alive: fc.integer({ min: 0, max: 6 }),
      answers: fc.integer({ min: 0, max: 3 }),
      silent: fc.integer({ min: 0, max: 4 }),
      health: fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 400_000 }), { minLength: 1, maxLength: 20 }),
        fc.option(fc.integer({ min: 0, max: 30_000 }), { nil: undefined }),
        (steps, instants, fixedWindow) => {
          const config = swimConfig("lan", {});
          const judge = HealthJudge.create(0, config, fixedWindow);
          const counters = { acksReceived: 0, nacksReceived: 0, streamProbeAcks: 0 };
          const detector = { counters, alive: 1, silent: 0, score: 0 };
          const swim = {
            counters,
            aliveCount: () => detector.alive,
            silentProbeTargets: () => detector.silent,
            health: () => detector.score,
          } as unknown as Swim;
          let now = 0;
          let heardAt = 0;
          let heard = -1;
          for (const s of steps) {
            now += s.judgeAt;
            counters.acksReceived += s.answers;
            const answers = counters.acksReceived + counters.nacksReceived;
            if (answers !== heard || s.alive <= 1) heardAt = now;
            heard = answers;
            detector.alive = s.alive;
            detector.silent = s.silent;
            detector.score = s.health;
            judge.judge(now, swim);
            // The detector moves on after the judgement (answers, silence): only time may not.
            counters.nacksReceived += s.answers % 2;
            detector.silent = Math.max(0, s.silent - 1);
            const news = s.health === 2;
            const rule = judge.idleRule(news, swim);
            // At the end of the window exactly, and either side of it, as well as anywhere.
            const window = fixedWindow ?? isolationWindow(config, Math.max(1, s.alive));
            const edge = [heardAt + window - 1, heardAt + window, heardAt + window + 1];
            for (const at of [...instants.map((i) => now + i), ...edge]) {
              expect(rule.idle(at)).toBe(!news && !judge.turnsAt(at, swim));
            }
          }
        },
      ),
    );
  });
});
