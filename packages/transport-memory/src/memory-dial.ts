import type { Clock, Rng } from "@grapevine/protocol";
import { type Stream, TransportError } from "@grapevine/transport";
import type { TrafficCounters } from "./counters.js";
import type { LinkRules } from "./link-rules.js";
import { connectStreamEnds } from "./memory-stream.js";
import type { MemoryTransport } from "./memory-transport.js";
import type { FrameFate } from "./stream-loss.js";

/** What a dial needs of the {@link MemoryNetwork}. Internal to this package. */
export interface DialContext {
  readonly clock: Clock;
  readonly rules: LinkRules;
  readonly random: Rng;
  readonly bound: ReadonlyMap<string, MemoryTransport>;
  readonly streamBufferFrames: number;
  /** First retransmission timeout of a lost SYN or SYN-ACK, ms. */
  readonly synRtoMs: number;
  /** The network's total counters (replaced by `resetCounters`). */
  total(): TrafficCounters;
  /** What the link `from → to` does to a segment (counted on `from`). */
  fate(from: MemoryTransport, to: string, bytes: number, rtoMs: number, frame: boolean): FrameFate;
}

/**
 * Connects `from` to the node bound at `url` as TCP would: the SYN travels the link (late by
 * retransmissions on a lossy one), the acceptor gets its end, and the dialer its end after the
 * SYN-ACK's trip back. A cut link or a connection attempt lost too often times out; nothing bound
 * there, or a full accept backlog, is refused (`unreachable`) after a round trip.
 */
export function dialStream(
  ctx: DialContext,
  from: MemoryTransport,
  url: string,
  timeoutMs: number,
): Promise<Stream> {
  const { clock, rules, random } = ctx;
  return new Promise<Stream>((resolve, reject) => {
    let settled = false;
    /** Ends the dial's waiting: true the first time, false once it had already ended. */
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clock.clearTimeout(timer);
      from.pendingDials.delete(fail);
      return true;
    };
    const fail = (error: TransportError): void => {
      if (!settle()) return;
      from.counters.dialsFailed++;
      ctx.total().dialsFailed++;
      reject(error);
    };
    const timer = clock.setTimeout(
      () => fail(new TransportError("timeout", `dial to ${url} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    from.pendingDials.add(fail);
    // A cut link loses the connection attempt: the dial times out, as TCP's would.
    if (rules.anyCut && rules.cutEitherWay(from.address, url) !== undefined) return;
    const refuse = (): void => {
      clock.setTimeout(
        () => fail(new TransportError("unreachable", `nothing accepts streams at ${url}`)),
        rules.latencyOf(url, from.address, random),
      );
    };
    // A lossy link retransmits the SYN (and SYN-ACK) late; too many losses and the dial times out.
    const synDelay = rules.latencyOf(from.address, url, random);
    const syn = ctx.fate(from, url, 0, ctx.synRtoMs, false);
    if (syn.broken) return;
    clock.setTimeout(() => {
      if (settled) return;
      if (rules.anyCut && rules.cutEitherWay(from.address, url) !== undefined) return;
      const acceptor = ctx.bound.get(url);
      if (acceptor === undefined) {
        refuse();
        return;
      }
      const synAck = ctx.fate(acceptor, from.address, 0, ctx.synRtoMs, false);
      if (synAck.broken) return;
      const [dialerEnd, acceptorEnd] = connectStreamEnds(from, acceptor, ctx.streamBufferFrames);
      if (!acceptor.accepts.push(acceptorEnd)) {
        refuse();
        return;
      }
      acceptor.openStreams.add(acceptorEnd);
      acceptor.counters.streamsAccepted++;
      ctx.total().streamsAccepted++;
      from.openStreams.add(dialerEnd);
      clock.setTimeout(
        () => {
          if (!settle()) {
            dialerEnd.abort();
            return;
          }
          from.counters.streamsDialed++;
          ctx.total().streamsDialed++;
          resolve(dialerEnd);
        },
        rules.latencyOf(url, from.address, random) + synAck.stallMs,
      );
    }, synDelay + syn.stallMs);
  });
}
