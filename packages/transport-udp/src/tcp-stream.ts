import type { Socket } from "node:net";
import { FrameInbox, refuseWrite, type Stream, TransportError } from "@grapevine/transport";
import type { ByteBudget } from "./byte-budget.js";
import { encodeEndOfStream, encodeFrame, FrameDecoder } from "./frame-codec.js";
import {
  decodeHello,
  decodeReply,
  encodeHello,
  encodeReply,
  HANDSHAKE_MAX_BYTES,
  type HandshakeReply,
} from "./handshake.js";
import { resetSocket, toTransportError } from "./socket-errors.js";

/** Limits and hooks a {@link TcpStream} runs with. */
export interface TcpStreamOptions {
  /** Largest frame either way, in bytes. */
  readonly maxFrameBytes: number;
  /** The transport's budget for bytes of incoming frames not yet whole, shared by its streams. */
  readonly frameBudget: ByteBudget;
  /** Break the stream after this many ms with no bytes in either direction. */
  readonly idleTimeoutMs: number;
  /** Break the stream when a write cannot be handed to the kernel within this many ms. */
  readonly writeTimeoutMs: number;
  /** Called once, as the stream is created (before its handshake). */
  readonly onCreated: (stream: TcpStream) => void;
  /** Called once when the underlying connection is gone. */
  readonly onClosed: (stream: TcpStream) => void;
  /** Called when the peer broke the framing (oversized length prefix, bad handshake). */
  readonly onProtocolError: (err: TransportError) => void;
  /** Called when a frame the peer announced did not fit in {@link frameBudget}. */
  readonly onOverBudget: (err: TransportError) => void;
}

type Phase = "await-reply" | "await-hello" | "open";

/**
 * A {@link Stream} over one TCP connection: length-prefixed frames, a handshake that names the
 * dialer, read back-pressure (pause the socket while the reader lags), write back-pressure (wait
 * for `drain`, bounded by the write timeout) and an idle timeout. One connection carries exactly
 * one stream; closing the stream half-closes the connection so the peer can still answer.
 */
export class TcpStream implements Stream {
  /** Frames for the reader; pauses the socket while the reader lags. */
  private readonly inbox = new FrameInbox({
    pause: () => {
      if (!this.socket.isPaused()) this.socket.pause();
    },
    resume: () => {
      if (this.socket.isPaused() && !this.failure) this.socket.resume();
    },
  });
  private readonly decoder: FrameDecoder;
  private phase: Phase;
  private remoteAddress: string;
  private failure: TransportError | undefined;
  private writeEnded = false;
  /** `abort()` was called (directly or by the transport closing). */
  private aborted = false;
  private closing: Promise<void> | undefined;
  private drain: Promise<void> | undefined;
  private gone = false;
  private handshakeDone: ((err?: TransportError) => void) | undefined;
  /** Acceptor: decides whether to take the stream once the hello is in. */
  private admit: () => HandshakeReply = () => "accept";

  private constructor(
    private readonly socket: Socket,
    phase: Phase,
    remote: string,
    private readonly options: TcpStreamOptions,
  ) {
    this.phase = phase;
    this.remoteAddress = remote;
    this.decoder = new FrameDecoder(HANDSHAKE_MAX_BYTES, options.frameBudget);
    options.onCreated(this);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () => this.onEnd());
    socket.on("error", (err) => this.fail(toTransportError(err, `stream to ${this.remote}`)));
    socket.on("close", () => this.onSocketClose());
    socket.on("timeout", () =>
      this.fail(
        new TransportError("timeout", `stream to ${this.remote} idle ${options.idleTimeoutMs} ms`),
      ),
    );
  }

  /**
   * Opens a stream on a connecting socket: sends the hello naming `localAddress`, waits for the
   * acceptor's reply. Rejects with `unreachable`, `timeout` or `limit`; the socket is destroyed
   * on failure.
   */
  static dial(
    socket: Socket,
    remote: string,
    localAddress: string,
    timeoutMs: number,
    options: TcpStreamOptions,
  ): Promise<TcpStream> {
    const stream = new TcpStream(socket, "await-reply", remote, options);
    return stream.handshake(timeoutMs, `connect to ${remote}`, () => {
      socket.write(encodeFrame(encodeHello(localAddress)));
    });
  }

  /**
   * Runs the acceptor's side of the handshake on a fresh connection: reads the hello, asks
   * `admit` whether to take the stream, answers. Rejects with `protocol` (bad hello), `timeout`
   * (no hello in time) or `limit` (refused); the socket is destroyed or ended on failure.
   */
  static accept(
    socket: Socket,
    timeoutMs: number,
    admit: () => HandshakeReply,
    options: TcpStreamOptions,
  ): Promise<TcpStream> {
    const peer = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    const stream = new TcpStream(socket, "await-hello", `tcp peer ${peer}`, options);
    stream.admit = admit;
    return stream.handshake(timeoutMs, `handshake from ${peer}`, () => {});
  }

  private handshake(timeoutMs: number, what: string, start: () => void): Promise<TcpStream> {
    return new Promise<TcpStream>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new TransportError("timeout", `${what}: no handshake within ${timeoutMs} ms`));
      }, timeoutMs);
      this.handshakeDone = (err) => {
        clearTimeout(timer);
        this.handshakeDone = undefined;
        if (err) {
          reject(err);
          return;
        }
        this.socket.setTimeout(this.options.idleTimeoutMs);
        resolve(this);
      };
      start();
    });
  }

  /** Address URL of the other end: the dialed address, or the address the dialer announced. */
  get remote(): string {
    return this.remoteAddress;
  }

  private onData(chunk: Buffer): void {
    try {
      this.decoder.push(
        chunk,
        (frame) => this.onFrame(frame),
        () => this.onEndOfStream(),
      );
    } catch (err) {
      const error = toTransportError(err, `stream from ${this.remote}`, "protocol");
      if (error.code === "protocol") this.options.onProtocolError(error);
      else if (error.code === "limit") this.options.onOverBudget(error);
      this.fail(error);
    }
  }

  private onFrame(frame: Uint8Array): void {
    if (this.failure) return;
    if (this.phase === "open") {
      this.inbox.push(frame);
      return;
    }
    if (this.phase === "await-hello") {
      this.remoteAddress = decodeHello(frame);
      const reply = this.admit();
      this.socket.write(encodeFrame(encodeReply(reply)));
      if (reply !== "accept") {
        this.socket.end();
        this.settleHandshake(new TransportError("limit", `refused stream from ${this.remote}`));
        return;
      }
      this.open();
      return;
    }
    const reply = decodeReply(frame);
    if (reply !== "accept") {
      const err = new TransportError("limit", `${this.remote} refused the stream: too many`);
      this.settleHandshake(err);
      this.failure ??= err;
      this.socket.destroy();
      return;
    }
    this.open();
  }

  private open(): void {
    this.phase = "open";
    this.decoder.setLimit(this.options.maxFrameBytes);
    this.settleHandshake();
  }

  private settleHandshake(err?: TransportError): void {
    this.handshakeDone?.(err);
  }

  private onEndOfStream(): void {
    if (this.phase !== "open") {
      throw new TransportError("protocol", "end of stream during the handshake");
    }
    this.inbox.end();
  }

  /** TCP end of file: clean only after the peer's end-of-stream marker. */
  private onEnd(): void {
    if (this.phase !== "open") {
      this.fail(new TransportError("reset", `${this.remote} closed during the handshake`));
      return;
    }
    if (!this.decoder.ended) {
      const where = this.decoder.midFrame ? "mid-frame" : "without ending the stream";
      this.fail(new TransportError("reset", `${this.remote} hung up ${where}`));
    }
    // A clean end: our side may still be writing (half-close); the socket closes itself once
    // both directions are done.
  }

  private onSocketClose(): void {
    if (!this.inbox.closed) {
      this.fail(new TransportError("reset", `connection to ${this.remote} closed`));
    }
    // However the connection ended, a frame cut short gives its reservation back.
    this.decoder.dispose();
    if (this.gone) return;
    this.gone = true;
    this.options.onClosed(this);
  }

  private fail(err: TransportError): void {
    if (this.failure) return;
    this.failure = err;
    this.decoder.dispose();
    this.settleHandshake(err);
    this.inbox.fail(err);
    resetSocket(this.socket);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.inbox[Symbol.asyncIterator]();
  }

  write(frame: Uint8Array): Promise<void> {
    const { writeEnded, failure, remote } = this;
    const refused = refuseWrite(writeEnded, failure, frame, this.options.maxFrameBytes, remote);
    if (refused) return Promise.reject(refused);
    if (this.socket.write(encodeFrame(frame))) return Promise.resolve();
    return this.waitDrain();
  }

  private waitDrain(): Promise<void> {
    this.drain ??= new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new TransportError(
          "timeout",
          `${this.remote} did not take our data within ${this.options.writeTimeoutMs} ms`,
        );
        this.fail(err);
      }, this.options.writeTimeoutMs);
      const settle = () => {
        clearTimeout(timer);
        this.socket.off("drain", settle);
        this.socket.off("close", settle);
        this.drain = undefined;
        if (this.failure) reject(this.failure);
        else resolve();
      };
      this.socket.on("drain", settle);
      this.socket.on("close", settle);
    });
    return this.drain;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.writeEnded = true;
      if (this.failure || this.socket.destroyed) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        this.fail(
          new TransportError("timeout", `${this.remote} did not take our last bytes in time`),
        );
      }, this.options.writeTimeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.socket.once("finish", done);
      this.socket.once("close", done);
      this.socket.end(encodeEndOfStream());
      if (this.decoder.ended && this.failure === undefined) {
        // The peer has already finished; once our end is flushed the connection is done.
        this.socket.once("finish", () => this.socket.destroy());
      }
    });
    return this.closing;
  }

  /**
   * Tears the connection down with a reset; the peer's iteration throws `reset`. This end's
   * iteration ends (after nothing more) and its writes reject with `closed`. Idempotent.
   */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.writeEnded = true;
    this.settleHandshake(new TransportError("closed", `stream to ${this.remote} was aborted`));
    this.decoder.dispose();
    this.inbox.end();
    this.inbox.clear();
    resetSocket(this.socket);
  }
}
