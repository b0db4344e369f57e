import * as protocol from "@grapevine/protocol";
import { describe, expect, it } from "vitest";
import { randomIndex, seededRng } from "./rng.js";

describe("deprecated RNG names", () => {
  it("are the generator and helper of @grapevine/protocol", () => {
    expect(seededRng).toBe(protocol.seededRng);
    expect(randomIndex).toBe(protocol.randomIndex);
  });
});
