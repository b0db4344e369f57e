import { isGrapevineError } from "@grapevine/protocol";
import { describe, expect, it } from "vitest";
import type { SwimConfig } from "./config.js";
import { SwimConfigError, swimConfig, swimPresets, validateSwimConfig } from "./config.js";

describe("presets", () => {
  it("lan has memberlist's LAN numbers", () => {
    expect(swimPresets.lan).toMatchObject({
      probeIntervalMs: 1000,
      probeTimeoutMs: 500,
      indirectChecks: 3,
      gossipIntervalMs: 200,
      gossipFanout: 3,
      retransmitMult: 4,
      suspicionMult: 4,
      suspicionMaxTimeoutMult: 6,
      awarenessMaxMultiplier: 8,
      pushPullIntervalMs: 30_000,
      gossipToTheDeadMs: 30_000,
      lifeguard: { awareness: true, dynamicSuspicion: true, buddy: true },
    });
  });
  it("wan has memberlist's WAN numbers", () => {
    expect(swimPresets.wan).toMatchObject({
      probeIntervalMs: 5000,
      probeTimeoutMs: 3000,
      gossipIntervalMs: 500,
      gossipFanout: 4,
      retransmitMult: 4,
      suspicionMult: 6,
      pushPullIntervalMs: 60_000,
    });
  });
  it("local has the one-machine numbers", () => {
    expect(swimPresets.local).toMatchObject({
      probeIntervalMs: 1000,
      probeTimeoutMs: 200,
      gossipIntervalMs: 100,
      retransmitMult: 3,
      suspicionMult: 3,
      pushPullIntervalMs: 15_000,
    });
  });
  it("every preset validates and is frozen", () => {
    for (const preset of Object.values(swimPresets)) {
      expect(validateSwimConfig(preset)).toEqual(preset);
      expect(Object.isFrozen(preset)).toBe(true);
      expect(Object.isFrozen(preset.lifeguard)).toBe(true);
    }
  });
});

describe("swimConfig", () => {
  it("defaults to lan", () => {
    expect(swimConfig()).toEqual(swimPresets.lan);
  });
  it("overrides any value, lifeguard switches one by one", () => {
    const config = swimConfig("wan", { probeTimeoutMs: 1000, lifeguard: { buddy: false } });
    expect(config.probeTimeoutMs).toBe(1000);
    expect(config.probeIntervalMs).toBe(5000);
    expect(config.lifeguard).toEqual({ awareness: true, dynamicSuspicion: true, buddy: false });
    expect(swimPresets.wan.lifeguard.buddy).toBe(true);
  });
  it("rejects an unknown preset", () => {
    expect(() => swimConfig("moon" as "lan")).toThrow(SwimConfigError);
  });
});

function rejects(overrides: Record<string, unknown>, field: string, reason: RegExp): void {
  let error: unknown;
  try {
    swimConfig("lan", overrides as Partial<SwimConfig>);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SwimConfigError);
  const configError = error as SwimConfigError;
  expect(configError.field).toBe(field);
  expect(configError.reason).toMatch(reason);
  expect(configError.message).toContain(field);
  expect(isGrapevineError(configError, "invalid-config")).toBe(true);
}

describe("validation names the field and says why", () => {
  it("non-positive or non-finite durations", () => {
    rejects({ probeIntervalMs: 0 }, "probeIntervalMs", /> 0/);
    rejects({ probeIntervalMs: -5 }, "probeIntervalMs", /> 0/);
    rejects({ probeTimeoutMs: Number.NaN }, "probeTimeoutMs", /finite/);
    rejects({ gossipIntervalMs: Number.POSITIVE_INFINITY }, "gossipIntervalMs", /finite/);
    rejects({ gossipToTheDeadMs: -1 }, "gossipToTheDeadMs", />= 0/);
  });
  it("wrong types", () => {
    rejects({ probeIntervalMs: "1000" }, "probeIntervalMs", /finite number.*"1000"/);
    rejects({ streamProbe: 1 }, "streamProbe", /boolean/);
    rejects({ lifeguard: { awareness: "yes" } }, "lifeguard.awareness", /boolean/);
  });
  it("fractional counts", () => {
    rejects({ indirectChecks: 1.5 }, "indirectChecks", /integer/);
    rejects({ retransmitMult: 2.5 }, "retransmitMult", /integer/);
    rejects({ broadcastQueueLimit: 10.1 }, "broadcastQueueLimit", /integer/);
  });
  it("counts out of range", () => {
    rejects({ retransmitMult: 0 }, "retransmitMult", />= 1/);
    rejects({ suspicionMult: 0 }, "suspicionMult", />= 1/);
    rejects({ suspicionMaxTimeoutMult: 0 }, "suspicionMaxTimeoutMult", />= 1/);
    rejects({ awarenessMaxMultiplier: 0 }, "awarenessMaxMultiplier", />= 1/);
    rejects({ indirectChecks: -1 }, "indirectChecks", />= 0/);
  });
  it("a probe timeout that does not fit in the interval", () => {
    rejects({ probeTimeoutMs: 1000 }, "probeTimeoutMs", /less than probeIntervalMs/);
    rejects({ minProbeTimeoutMs: 600 }, "minProbeTimeoutMs", /<= probeTimeoutMs \(got 600 > 500\)/);
    rejects({ minProbeTimeoutMs: 0 }, "minProbeTimeoutMs", /> 0/);
  });
  it("unknown keys (typos)", () => {
    rejects({ probeIntervall: 5 }, "probeIntervall", /not a known setting/);
    rejects({ lifeguard: { budy: false } }, "lifeguard.budy", /not a known setting/);
  });
  it("accepts zero where zero means 'off'", () => {
    expect(
      swimConfig("lan", { pushPullIntervalMs: 0, indirectChecks: 0, gossipFanout: 0 }),
    ).toBeTruthy();
  });
});
