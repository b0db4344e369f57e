import { FrameInbox, refuseWrite, type Stream, TransportError } from "@grapevine/transport";
import type { Control } from "./control.js";
import type { ConnectionHandler, WsConnection } from "./ws-connection.js";
import { oversizedFrom } from "./ws-errors.js";

/** Limits a {@link WsStream} runs with. */
export interface WsStreamOptions {
  /** Largest frame either way, in bytes. */
  readonly maxFrameBytes: number;
  /** Unsent bytes above which `write` waits until the socket has taken them. */
  readonly maxBufferedBytes: number;
  /** A write the peer does not take within this many ms breaks the stream with `timeout`. */
  readonly writeTimeoutMs: number;
  /** Called once the stream's connection is gone. */
  readonly onClosed?: (stream: WsStream) => void;
}

/**
 * A {@link Stream} on its own WebSocket connection. Each binary message is one frame; a text
 * `end` message is the writer's graceful half-close, so the other side can still answer (the
 * push-pull pattern). The stream ends cleanly only on `end`: a connection that closes without it
 * (peer crashed, aborted, its transport closed, keep-alive timed out) makes the iteration throw
 * `reset`. Once both sides have sent `end` the connection is closed normally.
 */
export class WsStream implements Stream, ConnectionHandler {
  /** Frames for the reader; pauses the connection while the reader lags. */
  private readonly inbox = new FrameInbox({
    pause: () => this.connection.ws.pause(),
    resume: () => {
      if (this.connection.ws.isPaused) this.connection.ws.resume();
    },
  });
  private peerEnded = false;
  private writeEnded = false;
  private aborted = false;
  private failure: TransportError | undefined;
  private closing: Promise<void> | undefined;
  private readonly waiting = new Set<(err?: TransportError) => void>();

  /**
   * @param connection a connection whose handshake is done; the stream adopts it.
   * @param remote the other end's address URL.
   */
  constructor(
    private readonly connection: WsConnection,
    readonly remote: string,
    private readonly options: WsStreamOptions,
  ) {
    connection.adopt(this);
  }

  /** The frames the peer sent, in order (fed by {@link onBinary}). */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.inbox[Symbol.asyncIterator]();
  }

  onBinary(data: Uint8Array): void {
    if (this.peerEnded) {
      this.connection.fail(new TransportError("protocol", "frame after the end of the stream"));
      return;
    }
    if (data.byteLength > this.options.maxFrameBytes) {
      const limit = `the limit is ${this.options.maxFrameBytes}`;
      this.connection.fail(oversizedFrom(this.remote, "frame", data.byteLength, limit));
      return;
    }
    this.inbox.push(data);
  }

  onControl(control: Control): void {
    if (control.kind !== "end" || this.peerEnded) {
      this.connection.fail(
        new TransportError("protocol", `unexpected ${control.kind} on a stream`),
      );
      return;
    }
    this.peerEnded = true;
    this.inbox.end();
    if (this.writeEnded && !this.aborted) this.connection.close(1000, "done");
  }

  onClosed(error: TransportError): void {
    const err =
      error.code === "closed" || error.code === "protocol" || error.code === "timeout"
        ? error
        : new TransportError("reset", `stream to ${this.remote} broke: ${error.message}`, {
            cause: error,
          });
    if (!this.peerEnded && !this.aborted) {
      this.failure ??= err.code === "closed" ? new TransportError("reset", err.message) : err;
      this.inbox.fail(this.failure);
    } else {
      this.failure ??= err;
    }
    for (const wake of [...this.waiting]) wake(this.failure);
    this.options.onClosed?.(this);
  }

  write(frame: Uint8Array): Promise<void> {
    const { writeEnded, failure, remote } = this;
    const refused = refuseWrite(writeEnded, failure, frame, this.options.maxFrameBytes, remote);
    if (refused) return Promise.reject(refused);
    return this.transmit((done) => this.connection.sendBinary(frame, done));
  }

  /**
   * Sends through `send`; resolves at once while the connection holds little unsent data, else
   * once this message has been handed to the socket (back-pressure), bounded by the write timeout.
   */
  private transmit(send: (done: (err?: Error) => void) => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let waiter: ((err?: TransportError) => void) | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (err?: TransportError) => {
        if (waiter === undefined) return;
        this.waiting.delete(waiter);
        waiter = undefined;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const ok = send((err) => {
        if (err) settle(this.failure ?? new TransportError("reset", err.message));
        else settle();
      });
      if (!ok) {
        reject(this.failure ?? new TransportError("reset", `stream to ${this.remote} is broken`));
        return;
      }
      if (this.connection.bufferedAmount <= this.options.maxBufferedBytes) {
        resolve();
        return;
      }
      waiter = settle;
      this.waiting.add(waiter);
      timer = setTimeout(() => {
        const err = new TransportError(
          "timeout",
          `${this.remote} did not take our data within ${this.options.writeTimeoutMs} ms`,
        );
        this.failure ??= err;
        this.inbox.fail(err);
        this.connection.terminate();
        settle(err);
      }, this.options.writeTimeoutMs);
    });
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.writeEnded = true;
    if (this.failure || this.aborted) {
      this.closing = Promise.resolve();
      return this.closing;
    }
    this.closing = this.transmit((done) => this.connection.sendControl({ kind: "end" }, done))
      .catch(() => {})
      .then(() => {
        if (this.peerEnded && !this.aborted) this.connection.close(1000, "done");
      });
    return this.closing;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.writeEnded = true;
    this.inbox.end();
    this.inbox.clear();
    this.connection.terminate();
  }
}
