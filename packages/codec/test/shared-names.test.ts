import { isGrapevineError } from "@grapevine/protocol";
import { describe, expect, it } from "vitest";
import { CodecError, DEFAULT_CODEC_LIMITS, DEFAULT_LIMITS, decode } from "../src/index.js";

describe("names shared with @grapevine/protocol", () => {
  it("CodecError is a GrapevineError whose code is its reason", () => {
    const result = decode(new Uint8Array([0xff]));
    expect(result.ok).toBe(false);
    const err = (result as { error: CodecError }).error;
    expect(isGrapevineError(err)).toBe(true);
    expect(err.code).toBe(err.reason);
    expect(new CodecError("limit", "x").code).toBe("limit");
  });

  it("DEFAULT_LIMITS is the deprecated name of DEFAULT_CODEC_LIMITS", () => {
    expect(DEFAULT_LIMITS).toBe(DEFAULT_CODEC_LIMITS);
  });
});
