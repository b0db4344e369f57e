import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatAddress, isUnspecifiedHost, parseAddress, schemeOf } from "./address.js";
import { AddressError, isGrapevineError } from "./errors.js";

describe("parseAddress", () => {
  it("parses udp, ws and mem URLs into their parts and a canonical URL", () => {
    expect(parseAddress("udp://10.0.0.5:7946")).toEqual({
      scheme: "udp",
      host: "10.0.0.5",
      port: 7946,
      path: "",
      ipv6: false,
      url: "udp://10.0.0.5:7946",
    });
    expect(parseAddress("WS://Host.example:8080/gossip")).toMatchObject({
      scheme: "ws",
      host: "host.example",
      path: "/gossip",
      url: "ws://host.example:8080/gossip",
    });
    expect(parseAddress("mem://N17")).toMatchObject({
      scheme: "mem",
      host: "N17",
      port: undefined,
    });
    expect(parseAddress("udp://[::1]:7946")).toMatchObject({ host: "::1", ipv6: true });
    expect(parseAddress("ws://[fe80::1%eth0]:80/x").host).toBe("fe80::1%eth0");
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
  ])("rejects %j with an AddressError saying why", (url, why) => {
    let err: unknown;
    try {
      parseAddress(url);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AddressError);
    expect(isGrapevineError(err, "invalid-address")).toBe(true);
    expect((err as AddressError).message).toContain(why);
  });

  it("formats IPv6 hosts in brackets and recognises unspecified hosts", () => {
    expect(formatAddress("udp", "::1", 1)).toBe("udp://[::1]:1");
    expect(formatAddress("ws", "h", undefined, "/g")).toBe("ws://h/g");
    expect(isUnspecifiedHost("0.0.0.0")).toBe(true);
    expect(isUnspecifiedHost("::")).toBe(true);
    expect(isUnspecifiedHost("::1")).toBe(false);
  });
});

describe("schemeOf", () => {
  it("gives the lower-cased scheme, or undefined for text that is not scheme://...", () => {
    expect(schemeOf("udp://10.0.0.5:7946")).toBe("udp");
    expect(schemeOf("WS://host:8080/gossip")).toBe("ws");
    expect(schemeOf("ws-client://abc")).toBe("ws-client");
    expect(schemeOf("no-scheme")).toBeUndefined();
    expect(schemeOf("://x")).toBeUndefined();
    expect(schemeOf("1udp://x")).toBeUndefined();
    expect(schemeOf("a b://x")).toBeUndefined();
    expect(schemeOf("udp://a\nb")).toBeUndefined();
  });

  it("agrees with the URL grammar parseAddress uses, on any text", () => {
    const grammar = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i;
    const bySpec = (text: string): string | undefined => grammar.exec(text)?.[1]?.toLowerCase();
    const nearUrl = fc
      .tuple(
        fc.stringMatching(/^[A-Za-z0-9+.\- :_]{0,6}$/),
        fc.constantFrom("://", ":/", ":", "//", ""),
        fc.string({ unit: "binary", maxLength: 12 }),
      )
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(fc.oneof(nearUrl, fc.string({ unit: "binary" })), (text) => {
        expect(schemeOf(text)).toBe(bySpec(text));
      }),
      { numRuns: 5000, seed: 14 },
    );
  });
});
