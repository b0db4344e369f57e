import { describe, expect, it } from "vitest";
import { AddressError, GrapevineError, isGrapevineError } from "./errors.js";

class ExampleError extends GrapevineError<"one" | "two"> {
  override name = "ExampleError";
}

describe("GrapevineError", () => {
  it("carries a code, a message and a cause, and is an Error", () => {
    const cause = new Error("underneath");
    const err = new ExampleError("two", "it broke", { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(GrapevineError);
    expect(err.code).toBe("two");
    expect(err.message).toBe("it broke");
    expect(err.name).toBe("ExampleError");
    expect(err.cause).toBe(cause);
  });

  it("is recognised with or without a code", () => {
    const err = new AddressError("bad");
    expect(err.name).toBe("AddressError");
    expect(isGrapevineError(err)).toBe(true);
    expect(isGrapevineError(err, "invalid-address")).toBe(true);
    expect(isGrapevineError(err, "timeout")).toBe(false);
    expect(isGrapevineError(new Error("plain"))).toBe(false);
    expect(isGrapevineError({ code: "invalid-address" })).toBe(false);
  });
});
