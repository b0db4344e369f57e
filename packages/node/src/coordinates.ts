import type { Ack, Message } from "@grapevine/codec";
import { seededRng } from "@grapevine/swim";
import { DIGEST_HASH_PAYLOAD_BYTES, DIGEST_HASH_TAG } from "./anti-entropy.js";
import type { Outbox } from "./outbox.js";
import {
  type Coordinate,
  DEFAULT_VIVALDI_CONFIG,
  estimateRtt,
  isValidCoordinate,
  MAX_RTT_SECONDS,
  VivaldiClient,
  type VivaldiConfig,
} from "./vivaldi.js";

/**
 * Tag of the section an ack payload carries after the digest hash section (see
 * `DIGEST_HASH_TAG`) in members before {@link HALF_COORDINATE_TAG}: one byte of dimensionality d,
 * then d + 3 big-endian float32s: the coordinate's `vec`, `error`, `adjustment` and `height`
 * (seconds). Still read; no longer sent. Older members read the digest hash and features and
 * ignore what follows.
 */
export const COORDINATE_TAG = 0x02;

/**
 * Tag of the coordinate section members send: as {@link COORDINATE_TAG}, with IEEE 754
 * half-precision numbers (big-endian) in place of float32s, 24 bytes in all for Serf's 8
 * dimensions instead of 46. Half precision keeps 11 significant bits: 0.05 % of a coordinate of
 * 61 µs or more, 0.6 % of the smallest height (10 µs), far below Vivaldi's own error. Members that
 * know only {@link COORDINATE_TAG} ignore this section (they then learn coordinates only from
 * members like them); nothing else depends on it.
 */
export const HALF_COORDINATE_TAG = 0x03;

/** Bytes the coordinate section adds to an ack payload of dimensionality `dims`. */
export function coordinateSectionBytes(dims: number, tag = HALF_COORDINATE_TAG): number {
  return 2 + (tag === COORDINATE_TAG ? 4 : 2) * (dims + 3);
}

/** `base` (a digest hash payload) with the coordinate section appended (half precision). */
export function withCoordinate(base: Uint8Array, c: Coordinate): Uint8Array {
  const out = new Uint8Array(base.length + coordinateSectionBytes(c.vec.length));
  out.set(base);
  const dims = c.vec.length;
  const at = base.length;
  out[at] = HALF_COORDINATE_TAG;
  out[at + 1] = dims;
  for (let i = 0; i < dims; i++) putHalf(out, at + 2 + 2 * i, c.vec[i]!);
  putHalf(out, at + 2 + 2 * dims, c.error);
  putHalf(out, at + 4 + 2 * dims, c.adjustment);
  putHalf(out, at + 6 + 2 * dims, c.height);
  return out;
}

/** `x` as half-precision bits, big-endian, at `out[at]` and `out[at + 1]`. */
function putHalf(out: Uint8Array, at: number, x: number): void {
  const half = toHalf(x);
  out[at] = half >>> 8;
  out[at + 1] = half & 0xff;
}

/** The coordinate an ack payload carries, or `undefined` (an older member, or none). */
export function payloadCoordinate(payload: Uint8Array): Coordinate | undefined {
  const at = DIGEST_HASH_PAYLOAD_BYTES;
  const tag = payload[at];
  if (payload[0] !== DIGEST_HASH_TAG || (tag !== COORDINATE_TAG && tag !== HALF_COORDINATE_TAG)) {
    return undefined;
  }
  const dims = payload[at + 1] ?? 0;
  if (payload.length < at + coordinateSectionBytes(dims, tag)) return undefined;
  // Half precision read byte by byte (no view to allocate on every ack); float32 (older members)
  // through a view.
  const wide = tag === COORDINATE_TAG;
  const width = wide ? 4 : 2;
  const start = at + 2;
  const vec = new Array<number>(dims);
  for (let i = 0; i < dims; i++) vec[i] = numberAt(payload, wide, start + width * i);
  return {
    vec,
    error: numberAt(payload, wide, start + width * dims),
    adjustment: numberAt(payload, wide, start + width * (dims + 1)),
    height: numberAt(payload, wide, start + width * (dims + 2)),
  };
}

/** The float32 (`wide`) or half-precision number, big-endian, at `bytes[at]`. */
function numberAt(bytes: Uint8Array, wide: boolean, at: number): number {
  if (wide) return new DataView(bytes.buffer, bytes.byteOffset + at, 4).getFloat32(0);
  return fromHalf((bytes[at]! << 8) | bytes[at + 1]!);
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/**
 * `x` as IEEE 754 half-precision bits, rounded to nearest even (through float32; overflow gives
 * infinity, which a reader refuses as not finite).
 */
export function toHalf(x: number): number {
  f32[0] = x;
  const bits = f32Bits[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal (or zero): the significand with its leading 1, shifted into 10 bits.
    if (e < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - e;
    return sign | roundShift(significand, shift);
  }
  // A carry out of the mantissa rounds up into the exponent, as it should.
  return sign | ((e << 10) + roundShift(mantissa, 13));
}

/** `value >>> shift`, rounded to nearest, ties to even. */
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** The number that half-precision `bits` hold. */
export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * HALF_SUBNORMAL_UNIT;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mantissa / 1024) * HALF_SCALE[exponent]!;
}

/** 2⁻²⁴: the value of a half-precision subnormal's lowest bit. */
const HALF_SUBNORMAL_UNIT = 2 ** -24;
/** 2^(e − 15) for each half-precision exponent e (exact powers of two: no `pow` per number). */
const HALF_SCALE = Float64Array.from({ length: 0x1f }, (_, e) => 2 ** (e - 15));

/** Pings in flight remembered at most (older ones are forgotten first). */
const MAX_PENDING_PINGS = 64;

/**
 * Network coordinates for a node core (Serf's design): the prober measures the RTT from each
 * direct `ping` to its `ack`, the probed member's coordinate rides on that ack (the payload's
 * coordinate section), and each sample updates our {@link VivaldiClient}. The latest coordinate of
 * every member heard from is kept until it fails or leaves. An ack relayed for a `ping-req`, or
 * from a member without coordinates, updates nothing.
 */
export class Coordinates {
  private readonly client: VivaldiClient;
  private readonly peers = new Map<string, Coordinate>();
  /** Direct pings in flight, sent once: seq → target and when it was sent, ms. */
  private readonly pending = new Map<number, { readonly target: string; readonly at: number }>();

  /**
   * @param self our name (a sample about ourselves is ignored).
   * @param seed seeds the source that separates coincident coordinates (its own, so that the
   *   core's random choices are the same with or without coordinates).
   * @param enabled false: nothing is measured, sent or kept (an older member's behaviour).
   */
  constructor(
    private readonly self: string,
    seed: number,
    readonly enabled = true,
    config: VivaldiConfig = DEFAULT_VIVALDI_CONFIG,
  ) {
    this.client = new VivaldiClient(seededRng(`vivaldi:${seed}:${self}`), config);
  }

  /** Coordinates for a node's outbox: they see its pings and stamp its acks after anti-entropy. */
  static attach(
    outbox: Outbox,
    options: { readonly name: string; readonly hashSeed?: number; readonly coordinates?: boolean },
  ): Coordinates {
    const coordinates = new Coordinates(
      options.name,
      options.hashSeed ?? 0,
      options.coordinates ?? true,
    );
    const before = outbox.stamp;
    outbox.stamp = (messages, now) => coordinates.stamp(before(messages, now), now);
    return coordinates;
  }

  /** Our coordinate. */
  get own(): Coordinate {
    return this.client.coordinate;
  }

  /** Samples taken and resets (see {@link VivaldiClient.stats}). */
  get stats(): { readonly updates: number; readonly resets: number } {
    return this.client.stats;
  }

  /** The last coordinate heard from `name` (ours for our own name), if any; none when disabled. */
  of(name: string): Coordinate | undefined {
    if (!this.enabled) return undefined;
    return name === this.self ? this.own : this.peers.get(name);
  }

  /**
   * Estimated RTT between `a` and `b` (default: us), ms, from their coordinates; `undefined` when
   * either has none.
   */
  rtt(a: string, b: string = this.self): number | undefined {
    const ca = this.of(a);
    const cb = this.of(b);
    return ca === undefined || cb === undefined ? undefined : estimateRtt(ca, cb) * 1000;
  }

  /**
   * What goes out in a packet: our pings are remembered (seq, target, time), and our own acks that
   * carry the digest hash section get our coordinate appended (when enabled).
   */
  stamp(messages: readonly Message[], now: number): readonly Message[] {
    let stamped: Message[] | undefined;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      // Pings are timed even with coordinates off: the probe RTT histogram needs them.
      if (m.type === "ping") this.sent(m.seq, m.target, now);
      else if (
        this.enabled &&
        m.type === "ack" &&
        m.source === this.self &&
        isBarePayload(m.payload)
      ) {
        stamped ??= messages.slice();
        stamped[i] = { ...m, payload: withCoordinate(m.payload, this.own) };
      }
    }
    return stamped ?? messages;
  }

  /**
   * An ack (`direct`: sent by the member it is about, not relayed): a sample when it answers one
   * of our pings directly. Returns the probe's round-trip time, ms, for such an ack (with
   * coordinates off too), `undefined` for any other.
   */
  heard(ack: Ack, direct: boolean, now: number): number | undefined {
    const ping = this.pending.get(ack.seq);
    if (ping === undefined || ping.target !== ack.source) return undefined;
    this.pending.delete(ack.seq);
    if (!direct) return undefined;
    const rttMs = now - ping.at;
    if (!this.enabled) return rttMs;
    const theirs = payloadCoordinate(ack.payload);
    if (theirs === undefined || !isValidCoordinate(theirs, this.client.config)) return rttMs;
    if (this.client.update(ack.source, theirs, rttMs / 1000)) {
      this.peers.set(ack.source, theirs);
    }
    return rttMs;
  }

  /** `name` failed or left: its coordinate and samples are dropped. */
  forget(name: string): void {
    this.peers.delete(name);
    this.client.forget(name);
  }

  private sent(seq: number, target: string, now: number): void {
    if (target === this.self) return;
    // The same seq sent again is the prober's second try after its timeout: an ack may answer
    // either ping, so it measures nothing (Karn's rule, as the prober's own timeout applies it).
    if (this.pending.delete(seq)) return;
    this.pending.set(seq, { target, at: now });
    if (this.pending.size <= MAX_PENDING_PINGS) return;
    for (const [old, ping] of this.pending) {
      if (this.pending.size <= MAX_PENDING_PINGS && now - ping.at <= MAX_RTT_SECONDS * 1000) break;
      this.pending.delete(old);
    }
  }
}

function isBarePayload(payload: Uint8Array): boolean {
  return payload.length === DIGEST_HASH_PAYLOAD_BYTES && payload[0] === DIGEST_HASH_TAG;
}
