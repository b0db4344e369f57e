import fc from "fast-check";
import { expect, it } from "vitest";
import {
  acceptsConnections,
  canReach,
  firstSendableAddress,
  reachableSchemes,
  schemeOf,
  schemesOf,
  sharesScheme,
} from "./addresses.js";

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
it("picks exactly the first address whose lower-cased scheme is ours", () => {
  const scheme = fc.constantFrom("udp", "UDP", "Ws", "ws", "mem", "wss", "Éx", "éx", "", "u:");
  const address = fc.tuple(scheme, fc.constantFrom("://", ":/", "//"), fc.string({ maxLength: 4 }));
  fc.assert(
    fc.property(
      fc.array(
        address.map(([s, sep, rest]) => s + sep + rest),
        { maxLength: 6 },
      ),
      fc.uniqueArray(scheme, { maxLength: 4 }),
      (addresses, schemes) => {
        const own = new Set<string>(schemes);
        const expected = addresses.find((a) => own.has(schemeOf(a)));
        expect(firstSendableAddress(addresses, own)).toBe(expected);
      },
    ),
  );
});
it("tells whether two scheme lists intersect", () => {
  expect(sharesScheme(["udp", "ws"], ["ws"])).toBe(true);
  expect(sharesScheme(["udp"], ["ws"])).toBe(false);
  expect(sharesScheme([], ["ws"])).toBe(false);
});

it("dial-only WebSocket members: reached by listeners, never by each other, never dialed", () => {
  expect(reachableSchemes(["ws"])).toEqual(["ws", "ws-client", "wss"]);
  expect(reachableSchemes(["ws-client"])).toEqual(["ws", "wss"]);
  expect(reachableSchemes(["udp"])).toEqual(["udp"]);
  expect(canReach(["ws"], ["ws-client"])).toBe(true);
  expect(canReach(["wss"], ["ws-client"])).toBe(true);
  expect(canReach(["ws-client"], ["ws"])).toBe(true);
  expect(canReach(["ws-client"], ["ws-client"])).toBe(false);
  expect(canReach(["udp"], ["ws-client"])).toBe(false);
  expect(canReach(["udp", "ws"], ["udp"])).toBe(true);
  expect(acceptsConnections("ws-client://0123456789abcdef")).toBe(false);
  expect(acceptsConnections("ws://127.0.0.1:7947/gossip")).toBe(true);
  expect(acceptsConnections("udp://127.0.0.1:7946")).toBe(true);
});
