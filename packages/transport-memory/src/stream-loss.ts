import type { Rng } from "@grapevine/protocol";

/**
 * How a lossy link treats stream traffic: as TCP experiences loss. A lost segment is not gone; it
 * is sent again when its retransmission timeout (RTO) expires, the timeout doubling with each
 * consecutive loss of the same segment (RFC 6298 §5.5, Karn's backoff), and the connection gives
 * up after too many (Linux's `tcp_retries2` and `tcp_syn_retries`, here far fewer). So a stream
 * frame on a lossy link arrives whole and in order, but late, or the stream breaks.
 */
export interface StreamLossOptions {
  /**
   * Retransmission timeout of a data segment after its first loss, ms (default 200: Linux's
   * minimum RTO, what a LAN connection runs at). Doubles with each further loss of that segment.
   */
  readonly rtoMs?: number;
  /**
   * Retransmission timeout of a connection attempt (SYN or SYN-ACK) after its first loss, ms
   * (default 1000: RFC 6298 §2.1's initial RTO, before any round trip is measured).
   */
  readonly synRtoMs?: number;
  /**
   * Retransmissions of one segment before the connection gives up and the stream breaks with
   * `timeout` (default 6: the seventh consecutive loss of one segment ends it, 25.4 s after the
   * first at the default RTO; a runtime's own deadline usually ends the exchange before that).
   */
  readonly maxRetransmits?: number;
  /**
   * Payload bytes per segment (default 1400): a frame of `b` bytes is `⌈b / segmentBytes⌉`
   * segments (at least one), each lost independently, the frame late by its latest segment.
   */
  readonly segmentBytes?: number;
}

/** {@link StreamLossOptions} with every default filled in. */
export type StreamLossModel = Required<StreamLossOptions>;

/** The defaults of {@link StreamLossOptions}. */
export const DEFAULT_STREAM_LOSS: StreamLossModel = Object.freeze({
  rtoMs: 200,
  synRtoMs: 1000,
  maxRetransmits: 6,
  segmentBytes: 1400,
});

/** What a lossy link did to one stream frame (or connection attempt). */
export interface FrameFate {
  /**
   * Delay added to the link's latency by retransmissions, ms: the sum of the timeouts waited by
   * the frame's latest segment. When `broken`, the time from sending to giving up.
   */
  readonly stallMs: number;
  /** Segments sent again (each loss but the last of a broken segment is followed by one). */
  readonly retransmits: number;
  /** One segment was lost more than `maxRetransmits` times in a row: the connection gave up. */
  readonly broken: boolean;
}

/** The fate of every frame on a link without loss: no draw from the random source. */
const ON_TIME: FrameFate = Object.freeze({ stallMs: 0, retransmits: 0, broken: false });

/** Resolves and checks {@link StreamLossOptions}; throws a `RangeError` naming the bad field. */
export function streamLossModel(options: StreamLossOptions = {}): StreamLossModel {
  const model = { ...DEFAULT_STREAM_LOSS, ...options };
  for (const field of ["rtoMs", "synRtoMs", "segmentBytes"] as const) {
    const v = model[field];
    if (!(Number.isFinite(v) && v > 0)) {
      throw new RangeError(`streamLoss.${field} must be a positive number, got ${v}`);
    }
  }
  if (!Number.isSafeInteger(model.maxRetransmits) || model.maxRetransmits < 0) {
    throw new RangeError(
      `streamLoss.maxRetransmits must be a whole number ≥ 0, got ${model.maxRetransmits}`,
    );
  }
  return Object.freeze(model);
}

/**
 * What a link losing each packet with probability `loss` does to a stream frame of `bytes` bytes
 * (`rtoMs` for data; pass `model.synRtoMs` for a connection attempt, whose `bytes` is 0: one
 * segment). Draws from `random` only when `loss > 0`, so a lossless network's sequence of draws,
 * and every run on it, is unchanged.
 */
export function frameFate(
  loss: number,
  bytes: number,
  model: StreamLossModel,
  random: Rng,
  rtoMs: number = model.rtoMs,
): FrameFate {
  if (!(loss > 0)) return ON_TIME;
  const segments = Math.max(1, Math.ceil(bytes / model.segmentBytes));
  const limit = model.maxRetransmits;
  let worstLosses = 0;
  let retransmits = 0;
  for (let s = 0; s < segments; s++) {
    let losses = 0;
    while (losses <= limit && random.next() < loss) losses++;
    if (losses > limit) {
      // Every retransmission lost too: the last timeout expires and the connection gives up.
      return {
        stallMs: backoffMs(rtoMs, limit + 1),
        retransmits: retransmits + limit,
        broken: true,
      };
    }
    retransmits += losses;
    if (losses > worstLosses) worstLosses = losses;
  }
  if (retransmits === 0) return ON_TIME;
  return { stallMs: backoffMs(rtoMs, worstLosses), retransmits, broken: false };
}

/** Time spent waiting out `losses` consecutive timeouts starting at `rtoMs`, doubling: ms. */
export function backoffMs(rtoMs: number, losses: number): number {
  return rtoMs * (2 ** losses - 1);
}
