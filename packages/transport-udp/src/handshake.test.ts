import { isTransportError } from "@grapevine/transport";
import { describe, expect, it } from "vitest";
import { decodeHello, decodeReply, encodeHello, encodeReply } from "./handshake.js";

function protocolError(fn: () => unknown): boolean {
  try {
    fn();
  } catch (err) {
    return isTransportError(err, "protocol");
  }
  return false;
}

describe("stream handshake", () => {
  it("round-trips a hello to the canonical address", () => {
    expect(decodeHello(encodeHello("udp://10.0.0.5:7946"))).toBe("udp://10.0.0.5:7946");
    expect(decodeHello(encodeHello("UDP://[::1]:7946"))).toBe("udp://[::1]:7946");
    expect(decodeReply(encodeReply("accept"))).toBe("accept");
    expect(decodeReply(encodeReply("refuse-limit"))).toBe("refuse-limit");
  });

  it.each([
    "udp://0.0.0.0:7946",
    "udp://[::]:7946",
    "udp://10.0.0.5",
    "udp://10.0.0.5:0",
    "ws://10.0.0.5:7946",
    "udp://10.0.0.5:7946/x",
    "not a url",
    "",
  ])("rejects a hello announcing %j", (address) => {
    expect(protocolError(() => decodeHello(encodeHello(address)))).toBe(true);
  });

  it("rejects frames that are not a handshake", () => {
    expect(protocolError(() => decodeHello(Uint8Array.of(1, 2, 3, 4, 5)))).toBe(true);
    expect(protocolError(() => decodeHello(Uint8Array.of(0x47, 0x56, 9, 1)))).toBe(true);
    expect(protocolError(() => decodeHello(encodeReply("accept")))).toBe(true);
    expect(protocolError(() => decodeReply(encodeHello("udp://10.0.0.5:1")))).toBe(true);
    expect(protocolError(() => decodeHello(Uint8Array.of(0x47, 0x56, 1, 1, 0xff, 0xfe)))).toBe(
      true,
    );
  });
});
