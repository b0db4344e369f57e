import { swimConfig } from "@grapevine/swim";
import { describe, expect, it } from "vitest";
import { encodeTags } from "../src/events.js";
import { LimitError } from "../src/limits.js";
import { QueryOptionError, queryTimeout } from "../src/query-options.js";
import { CoreNet, converge } from "./harness.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);
const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);

function cluster(n: number, seed = 1): CoreNet {
  const net = new CoreNet(names(n), seed);
  converge(net);
  return net;
}

describe("queries on the virtual clock", () => {
  it("ping: every member acks and answers with its name, and the summary is complete", () => {
    const net = cluster(5);
    let ticket: ReturnType<typeof net.core>["query"] extends (...a: never[]) => infer T ? T : never;
    net.step("n0", (now, core) => {
      ticket = core.query({ name: "ping", payload: new Uint8Array(0), requestAck: true }, now);
    });
    net.runFair(5_000);
    const seen = net.observed.get("n0")!;
    const answers = seen.answers.filter((a) => !a.ack);
    expect(answers.map((a) => `${a.from}=${text(a.payload)}`).sort()).toEqual(
      names(5).map((n) => `${n}=${n}`),
    );
    expect(
      seen.answers
        .filter((a) => a.ack)
        .map((a) => a.from)
        .sort(),
    ).toEqual(names(5));
    expect(seen.done).toHaveLength(1);
    expect(seen.done[0]).toMatchObject({
      id: ticket!.id,
      expected: names(5),
      responded: names(5),
      acked: names(5),
      missing: [],
      complete: true,
    });
  });

  it("a handler answers with its payload; a member that does not answer is missing at the deadline", () => {
    const net = cluster(4);
    net.handlers.set("echo", (payload, self) => bytes(`${self}:${text(payload)}`));
    net.cut.add("n3");
    net.step("n0", (now, core) =>
      core.query({ name: "echo", payload: bytes("hi"), timeoutMs: 2_000 }, now),
    );
    net.runFair(1_990);
    expect(net.observed.get("n0")!.done).toHaveLength(0);
    net.runFair(100);
    const seen = net.observed.get("n0")!;
    expect(seen.answers.map((a) => text(a.payload)).sort()).toEqual(["n0:hi", "n1:hi", "n2:hi"]);
    expect(seen.done[0]).toMatchObject({ missing: ["n3"], complete: false });
  });

  it("filters by name and by tag pattern (the whole value must match)", () => {
    const net = cluster(6);
    net.step("n1", (now, core) => core.setMeta(encodeTags({ role: "web" }), now));
    net.step("n2", (now, core) => core.setMeta(encodeTags({ role: "db" }), now));
    net.step("n3", (now, core) => core.setMeta(encodeTags({ role: "webdb" }), now));
    net.runFair(3_000);
    net.step("n0", (now, core) => {
      const t = core.query(
        { name: "ping", payload: new Uint8Array(0), filter: { tags: { role: "web|db" } } },
        now,
      );
      expect(t.expected).toEqual(["n1", "n2"]);
    });
    net.step("n5", (now, core) => {
      const t = core.query(
        { name: "ping", payload: new Uint8Array(0), filter: { names: ["n4", "n5"] } },
        now,
      );
      expect(t.expected).toEqual(["n4", "n5"]);
    });
    net.runFair(3_000);
    expect(net.observed.get("n0")!.done[0]).toMatchObject({
      responded: ["n1", "n2"],
      complete: true,
    });
    expect(net.observed.get("n5")!.done[0]).toMatchObject({
      responded: ["n4", "n5"],
      complete: true,
    });
    expect(net.core("n3").counters.queriesFiltered).toBe(2);
  });

  it("answers arrive through relays when direct datagrams are lost", () => {
    const net = cluster(12, 3);
    net.loss = 0.3;
    net.step("n0", (now, core) =>
      core.query(
        { name: "ping", payload: new Uint8Array(0), relayFactor: 3, timeoutMs: 10_000 },
        now,
      ),
    );
    net.runFair(10_000);
    const relays = [...net.cores.values()].reduce((sum, c) => sum + c.counters.queryRelays, 0);
    expect(relays).toBeGreaterThan(0);
    expect(net.observed.get("n0")!.done[0]!.responded.length).toBeGreaterThanOrEqual(11);
  });

  it("the default timeout is gossipInterval × 16 × ⌈log10(N+1)⌉", () => {
    const net = cluster(12);
    const { gossipIntervalMs } = swimConfig("local", {});
    net.step("n0", (now, core) => {
      const t = core.query({ name: "ping", payload: new Uint8Array(0) }, now);
      expect(t.deadlineAt - now).toBe(gossipIntervalMs * 16 * 2);
    });
    expect(queryTimeout(200, 16, 1000)).toBe(200 * 16 * 4);
    expect(queryTimeout(200, 16, 999)).toBe(200 * 16 * 3);
    expect(queryTimeout(200, 16, 1)).toBe(200 * 16);
  });

  it("refuses bad requests with typed errors naming the field or limit, and sends nothing", () => {
    const net = cluster(2);
    const core = net.core("n0");
    const empty = new Uint8Array(0);
    const attempt = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err;
      }
      return undefined;
    };
    expect(
      attempt(() => core.query({ name: "x", payload: empty, relayFactor: 9 }, 0)),
    ).toMatchObject({
      name: "QueryOptionError",
      field: "relayFactor",
    });
    expect(
      attempt(() => core.query({ name: "x", payload: empty, timeoutMs: 0 }, 0)),
    ).toBeInstanceOf(QueryOptionError);
    expect(
      attempt(() => core.query({ name: "x", payload: empty, filter: { tags: { a: "(" } } }, 0)),
    ).toMatchObject({ field: "filter.tags" });
    const big = attempt(() => core.query({ name: "x", payload: new Uint8Array(2_000) }, 0));
    expect(big).toBeInstanceOf(LimitError);
    expect(big).toMatchObject({ field: "query", limit: 1024 });
    expect(core.counters.queriesSent).toBe(0);
    expect(core.drain().filter((o) => o.kind === "datagram")).toHaveLength(0);
  });

  it("an answer over the size limit is a LimitError, counted; a late answer is refused", () => {
    const net = cluster(2);
    net.step("n0", (now, core) =>
      core.query({ name: "slow", payload: new Uint8Array(0), timeoutMs: 1_000 }, now),
    );
    net.runFair(200);
    const request = net.observed.get("n1")!.requests[0]!;
    const n1 = net.core("n1");
    expect(() => n1.respondQuery(request.token, new Uint8Array(1025), net.now)).toThrow(LimitError);
    expect(n1.counters.queryResponsesTooLarge).toBe(1);
    net.runFair(1_000);
    expect(n1.respondQuery(request.token, bytes("late"), net.now)).toBe(false);
    expect(n1.counters.queryResponsesLate).toBe(1);
    expect(net.observed.get("n0")!.done[0]).toMatchObject({ missing: ["n0", "n1"] });
  });
});

describe("force-leave", () => {
  it("moves a failed member to left everywhere; prune forgets it everywhere", () => {
    const net = cluster(5);
    net.cut.add("n4");
    const failed = () => names(4).every((n) => net.core(n).member("n4")?.status === "dead");
    for (let t = 0; t < 30_000 && !failed(); t += 100) net.runFair(100);
    expect(failed()).toBe(true);
    expect(() => net.core("n0").forceLeave("n1", false, net.now)).toThrow(/alive/);
    expect(() => net.core("n0").forceLeave("nobody", false, net.now)).toThrow(/no member/);
    net.step("n0", (now, core) => core.forceLeave("n4", false, now));
    net.runFair(2_000);
    for (const n of names(4)) expect(net.core(n).member("n4")?.status).toBe("left");
    net.step("n1", (now, core) => core.forceLeave("n4", true, now));
    net.runFair(2_000);
    for (const n of names(4)) expect(net.core(n).member("n4")).toBeUndefined();
  });
});
