/** Round-trip properties of address URLs: formatting then parsing, and canonical forms. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatAddress, parseAddress, schemeOf } from "../src/index.js";

/** Schemes in any case; `mem` has its own form (`mem://<name>`) and is tested apart. */
const scheme = fc
  .stringMatching(/^[a-zA-Z][a-zA-Z0-9+.-]{0,8}$/)
  .filter((s) => s.toLowerCase() !== "mem");
const hostName = fc.stringMatching(/^[A-Za-z0-9.-]{1,24}$/);
const host = fc.oneof(
  hostName.map((name) => ({ name, ipv6: false })),
  fc.ipV4().map((name) => ({ name, ipv6: false })),
  fc.ipV6().map((name) => ({ name, ipv6: true })),
);
const port = fc.option(fc.integer({ min: 0, max: 65_535 }), { nil: undefined });
const path = fc.oneof(fc.constant(""), fc.stringMatching(/^(\/[A-Za-z0-9._~-]{0,8}){1,3}$/));
const RUNS = { numRuns: 1000, seed: 14 };

describe("address round trips", () => {
  it("parses what formatAddress writes back to its parts", () => {
    fc.assert(
      fc.property(scheme, host, port, path, (s, h, p, pathText) => {
        const parsed = parseAddress(formatAddress(s, h.name, p, pathText));
        expect(parsed.scheme).toBe(s.toLowerCase());
        expect(parsed.host).toBe(h.ipv6 ? h.name : h.name.toLowerCase());
        expect(parsed.ipv6).toBe(h.ipv6);
        expect(parsed.port).toBe(p);
        expect(parsed.path).toBe(pathText === "/" ? "" : pathText);
      }),
      RUNS,
    );
  });

  it("a canonical URL is a fixed point: parsing it, or formatting its parts, gives it back", () => {
    fc.assert(
      fc.property(scheme, host, port, path, (s, h, p, pathText) => {
        const parsed = parseAddress(formatAddress(s, h.name, p, pathText));
        expect(parseAddress(parsed.url)).toEqual(parsed);
        expect(formatAddress(parsed.scheme, parsed.host, parsed.port, parsed.path)).toBe(
          parsed.url,
        );
      }),
      RUNS,
    );
  });

  it("mem addresses round-trip by name", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9._~-]{1,24}$/), (name) => {
        const parsed = parseAddress(`mem://${name}`);
        expect(parsed).toMatchObject({ scheme: "mem", host: name, url: `mem://${name}` });
        expect(parseAddress(parsed.url)).toEqual(parsed);
      }),
      RUNS,
    );
  });

  it("schemeOf agrees with parseAddress on valid URLs and never throws on anything else", () => {
    fc.assert(
      fc.property(scheme, host, port, path, (s, h, p, pathText) => {
        const url = formatAddress(s, h.name, p, pathText);
        expect(schemeOf(url)).toBe(parseAddress(url).scheme);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const found = schemeOf(text);
        if (found !== undefined) {
          expect(found).toBe(found.toLowerCase());
          expect(text.toLowerCase().startsWith(`${found}://`)).toBe(true);
        }
      }),
      RUNS,
    );
  });
});
