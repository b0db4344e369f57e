import type { Clock, Stream, Transport } from "@grapevine/transport";
import { readFrame, withDeadline } from "./deadline.js";
import type { Channel } from "./sealer.js";

/** What the stream edge needs of its runtime. */
export interface StreamHost {
  readonly clock: Clock;
  /** Streams open now (aborted on shutdown). */
  readonly openStreams: Set<Stream>;
  seal(bytes: Uint8Array, channel: Channel): Uint8Array;
  /** Opens a received frame; `undefined` (counted) when it must be dropped. */
  open(input: Uint8Array, maxBytes: number, channel: Channel): Uint8Array | undefined;
  /** Counts a stream that broke. */
  streamError(): void;
  /** Counts a stream accepted from a peer. */
  streamAccepted(): void;
}

/**
 * One stream exchange the node core asked for: dial `to`, write the (sealed) request frame, read
 * one reply frame and open it, all before `timeoutMs`. Resolves the opened reply, or `undefined`
 * when anything failed; never rejects.
 */
export async function requestReply(
  host: StreamHost,
  t: Transport | undefined,
  to: string,
  request: Uint8Array,
  timeoutMs: number,
): Promise<Uint8Array | undefined> {
  let stream: Stream | undefined;
  try {
    if (!t) return undefined;
    const run = async (): Promise<Uint8Array | undefined> => {
      stream = await t.dial(to, { timeoutMs });
      host.openStreams.add(stream);
      await stream.write(host.seal(request, "stream"));
      const frame = await readFrame(stream);
      await stream.close();
      return frame && host.open(frame, t.maxFrameBytes, "stream");
    };
    return await withDeadline(host.clock, run(), timeoutMs, `stream to ${to}`, () =>
      stream?.abort(),
    );
  } catch {
    stream?.abort();
    return undefined;
  } finally {
    if (stream) host.openStreams.delete(stream);
  }
}

/**
 * A peer's stream: one request frame in (before `timeoutMs`), opened and handed to `answer`; its
 * reply, if any, sealed and written back; otherwise the connection is freed at once.
 */
export async function answerStream(
  host: StreamHost,
  t: Transport,
  stream: Stream,
  timeoutMs: number,
  answer: (request: Uint8Array) => Uint8Array | undefined,
): Promise<void> {
  host.openStreams.add(stream);
  host.streamAccepted();
  try {
    const abort = (): void => stream.abort();
    const frame = await withDeadline(host.clock, readFrame(stream), timeoutMs, "stream", abort);
    const request = frame && host.open(frame, t.maxFrameBytes, "stream");
    const reply = request === undefined ? undefined : answer(request);
    if (reply === undefined) {
      stream.abort();
      return;
    }
    await stream.write(host.seal(reply, "stream"));
    await stream.close();
  } catch {
    host.streamError();
    stream.abort();
  } finally {
    host.openStreams.delete(stream);
  }
}
