import * as protocol from "@grapevine/protocol";
import { isGrapevineError } from "@grapevine/protocol";
import { describe, expect, it } from "vitest";
import {
  formatAddress,
  isUnspecifiedHost,
  parseAddress,
  schemeOf,
  TransportError,
} from "../src/index.js";

describe("parseAddress", () => {
  it("parses udp, ws and mem URLs", () => {
    expect(parseAddress("udp://10.0.0.5:7946")).toMatchObject({
      scheme: "udp",
      host: "10.0.0.5",
      port: 7946,
      path: "",
      ipv6: false,
    });
    expect(parseAddress("ws://Host.example:8080/gossip")).toMatchObject({
      scheme: "ws",
      host: "host.example",
      port: 8080,
      path: "/gossip",
      url: "ws://host.example:8080/gossip",
    });
    expect(parseAddress("mem://n17")).toMatchObject({ scheme: "mem", host: "n17" });
  });

  it("supports IPv6 literals in brackets", () => {
    const a = parseAddress("udp://[::1]:7946");
    expect(a).toMatchObject({ host: "::1", port: 7946, ipv6: true, url: "udp://[::1]:7946" });
    expect(parseAddress("ws://[fe80::1%eth0]:80/x").host).toBe("fe80::1%eth0");
    expect(formatAddress("udp", "::1", 1)).toBe("udp://[::1]:1");
  });

  it.each([
    ["", "empty"],
    ["10.0.0.5:7946", "scheme"],
    ["udp://::1:7946", "brackets"],
    ["udp://[::1:7946", "unclosed"],
    ["udp://host:99999", "0-65535"],
    ["udp://host:abc", "number"],
    ["udp://:7946", "missing host"],
    ["mem://bad name", "mem://<name>"],
    ["ws://h:1/a b", "path"],
  ])("rejects %j with a clear reason", (url, why) => {
    let err: unknown;
    try {
      parseAddress(url);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("invalid-address");
    expect((err as TransportError).message).toContain(why);
  });

  it("recognises unspecified hosts", () => {
    expect(isUnspecifiedHost("0.0.0.0")).toBe(true);
    expect(isUnspecifiedHost("::")).toBe(true);
    expect(isUnspecifiedHost("0:0::0")).toBe(true);
    expect(isUnspecifiedHost("::1")).toBe(false);
    expect(isUnspecifiedHost("127.0.0.1")).toBe(false);
  });
});

describe("shared vocabulary", () => {
  it("TransportError is a GrapevineError with its code", () => {
    const err = new TransportError("timeout", "too slow");
    expect(isGrapevineError(err, "timeout")).toBe(true);
    expect(err.name).toBe("TransportError");
  });

  it("the deprecated address helpers are the protocol's", () => {
    expect(schemeOf).toBe(protocol.schemeOf);
    expect(formatAddress).toBe(protocol.formatAddress);
    expect(isUnspecifiedHost).toBe(protocol.isUnspecifiedHost);
  });
});
