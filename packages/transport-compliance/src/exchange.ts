import type { Stream } from "@grapevine/transport";
import { withTimeout } from "./timeouts.js";

/**
 * Both ends of a stream at once: each writes `count` copies of `frame` (each write after the
 * previous one resolved) and then closes, while each reads its peer's frames to the end. Resolves
 * with the bytes each end received, `[at a, at b]`, or rejects after `ms`. For transports whose
 * writes wait on the peer's reading (back-pressure): neither side may stall the other.
 */
export async function exchangeBothWays(
  a: Stream,
  b: Stream,
  frame: Uint8Array,
  count: number,
  ms: number,
): Promise<[number, number]> {
  const send = async (s: Stream) => {
    for (let i = 0; i < count; i++) await s.write(frame);
    await s.close();
  };
  const received = async (s: Stream) => {
    let n = 0;
    for await (const f of s) n += f.byteLength;
    return n;
  };
  const [, , atA, atB] = await withTimeout(
    Promise.all([send(a), send(b), received(a), received(b)]),
    ms,
    "both transfers",
  );
  return [atA, atB];
}
