import * as protocol from "@grapevine/protocol";
import { isGrapevineError } from "@grapevine/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as transport from "../src/index.js";

/** What parsing `url` gives: the address, or the error's class name, code and message. */
function outcome(parse: (url: string) => protocol.Address, url: string): unknown {
  try {
    return parse(url);
  } catch (e) {
    const err = e as protocol.GrapevineError;
    return { error: err.name, code: err.code, message: err.message };
  }
}

const SAMPLES = [
  "udp://10.0.0.5:7946",
  "ws://Host.example:8080/gossip",
  "mem://n17",
  "udp://[::1]:7946",
  "ws://[fe80::1%eth0]:80/x",
  "",
  "10.0.0.5:7946",
  "udp://::1:7946",
  "udp://[::1:7946",
  "udp://host:99999",
  "udp://host:abc",
  "udp://:7946",
  "mem://bad name",
  "ws://h:1/a b",
];

describe("the deprecated address helpers (protocol's, with transport errors)", () => {
  it("parseAddress gives protocol's address, or its refusal as TransportError('invalid-address')", () => {
    const check = (url: string) => {
      const theirs = outcome(protocol.parseAddress, url);
      const ours = outcome(transport.parseAddress, url);
      if (theirs !== null && typeof theirs === "object" && "error" in theirs) {
        expect(ours).toEqual({ ...theirs, error: "TransportError" });
      } else {
        expect(ours).toEqual(theirs);
      }
    };
    for (const url of SAMPLES) check(url);
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 30 }), check), {
      seed: 14,
      numRuns: 500,
    });
  });

  it("the others are protocol's functions themselves", () => {
    expect(transport.schemeOf).toBe(protocol.schemeOf);
    expect(transport.formatAddress).toBe(protocol.formatAddress);
    expect(transport.isUnspecifiedHost).toBe(protocol.isUnspecifiedHost);
  });

  it("TransportError is a GrapevineError with its code", () => {
    const err = new transport.TransportError("timeout", "too slow");
    expect(isGrapevineError(err, "timeout")).toBe(true);
    expect(err.name).toBe("TransportError");
  });
});
