import { describe, expect, it } from "vitest";
import {
  DEFAULT_LIMITS,
  DEFAULT_STATE_LIMITS,
  emptyCounters,
  emptyStateCounters,
} from "../src/index.js";

describe("renamed exports", () => {
  it("keep their deprecated names", () => {
    expect(emptyCounters).toBe(emptyStateCounters);
    expect(DEFAULT_LIMITS).toBe(DEFAULT_STATE_LIMITS);
    expect(emptyStateCounters().rejected.self).toBe(0);
  });
});
