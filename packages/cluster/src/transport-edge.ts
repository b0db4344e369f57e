import { type NodeCounters, readStreamRefusal, streamRefusal } from "@grapevine/node";
import {
  type Clock,
  type Datagram,
  type Stream,
  schemeOf,
  type Transport,
} from "@grapevine/transport";
import { readFrame, withDeadline } from "./deadline.js";
import { type JoinFailure, joinFailureOf, refusalFailure } from "./join-failure.js";
import { schemesOf } from "./options.js";
import type { Channel, Opened, Sealer } from "./sealer.js";

/** Where opened input goes: the runtime turns each call into one step of the node core. */
export interface EdgeHandlers {
  /** An opened datagram from `from`. */
  datagram(from: string, bytes: Uint8Array): void;
  /** An opened stream request from `from`: the reply frame (not yet sealed), if any. */
  streamRequest(from: string, bytes: Uint8Array): Uint8Array | undefined;
}

/** A stream exchange's outcome: the opened reply, or why there is none. */
export type ExchangeResult = { readonly reply: Uint8Array } | { readonly failure: JoinFailure };

const NO_ANSWER: JoinFailure = {
  code: "no-answer",
  message: "the seed closed the stream without an answer (another key or label, or not a member)",
};
const UNOPENED: JoinFailure = {
  code: "key-mismatch",
  message: "the seed's answer could not be opened: another key or encryption setting",
};

/**
 * Where real transports meet the node core: receive loops on every transport, sealing on the way
 * out and opening on the way in (a packet that fails to open is dropped and counted, never seen by
 * the core), and stream exchanges with deadlines. Holds no protocol decisions.
 */
export class TransportEdge {
  private readonly transports = new Map<string, Transport>();
  private readonly openStreams = new Set<Stream>();
  private closed = false;

  constructor(
    transports: readonly Transport[],
    private readonly clock: Clock,
    private readonly sealer: Sealer,
    private readonly counters: () => NodeCounters,
  ) {
    for (const t of transports) for (const s of schemesOf(t)) this.transports.set(s, t);
  }

  /** The addresses this member listens on. */
  addresses(): string[] {
    return [...new Set(this.transports.values())].map((t) => t.address);
  }

  /** Starts receiving on every transport. */
  listen(handlers: EdgeHandlers, streamTimeoutMs: number): void {
    for (const t of new Set(this.transports.values())) {
      void this.receiveDatagrams(t, handlers);
      void this.receiveStreams(t, handlers, streamTimeoutMs);
    }
  }

  /** Seals and sends a datagram; a transport that refuses it is counted, not thrown. */
  send(to: string, bytes: Uint8Array): void {
    const sealed = this.sealer.seal(bytes, "datagram");
    if (sealed instanceof Uint8Array) {
      this.sendSealed(to, bytes.length, sealed);
      return;
    }
    // An asynchronous keyring (Web Crypto) has copied `bytes` already: the pool may reuse them.
    const length = bytes.length;
    sealed.then(
      (s) => {
        if (!this.closed) this.sendSealed(to, length, s);
      },
      () => {
        this.counters().drops["send-error"] += 1;
      },
    );
  }

  private sendSealed(to: string, plainLength: number, sealed: Uint8Array): void {
    const counters = this.counters();
    counters.bytesOut += sealed.length - plainLength;
    try {
      this.transportFor(to)?.send(to, sealed);
    } catch {
      counters.drops["send-error"] += 1;
    }
  }

  /**
   * One stream exchange: dial `to`, write the sealed request, read and open one reply frame, all
   * within `timeoutMs`. Resolves the opened reply, or why there is none.
   */
  async exchange(to: string, request: Uint8Array, timeoutMs: number): Promise<ExchangeResult> {
    const t = this.transportFor(to);
    if (!t) {
      const message = `no transport for ${schemeOf(to) ?? "this"} addresses`;
      return { failure: { code: "scheme-unsupported", message } };
    }
    let stream: Stream | undefined;
    try {
      const run = async (): Promise<ExchangeResult> => {
        stream = await t.dial(to, { timeoutMs });
        this.openStreams.add(stream);
        await stream.write(await this.sealer.seal(request, "stream"));
        const frame = await readFrame(stream);
        await stream.close();
        if (frame === undefined) return { failure: NO_ANSWER };
        const refused = readStreamRefusal(frame);
        if (refused !== undefined) return { failure: refusalFailure(refused) };
        const reply = await this.open(frame, t.maxFrameBytes, "stream");
        if (reply === undefined || this.sealer.sealedWithoutKey(frame))
          return { failure: UNOPENED };
        return { reply };
      };
      const abort = (): void => stream?.abort();
      return await withDeadline(this.clock, run(), timeoutMs, `stream to ${to}`, abort);
    } catch (err) {
      stream?.abort();
      return { failure: joinFailureOf(err) };
    } finally {
      if (stream) this.openStreams.delete(stream);
    }
  }

  /** Whether a transport of this member speaks `address`'s scheme. */
  supports(address: string): boolean {
    return this.transportFor(address) !== undefined;
  }

  /** Aborts open streams and closes every transport. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.openStreams) s.abort();
    this.openStreams.clear();
    await Promise.all(
      [...new Set(this.transports.values())].map((t) => t.close().catch(() => undefined)),
    );
  }

  private transportFor(address: string): Transport | undefined {
    return this.transports.get(schemeOf(address) ?? "");
  }

  /** Opens a packet or frame; a drop is counted and yields `undefined`. */
  private open(
    input: Uint8Array,
    maxBytes: number,
    channel: Channel,
  ): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    const opened = this.sealer.open(input, maxBytes, channel);
    return opened instanceof Promise ? opened.then((o) => this.opened(o)) : this.opened(opened);
  }

  private opened(opened: Opened): Uint8Array | undefined {
    if (opened.ok) return opened.bytes;
    this.counters().drops[opened.reason] += 1;
    return undefined;
  }

  private async receiveDatagrams(t: Transport, handlers: EdgeHandlers): Promise<void> {
    try {
      for await (const d of t.datagrams()) if (!this.closed) this.onDatagram(t, d, handlers);
    } catch {
      // The iteration only ends in error when the transport breaks; nothing to do.
    }
  }

  private onDatagram(t: Transport, d: Datagram, handlers: EdgeHandlers): void {
    const bytes = this.open(d.data, t.mtu, "datagram");
    if (bytes instanceof Promise) {
      // Datagrams are unordered anyway: one opened later than the next is still fine.
      void bytes.then((b) => {
        if (!this.closed) this.onOpened(d, b, handlers);
      });
      return;
    }
    this.onOpened(d, bytes, handlers);
  }

  private onOpened(d: Datagram, bytes: Uint8Array | undefined, handlers: EdgeHandlers): void {
    const counters = this.counters();
    if (bytes === undefined) {
      counters.packetsIn += 1;
      counters.bytesIn += d.data.length;
      return;
    }
    counters.bytesIn += d.data.length - bytes.length;
    handlers.datagram(d.from, bytes);
  }

  private async receiveStreams(t: Transport, handlers: EdgeHandlers, timeoutMs: number) {
    try {
      for await (const s of t.streams()) void this.answer(t, s, handlers, timeoutMs);
    } catch {
      // As above.
    }
  }

  /** A peer's stream: one request frame in, at most one reply frame out. */
  private async answer(t: Transport, stream: Stream, handlers: EdgeHandlers, timeoutMs: number) {
    this.openStreams.add(stream);
    this.counters().streamsIn += 1;
    try {
      const abort = (): void => stream.abort();
      const frame = await withDeadline(this.clock, readFrame(stream), timeoutMs, "stream", abort);
      const request = frame && (await this.open(frame, t.maxFrameBytes, "stream"));
      // A frame we cannot open is refused out loud (a joining member can then name the cause).
      const reply =
        frame === undefined || this.closed
          ? undefined
          : request === undefined || this.sealer.sealedWithoutKey(frame)
            ? streamRefusal("cannot-open")
            : handlers.streamRequest(stream.remote, request);
      if (reply === undefined) {
        // Nothing, or nothing to answer: free the connection at once.
        stream.abort();
        return;
      }
      const refusal = readStreamRefusal(reply) !== undefined;
      await stream.write(refusal ? reply : await this.sealer.seal(reply, "stream"));
      await stream.close();
    } catch {
      this.counters().drops["stream-error"] += 1;
      stream.abort();
    } finally {
      this.openStreams.delete(stream);
    }
  }
}
