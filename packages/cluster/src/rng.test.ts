import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seededRng } from "./rng.js";

describe("seededRng", () => {
  it("takes a number seed as its text: seededRng(n) and seededRng(String(n)) agree", () => {
    fc.assert(
      fc.property(fc.integer(), (n) => {
        const a = seededRng(n);
        const b = seededRng(String(n));
        for (let i = 0; i < 8; i++) expect(a.next()).toBe(b.next());
      }),
    );
  });

  it("gives the sequence simulations were recorded with", () => {
    const rng = seededRng("1:n0");
    expect([rng.next(), rng.next()]).toMatchSnapshot();
  });
});
