/** Properties of the scheme helpers swim uses to decide whom it can reach directly. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstSendableAddress, schemeOf, schemesOf, sharesScheme } from "../src/index.js";

const scheme = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9+.-]{0,6}$/);
const rest = fc.stringMatching(/^[A-Za-z0-9.:[\]/-]{0,20}$/);
const address = fc.tuple(scheme, rest).map(([s, r]) => `${s}://${r}`);
const schemes = fc.uniqueArray(
  scheme.map((s) => s.toLowerCase()),
  { maxLength: 4 },
);
const RUNS = { numRuns: 1000, seed: 14 };

describe("scheme helpers", () => {
  it("schemeOf gives back the scheme an address was written with, lower-cased", () => {
    fc.assert(
      fc.property(scheme, rest, (s, r) => {
        expect(schemeOf(`${s}://${r}`)).toBe(s.toLowerCase());
      }),
      RUNS,
    );
  });

  it("schemesOf is the sorted set of the addresses' schemes", () => {
    fc.assert(
      fc.property(fc.array(address, { maxLength: 6 }), (addresses) => {
        const expected = [...new Set(addresses.map(schemeOf))].sort();
        expect(schemesOf(addresses)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("firstSendableAddress is the first address with one of our schemes, if any", () => {
    fc.assert(
      fc.property(fc.array(address, { maxLength: 6 }), schemes, (addresses, own) => {
        const ours = new Set(own);
        const first = firstSendableAddress(addresses, ours);
        expect(first).toBe(addresses.find((a) => ours.has(schemeOf(a))));
        expect(first === undefined).toBe(!sharesScheme(schemesOf(addresses), own));
      }),
      RUNS,
    );
  });

  it("sharesScheme is symmetric and means a common scheme", () => {
    fc.assert(
      fc.property(schemes, schemes, (a, b) => {
        expect(sharesScheme(a, b)).toBe(sharesScheme(b, a));
        expect(sharesScheme(a, b)).toBe(a.some((s) => b.includes(s)));
      }),
      RUNS,
    );
  });
});
