import { describe, expect, it } from "vitest";
import { firstSendableAddress, schemeOf, schemesOf, sharesScheme } from "./addresses.js";

describe("addresses", () => {
  it("extracts lower-cased schemes", () => {
    expect(schemeOf("udp://10.0.0.5:7946")).toBe("udp");
    expect(schemeOf("WS://host:8080/gossip")).toBe("ws");
    expect(schemeOf("mem://n17")).toBe("mem");
    expect(schemeOf("no-scheme")).toBe("");
    expect(schemeOf("://x")).toBe("");
  });
  it("gives a sorted, distinct scheme signature", () => {
    expect(schemesOf(["ws://a", "udp://b", "udp://c", "bogus"])).toEqual(["udp", "ws"]);
  });
  it("picks the first address with a scheme we have", () => {
    const own = new Set(["ws", "mem"]);
    expect(firstSendableAddress(["udp://a", "ws://b", "mem://c"], own)).toBe("ws://b");
    expect(firstSendableAddress(["udp://a"], own)).toBeUndefined();
  });
  it("tells whether two scheme lists intersect", () => {
    expect(sharesScheme(["udp", "ws"], ["ws"])).toBe(true);
    expect(sharesScheme(["udp"], ["ws"])).toBe(false);
    expect(sharesScheme([], ["ws"])).toBe(false);
  });
});
