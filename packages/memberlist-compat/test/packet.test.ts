import { describe, expect, it } from "vitest";
import {
  crc32,
  decodePacket,
  encodePacket,
  encodeStream,
  lzwCompress,
  lzwDecompress,
  type MemberlistMessage,
  makeCompound,
  readStream,
  sealPacket,
} from "../src/index.js";

const lo = Uint8Array.of(127, 0, 0, 1);
const key = new Uint8Array(32).fill(7);
const other = new Uint8Array(16).fill(9);
const alive: MemberlistMessage = {
  type: "alive",
  incarnation: 4,
  node: "gv-0",
  addr: lo,
  port: 7946,
  meta: new TextEncoder().encode('{"role":"web"}'),
  vsn: [1, 5, 2, 0, 0, 0],
};
const ping: MemberlistMessage = { type: "ping", seqNo: 1, node: "go-0" };
const user: MemberlistMessage = { type: "user", payload: Uint8Array.of(1, 2, 3) };

function ok(result: ReturnType<typeof decodePacket>) {
  if (!result.ok) throw result.error;
  return result;
}

describe("packets", () => {
  it("CRC-32 is the IEEE one", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("round-trips one message, a compound, every layer on", () => {
    for (const options of [
      {},
      { crc: true },
      { compress: true },
      { key },
      { label: "prod" },
      { key, label: "prod", crc: true, compress: true },
    ]) {
      const packet = encodePacket([alive, ping, user], options);
      const decoded = ok(
        decodePacket(packet, { keys: options.key ? [other, key] : [], label: options.label }),
      );
      expect(decoded.messages).toEqual([alive, ping, user]);
      expect(decoded.checksummed).toBe(options.crc === true);
      expect(decoded.encrypted).toBe(options.key !== undefined);
    }
  });

  it("refuses a wrong key, a wrong label, a missing label, plaintext when encryption is on", () => {
    const sealed = encodePacket([ping], { key, label: "a" });
    expect(decodePacket(sealed, { keys: [other], label: "a" })).toMatchObject({
      ok: false,
      error: { code: "decrypt" },
    });
    expect(decodePacket(sealed, { keys: [key], label: "b" })).toMatchObject({
      ok: false,
      error: { code: "label-mismatch" },
    });
    expect(decodePacket(encodePacket([ping]), { label: "a" })).toMatchObject({
      ok: false,
      error: { code: "label-mismatch" },
    });
    expect(decodePacket(encodePacket([ping]), { keys: [key] })).toMatchObject({
      ok: false,
      error: { code: "decrypt" },
    });
    // GossipVerifyIncoming off: plaintext is accepted while a cluster turns encryption on.
    expect(
      ok(decodePacket(encodePacket([ping]), { keys: [key], verifyIncoming: false })).messages,
    ).toEqual([ping]);
  });

  it("the label is authenticated: moving a sealed packet to another label fails", () => {
    const sealed = encodePacket([ping], { key, label: "a" });
    const moved = Uint8Array.from([244, 1, 98, ...sealed.subarray(3)]);
    expect(decodePacket(moved, { keys: [key], label: "b" })).toMatchObject({
      ok: false,
      error: { code: "decrypt" },
    });
  });

  it("encryption version 0 (PKCS#7 padded) opens too", () => {
    const sealed = encodePacket([alive], { key, encryptionVersion: 0 });
    expect(ok(decodePacket(sealed, { keys: [key] })).messages).toEqual([alive]);
  });

  it("a bad CRC drops the packet", () => {
    const packet = encodePacket([ping], { crc: true });
    packet[packet.length - 1] = (packet.at(-1) as number) ^ 1;
    expect(decodePacket(packet)).toMatchObject({ ok: false, error: { code: "checksum" } });
  });

  it("a truncated compound keeps its whole parts and counts the rest, as memberlist does", () => {
    const packet = encodePacket([ping, alive, user]);
    const decoded = ok(decodePacket(packet.subarray(0, packet.length - 2)));
    expect(decoded.messages).toEqual([ping, alive]);
    expect(decoded.truncated).toBe(1);
  });

  it("a bad part of a compound is rejected alone", () => {
    const packet = sealPacket(
      makeCompound([Uint8Array.of(99), Uint8Array.of(4, 0xc1), Uint8Array.of(8, 5)]),
    );
    const decoded = ok(decodePacket(packet));
    expect(decoded.messages).toEqual([{ type: "user", payload: Uint8Array.of(5) }]);
    expect(decoded.rejected.map((e) => e.code)).toEqual(["unknown-type", "malformed"]);
  });

  it("nesting is bounded", () => {
    let inner = encodePacket([ping]);
    for (let i = 0; i < 10; i++) inner = makeCompound([inner]);
    const decoded = ok(decodePacket(inner));
    expect(decoded.messages).toEqual([]);
  });

  it("LZW round-trips and bounds its output", () => {
    const input = new TextEncoder().encode("abcabcabc".repeat(1000));
    expect(lzwDecompress(lzwCompress(input), 1 << 20)).toEqual(input);
    expect(() => lzwDecompress(lzwCompress(input), 100)).toThrow(
      expect.objectContaining({ code: "limit" }),
    );
  });
});

describe("streams", () => {
  const pushPull = {
    type: "push-pull" as const,
    join: false,
    nodes: [
      {
        name: "gv-0",
        addr: lo,
        port: 7946,
        meta: new Uint8Array(0),
        incarnation: 1,
        state: 0,
        vsn: [1, 5, 2, 0, 0, 0],
      },
    ],
    userState: Uint8Array.of(9, 9),
  };

  it("round-trips push-pull, user, ping, ack and error, plain, compressed, sealed, labelled", () => {
    const messages = [
      pushPull,
      { type: "user" as const, payload: Uint8Array.of(1) },
      { type: "ping" as const, seqNo: 3, node: "x" },
      { type: "ack" as const, seqNo: 3, payload: new Uint8Array(0) },
      { type: "error" as const, error: "nope" },
    ];
    for (const options of [{}, { compress: true }, { key }, { key, label: "l", compress: true }]) {
      for (const message of messages) {
        const bytes = encodeStream(message, options);
        const read = readStream(bytes, { keys: options.key ? [key] : [], label: options.label });
        expect(read).toEqual({
          status: "message",
          message,
          consumed: bytes.length,
          encrypted: options.key !== undefined,
        });
        for (let n = 0; n < bytes.length; n++) {
          expect(
            readStream(bytes.subarray(0, n), {
              keys: options.key ? [key] : [],
              label: options.label,
            }).status,
          ).toBe("incomplete");
        }
      }
    }
  });

  it("refuses plaintext when encryption is on, and sealed streams when it is off", () => {
    expect(readStream(encodeStream(pushPull), { keys: [key] })).toMatchObject({
      status: "error",
      error: { code: "decrypt" },
    });
    expect(readStream(encodeStream(pushPull, { key }))).toMatchObject({
      status: "error",
      error: { code: "decrypt" },
    });
  });
});
