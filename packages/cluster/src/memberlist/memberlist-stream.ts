import type { Socket } from "node:net";
import { decode, type Message } from "@grapevine/codec";
import {
  type DecodeOptions,
  type EncodeOptions,
  encodeStream,
  readStream,
  type StreamMessage,
} from "@grapevine/memberlist-compat";
import { AsyncQueue, type Stream, TransportError } from "@grapevine/transport";
import { envelopeOf, fromStreamMessage, toStreamMessage } from "./translate.js";

/** What a stream needs of its transport: the keys and label in force, and counting. */
export interface StreamHost {
  decodeOptions(): DecodeOptions;
  encodeOptions(): EncodeOptions;
  /** A message that did not decode or translate, by reason. */
  reject(reason: string): void;
}

/**
 * Reads memberlist's one message from the start of a stream (label, encryption and all).
 * Resolves `undefined` when the peer closes first or sends what does not decode (counted).
 */
export function readOneMessage(
  socket: Socket,
  host: StreamHost,
): Promise<StreamMessage | undefined> {
  return new Promise((resolve) => {
    let received = new Uint8Array(0);
    const done = (message: StreamMessage | undefined): void => {
      socket.off("data", onData);
      socket.off("close", onClose);
      resolve(message);
    };
    const onData = (chunk: Buffer): void => {
      received = received.length === 0 ? new Uint8Array(chunk) : Buffer.concat([received, chunk]);
      const read = readStream(received, host.decodeOptions());
      if (read.status === "incomplete") return;
      if (read.status === "error") {
        host.reject(read.error.reason);
        done(undefined);
        return;
      }
      done(read.message);
    };
    const onClose = (): void => done(undefined);
    socket.on("data", onData);
    socket.on("close", onClose);
  });
}

/**
 * One memberlist TCP stream as a Grapevine {@link Stream} of frames: a frame written is a
 * Grapevine envelope translated to memberlist's stream message; the message read back is
 * translated into one Grapevine frame, after which iteration ends (memberlist sends one message
 * each way).
 */
export class MemberlistStream implements Stream {
  private readonly frames = new AsyncQueue<Uint8Array>();
  private closed = false;

  constructor(
    private readonly socket: Socket,
    readonly remote: string,
    private readonly host: StreamHost,
    first: Message | undefined,
    private readonly replies: boolean,
  ) {
    socket.on("error", () => undefined);
    if (first !== undefined) {
      this.push(first);
    } else {
      void readOneMessage(socket, host).then((message) => {
        this.push(message && fromStreamMessage(message, this.replies), message !== undefined);
      });
    }
  }

  /** The one frame this stream yields (none when untranslatable, counted), then the end. */
  private push(message: Message | undefined, expected = true): void {
    const frame = message === undefined ? undefined : envelopeOf(message);
    if (frame !== undefined) this.frames.push(frame);
    else if (expected) this.host.reject("untranslatable");
    this.frames.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.frames[Symbol.asyncIterator]();
  }

  write(frame: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError("closed", "stream closed"));
    const decoded = decode(frame);
    const message = decoded.ok ? toStreamMessage(decoded.envelope.messages) : undefined;
    if (message === undefined) {
      this.host.reject("untranslatable");
      return Promise.reject(
        new TransportError("protocol", "no memberlist stream message for this frame"),
      );
    }
    const bytes = encodeStream(message, this.host.encodeOptions());
    return new Promise((resolve, reject) => {
      this.socket.write(bytes, (err) =>
        err ? reject(new TransportError("reset", err.message)) : resolve(),
      );
    });
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.socket.end();
    }
    return Promise.resolve();
  }

  abort(): void {
    this.closed = true;
    this.socket.destroy();
    this.frames.end();
  }
}
