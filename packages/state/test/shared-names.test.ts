import { describe, expect, it } from "vitest";
import * as state from "../src/index.js";

describe("renamed exports", () => {
  it("keep their deprecated names", () => {
    expect(state.emptyCounters).toBe(state.emptyStateCounters);
    expect(state.DEFAULT_LIMITS).toBe(state.DEFAULT_STATE_LIMITS);
    expect(state.emptyStateCounters().rejected.self).toBe(0);
  });
});
