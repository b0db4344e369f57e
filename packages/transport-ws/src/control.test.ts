import { isTransportError } from "@grapevine/transport";
import { describe, expect, it } from "vitest";
import { decodeControl, encodeControl, validatePeerAddress } from "./control.js";

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isTransportError(err) ? err.code : "other";
  }
  return undefined;
}

describe("control messages", () => {
  it("round-trip every kind", () => {
    const token = "0123456789abcdef0123456789abcdef";
    for (const c of [
      { kind: "hello", role: "peer", from: "ws://10.0.0.5:8080/gossip" },
      { kind: "hello", role: "stream", from: "ws-client://abc", token },
      { kind: "welcome", from: "wss://[::1]:443/g" },
      { kind: "refuse", reason: "limit" },
      { kind: "open-stream", token },
      { kind: "end" },
    ] as const) {
      expect(decodeControl(encodeControl(c))).toEqual(c);
    }
  });

  it("canonicalises the announced address", () => {
    expect(decodeControl('{"v":1,"kind":"welcome","from":"WS://Host:80/g"}')).toEqual({
      kind: "welcome",
      from: "ws://host:80/g",
    });
  });

  it.each([
    "",
    "null",
    "[]",
    "{",
    '{"v":2,"kind":"end"}',
    '{"v":1,"kind":"nope"}',
    '{"v":1,"kind":"hello","role":"peer","from":"ws://0.0.0.0:1/g"}',
    '{"v":1,"kind":"hello","role":"peer","from":"udp://10.0.0.1:1"}',
    '{"v":1,"kind":"hello","role":"peer","from":42}',
    '{"v":1,"kind":"hello","role":"boss","from":"ws://a:1"}',
    '{"v":1,"kind":"hello","role":"peer","from":"ws://a:1","token":"0123456789abcdef0123456789abcdef"}',
    '{"v":1,"kind":"hello","role":"stream","from":"ws://a:1","token":"short"}',
    '{"v":1,"kind":"open-stream","token":"XYZ"}',
    '{"v":1,"kind":"refuse","reason":"because"}',
    `{"v":1,"kind":"end","pad":"${"x".repeat(3000)}"}`,
  ])("rejects %j as protocol", (text) => {
    expect(code(() => decodeControl(text))).toBe("protocol");
  });

  it("validates peer addresses", () => {
    expect(validatePeerAddress("ws-client://N-1.x")).toBe("ws-client://n-1.x");
    expect(validatePeerAddress("wss://example.org/gossip")).toBe("wss://example.org/gossip");
    for (const bad of [
      "ws-client://a:1",
      "ws-client://a_b",
      `ws-client://${"a".repeat(65)}`,
      "ws-client://a/b",
      "ws://[::]:1/g",
      "ws://h:0/g",
      "mem://x",
      "udp://1.2.3.4:5",
    ]) {
      expect(
        code(() => validatePeerAddress(bad)),
        bad,
      ).toBe("invalid-address");
    }
  });
});
