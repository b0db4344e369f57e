import { describe, expect, it } from "vitest";
import { countSendError, MAX_SEND_ERROR_CODES } from "./counters.js";

describe("countSendError", () => {
  it("counts by code, names what has none, and tells at most MAX_SEND_ERROR_CODES apart", () => {
    const byCode: Record<string, number> = {};
    countSendError(byCode, { code: "EPERM" });
    countSendError(byCode, { code: "EPERM" });
    countSendError(byCode, new Error("no code"));
    countSendError(byCode, { code: "not a code\n" });
    countSendError(byCode, null);
    expect(byCode).toEqual({ EPERM: 2, unknown: 3 });
    for (let i = 0; i < 2 * MAX_SEND_ERROR_CODES; i++) countSendError(byCode, { code: `E${i}` });
    expect(Object.keys(byCode)).toHaveLength(MAX_SEND_ERROR_CODES + 1);
    expect(byCode.other).toBe(2 * MAX_SEND_ERROR_CODES - (MAX_SEND_ERROR_CODES - 2));
    expect(Object.values(byCode).reduce((a, b) => a + b, 0)).toBe(5 + 2 * MAX_SEND_ERROR_CODES);
  });
});
