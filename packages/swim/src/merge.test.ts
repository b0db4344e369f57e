import { describe, expect, it } from "vitest";
import { aliveVerdict, deadVerdict, type HeldState, suspectVerdict } from "./merge.js";

const held = (over: Partial<HeldState> = {}): HeldState => ({
  status: "alive",
  incarnation: 5n,
  generation: 1,
  addresses: ["udp://a"],
  ...over,
});
const claim = (incarnation: bigint, generation = 1, addresses = ["udp://a"]) => ({
  incarnation,
  generation,
  addresses,
});

describe("aliveVerdict", () => {
  it("learns unknown members", () => {
    expect(aliveVerdict(undefined, claim(0n))).toBe("new");
  });
  it("accepts a higher incarnation of the same generation", () => {
    expect(aliveVerdict(held(), claim(6n))).toBe("newer");
    expect(aliveVerdict(held({ status: "suspect" }), claim(6n))).toBe("newer");
    expect(aliveVerdict(held({ status: "dead" }), claim(6n))).toBe("newer");
  });
  it("ignores equal or lower incarnations (suspect beats alive at the same incarnation)", () => {
    expect(aliveVerdict(held(), claim(5n))).toBe("stale");
    expect(aliveVerdict(held({ status: "suspect" }), claim(5n))).toBe("stale");
    expect(aliveVerdict(held(), claim(4n))).toBe("stale");
  });
  it("a higher generation wins even at a lower incarnation, whatever the old one's status", () => {
    for (const status of ["alive", "suspect", "dead", "left"] as const) {
      expect(aliveVerdict(held({ status }), claim(0n, 2))).toBe("restart");
    }
  });
  it("an older generation never wins", () => {
    expect(aliveVerdict(held({ status: "dead" }), claim(99n, 0))).toBe("stale");
  });
  it("a dead name reclaimed from new addresses is accepted at once", () => {
    expect(aliveVerdict(held({ status: "dead" }), claim(0n, 1, ["udp://b"]))).toBe("reclaim");
    expect(aliveVerdict(held({ status: "left" }), claim(0n, 1, ["udp://b"]))).toBe("reclaim");
    expect(aliveVerdict(held({ status: "dead" }), claim(0n, 1, ["udp://a"]))).toBe("stale");
    expect(aliveVerdict(held({ status: "alive" }), claim(0n, 1, ["udp://b"]))).toBe("stale");
  });
});

describe("suspectVerdict", () => {
  it("suspects alive members at the same or a higher incarnation", () => {
    expect(suspectVerdict(held(), 5n)).toBe("suspect");
    expect(suspectVerdict(held(), 6n)).toBe("suspect");
    expect(suspectVerdict(held(), 4n)).toBe("stale");
  });
  it("confirms suspect members at the suspected incarnation", () => {
    expect(suspectVerdict(held({ status: "suspect" }), 5n)).toBe("confirm");
  });
  it("a higher incarnation than the suspected one is a new suspicion", () => {
    expect(suspectVerdict(held({ status: "suspect" }), 6n)).toBe("suspect");
    expect(suspectVerdict(held({ status: "suspect" }), 4n)).toBe("stale");
  });
  it("ignores dead, left and unknown members", () => {
    expect(suspectVerdict(held({ status: "dead" }), 9n)).toBe("stale");
    expect(suspectVerdict(held({ status: "left" }), 9n)).toBe("stale");
    expect(suspectVerdict(undefined, 9n)).toBe("unknown");
  });
});

describe("deadVerdict", () => {
  it("kills live members at the same or a higher incarnation", () => {
    expect(deadVerdict(held(), 5n, false)).toBe("dead");
    expect(deadVerdict(held({ status: "suspect" }), 6n, false)).toBe("dead");
    expect(deadVerdict(held(), 4n, false)).toBe("stale");
  });
  it("tells a graceful leave from a failure", () => {
    expect(deadVerdict(held(), 6n, true)).toBe("left");
  });
  it("upgrades dead to left for a leave at the same (force-leave) or a newer incarnation", () => {
    expect(deadVerdict(held({ status: "dead" }), 6n, true)).toBe("left");
    expect(deadVerdict(held({ status: "dead" }), 5n, true)).toBe("left");
    expect(deadVerdict(held({ status: "dead" }), 4n, true)).toBe("stale");
    expect(deadVerdict(held({ status: "dead" }), 6n, false)).toBe("stale");
    expect(deadVerdict(held({ status: "left" }), 9n, false)).toBe("stale");
    expect(deadVerdict(undefined, 1n, false)).toBe("unknown");
  });
});
