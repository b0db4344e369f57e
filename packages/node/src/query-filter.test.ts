import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compileTagPattern,
  MAX_TAG_PATTERN_LENGTH,
  passesQueryFilter,
  tagPatternProblem,
} from "./query-filter.js";

describe("tag patterns from peers", () => {
  it.each(["web", "web|db", "(web|db)", "web-\\d+", "[a-z]+-[0-9]{1,3}", "eu-.*", "a?b*c+"])(
    "accepts the usual shape %j",
    (p) => {
      expect(tagPatternProblem(p)).toBeUndefined();
    },
  );

  it("refuses the shapes of catastrophic backtracking, back-references and lookarounds", () => {
    for (const p of [
      "(a+)+$",
      "(a*)*b",
      "(a|a)*b",
      "((ab)*)+",
      "(.*a){2,}",
      "(\\w+\\s?)*$",
      "(a)\\1",
      "(?<x>a)\\k<x>",
      "(?=a)a",
      "(?!a)b",
      "(?<=a)b",
      "(?<!a)b",
    ]) {
      expect(tagPatternProblem(p), p).toBe("unsafe");
    }
    expect(tagPatternProblem("a".repeat(MAX_TAG_PATTERN_LENGTH + 1))).toBe("too-long");
    expect(tagPatternProblem("(")).toBe("invalid");
  });

  it("a refused pattern matches nothing and is reported; the evil input costs nothing", () => {
    let refused = 0;
    const passes = passesQueryFilter(
      [],
      [{ tag: "role", pattern: "(a+)+$" }],
      "n1",
      { role: `${"a".repeat(40)}!` },
      () => {
        refused += 1;
      },
    );
    expect(passes).toBe(false);
    expect(refused).toBe(1);
  });

  // A pattern of exponential backtracking would take ~2^40 steps here and time the test out.
  it("every accepted pattern of a small alphabet finishes on a 40-char adversarial value", () => {
    const atom = fc.constantFrom("a", "b", ".", "[ab]", "\\w");
    const quantifier = fc.constantFrom("", "*", "+", "?", "{1,3}");
    const piece = fc.tuple(atom, quantifier).map(([a, q]) => a + q);
    const group = fc
      .tuple(fc.array(piece, { minLength: 1, maxLength: 3 }), quantifier, fc.boolean())
      .map(([ps, q, alt]) => `(${ps.join(alt ? "|" : "")})${q}`);
    const pattern = fc
      .array(fc.oneof(piece, group), { minLength: 1, maxLength: 5 })
      .map((xs) => xs.join(""));
    fc.assert(
      fc.property(pattern, (p) => {
        const regex = compileTagPattern(p);
        fc.pre(regex !== undefined);
        expect(typeof regex!.test(`${"a".repeat(40)}!`)).toBe("boolean");
      }),
      { numRuns: 300 },
    );
  });
});
