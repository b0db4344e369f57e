import { TransportError } from "@grapevine/transport";
import { describe, expect, it } from "vitest";
import { toTransportError } from "./socket-errors.js";

function sysError(code: string): Error {
  return Object.assign(new Error(`${code} happened`), { code });
}

describe("toTransportError", () => {
  it.each([
    ["EADDRINUSE", "address-in-use"],
    ["EACCES", "access-denied"],
    ["EPERM", "access-denied"],
    ["EADDRNOTAVAIL", "invalid-address"],
    ["ECONNREFUSED", "unreachable"],
    ["EHOSTUNREACH", "unreachable"],
    ["ENETUNREACH", "unreachable"],
    ["ENOTFOUND", "unreachable"],
    ["ECONNRESET", "reset"],
    ["EPIPE", "reset"],
    ["ETIMEDOUT", "timeout"],
  ])("maps %s to %s, keeping the cause", (errno, code) => {
    const cause = sysError(errno);
    const err = toTransportError(cause, "doing a thing");
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe(code);
    expect(err.cause).toBe(cause);
    expect(err.message).toContain("doing a thing");
  });

  it("uses the fallback for unknown errors and passes TransportErrors through", () => {
    expect(toTransportError(new Error("odd"), "x", "protocol").code).toBe("protocol");
    expect(toTransportError("not even an Error", "x").code).toBe("reset");
    const original = new TransportError("limit", "full");
    expect(toTransportError(original, "x")).toBe(original);
  });
});
