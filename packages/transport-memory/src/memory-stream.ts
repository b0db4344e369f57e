import type { Clock } from "@grapevine/protocol";
import { consumerIterator, refuseWrite, type Stream, TransportError } from "@grapevine/transport";
import type { FrameFate } from "./stream-loss.js";

/** Graceful end of one direction (TCP FIN). */
const FIN: unique symbol = Symbol("fin");
/** Abrupt teardown (TCP RST). */
const RST: unique symbol = Symbol("rst");
/** The writer gave up retransmitting a lost segment (TCP's retransmission timeout). */
const GAVE_UP: unique symbol = Symbol("gave-up");

type PipeItem = Uint8Array | typeof FIN | typeof RST | typeof GAVE_UP;

/** What a stream end needs from the transport that owns it. Internal to this package. */
export interface StreamOwner {
  readonly address: string;
  readonly maxFrameBytes: number;
  readonly clock: Clock;
  /** A private copy of a frame. */
  copy(data: Uint8Array): Uint8Array;
  /** One-way delay `this → to` in ms. */
  delayTo(to: string): number;
  /**
   * What the lossy link `this → to` does to a frame of `bytes` bytes (retransmission stall, or
   * the connection giving up), counted as this node's.
   */
  fateTo(to: string, bytes: number): FrameFate;
  /** True while deliveries to this node are held (`MemoryNetwork.pause`). */
  readonly paused: boolean;
  /** Keeps a delivery for later, in order (paused node). */
  hold(pipe: Pipe): void;
  frameSent(bytes: number): void;
  frameDelivered(bytes: number): void;
  streamReset(): void;
  /** A stream of this node broke because it gave up retransmitting. */
  streamTimedOut(): void;
  /** The end is finished in both directions; the owner may forget it. */
  streamDone(end: MemoryStreamEnd): void;
}

/**
 * One direction of a stream: frames in flight from `writer` to `reader`, delivered in order.
 * Each frame gets the link's latency but never overtakes an earlier one; each timer delivers
 * the head of the queue, so order holds even where a clock fires equal-time timers out of order.
 * On a lossy link a frame is late by its retransmissions, holding back those behind it (TCP's
 * head-of-line blocking), or the writer gives up and the stream breaks when its last timeout
 * expires: nothing after that frame arrives.
 */
export class Pipe {
  private readonly items: PipeItem[] = [];
  private head = 0;
  private lastDue = -Infinity;
  /** Frames in flight plus frames delivered but not yet read: bounded by the buffer size. */
  load = 0;
  private broken = false;
  /** A frame was lost too often: the writer will give up; nothing more is sent. */
  private givingUp = false;
  /** Delivers the head item; bound once so scheduling a frame allocates no closure. */
  readonly deliver = (): void => this.deliverHead();

  constructor(
    readonly writer: MemoryStreamEnd,
    readonly reader: MemoryStreamEnd,
  ) {}

  send(item: PipeItem): void {
    if (this.broken || this.givingUp) return;
    const owner = this.writer.owner;
    const clock = owner.clock;
    const now = clock.now();
    const to = this.reader.owner.address;
    let due = now + owner.delayTo(to);
    if (item !== RST) {
      const fate = owner.fateTo(to, item === FIN ? 0 : (item as Uint8Array).byteLength);
      if (fate.broken) {
        // Whatever follows is never sent: the connection is gone when the last timeout expires.
        this.givingUp = true;
        item = GAVE_UP;
        due = now + fate.stallMs;
      } else {
        due += fate.stallMs;
      }
    }
    if (due < this.lastDue) due = this.lastDue;
    this.lastDue = due;
    this.items.push(item);
    clock.setTimeout(this.deliver, due - now);
  }

  /** Delivers the oldest item in flight (also called again for a held item on resume). */
  deliverHead(): void {
    if (this.head >= this.items.length) return;
    const owner = this.reader.owner;
    if (owner.paused) {
      owner.hold(this);
      return;
    }
    const item = this.items[this.head] as PipeItem;
    this.items[this.head] = FIN;
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
    this.reader.receive(item, this);
  }

  /** Loses everything in flight; later timers find nothing to deliver. */
  break(): void {
    this.broken = true;
    this.items.length = 0;
    this.head = 0;
  }
}

interface BlockedWrite {
  readonly frame: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const done: IteratorResult<Uint8Array> = { value: undefined, done: true };

/**
 * One end of an in-memory stream. Writes are copied and travel with the link's latency; at most
 * `bufferFrames` frames may be in flight or unread, beyond which `write` waits for the reader.
 *
 * `close()` ends this direction (like TCP's FIN): the peer's iteration ends after the frames
 * written before it, while this end can still read until the peer closes too. `abort()` ends both
 * directions at once; the peer learns of it one link delay later and its iteration throws `reset`.
 */
export class MemoryStreamEnd implements Stream {
  /** Outgoing direction; set by {@link connectStreamEnds}. */
  out!: Pipe;
  /** Incoming direction; set by {@link connectStreamEnds}. */
  in!: Pipe;
  private readonly buffered: Uint8Array[] = [];
  private bufferedHead = 0;
  private readonly blocked: BlockedWrite[] = [];
  private reader:
    | { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: unknown) => void }
    | undefined;
  private iterated = false;
  /** FIN received. */
  private readEnded = false;
  /** The local side stopped reading (abort, or the consumer left its loop). */
  private readStopped = false;
  private readError: TransportError | undefined;
  /** `close()` or `abort()` was called. */
  private writeClosed = false;
  private aborted = false;
  private finSent = false;
  private writeError: TransportError | undefined;
  private finished = false;

  constructor(
    readonly owner: StreamOwner,
    readonly remote: string,
    private readonly bufferFrames: number,
  ) {}

  /** True once this end can neither send nor receive. */
  get isFinished(): boolean {
    return this.finished;
  }

  write(frame: Uint8Array): Promise<void> {
    const max = this.owner.maxFrameBytes;
    const refused = refuseWrite(this.writeClosed, this.writeError, frame, max, this.remote);
    if (refused) return Promise.reject(refused);
    const copy = this.owner.copy(frame);
    if (this.blocked.length === 0 && this.out.load < this.bufferFrames) {
      this.transmit(copy);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.blocked.push({ frame: copy, resolve, reject });
    });
  }

  close(): Promise<void> {
    if (!this.writeClosed) {
      this.writeClosed = true;
      if (this.blocked.length === 0) this.sendFin();
    }
    return Promise.resolve();
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.writeClosed = true;
    this.rejectBlocked(new TransportError("closed", `stream to ${this.remote} was aborted`));
    if (this.writeError === undefined) this.out.send(RST);
    this.stopReading();
    this.checkFinished();
  }

  /**
   * Breaks the stream at once on this side, as the network does on a partition or block: the
   * iteration throws `reset` after frames already received, writes reject with `reset`.
   */
  breakLocally(): void {
    if (this.writeError !== undefined && this.readError !== undefined) return;
    this.fail(new TransportError("reset", `stream to ${this.remote} was cut by the network`));
  }

  /**
   * Breaks the stream because this end gave up retransmitting a lost segment: reads and writes
   * fail with `timeout` (ETIMEDOUT); the peer sees `reset`.
   */
  giveUp(): void {
    if (this.aborted || this.writeError !== undefined) return;
    this.fail(
      new TransportError("timeout", `stream to ${this.remote} timed out retransmitting a frame`),
      false,
    );
    this.owner.streamTimedOut();
  }

  /** Called by the incoming pipe with each delivered item. */
  receive(item: PipeItem, pipe: Pipe): void {
    if (item === FIN) {
      this.readEnded = true;
      this.wakeReader();
      this.checkFinished();
      return;
    }
    if (item === RST) {
      this.fail(new TransportError("reset", `stream reset by ${this.remote}`));
      return;
    }
    if (item === GAVE_UP) {
      pipe.writer.giveUp();
      this.fail(
        new TransportError("reset", `stream reset by ${this.remote} (retransmission timeout)`),
      );
      return;
    }
    if (this.readStopped || this.readEnded || this.readError !== undefined) {
      pipe.load--;
      pipe.writer.pump();
      return;
    }
    this.owner.frameDelivered(item.byteLength);
    const reader = this.reader;
    if (reader !== undefined) {
      this.reader = undefined;
      pipe.load--;
      pipe.writer.pump();
      reader.resolve({ value: item, done: false });
      return;
    }
    this.buffered.push(item);
  }

  /** Sends blocked writes while the buffer has room, then a pending FIN. */
  pump(): void {
    const blocked = this.blocked;
    while (
      blocked.length > 0 &&
      this.out.load < this.bufferFrames &&
      this.writeError === undefined
    ) {
      const write = blocked.shift() as BlockedWrite;
      this.transmit(write.frame);
      write.resolve();
    }
    if (this.writeClosed && !this.aborted && blocked.length === 0) this.sendFin();
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.bufferedHead < this.buffered.length) return Promise.resolve(this.take());
    if (this.readStopped || (this.readEnded && this.readError === undefined)) {
      return Promise.resolve(done);
    }
    if (this.readError !== undefined) return Promise.reject(this.readError);
    if (this.reader !== undefined) {
      return Promise.reject(new TransportError("protocol", "concurrent reads of one stream"));
    }
    return new Promise((resolve, reject) => {
      this.reader = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.iterated) throw new TransportError("protocol", "a stream has a single consumer");
    this.iterated = true;
    return consumerIterator(
      () => this.next(),
      () => {
        this.stopReading();
        this.checkFinished();
      },
    );
  }

  private transmit(frame: Uint8Array): void {
    this.out.load++;
    this.owner.frameSent(frame.byteLength);
    this.out.send(frame);
  }

  private sendFin(): void {
    if (this.finSent || this.writeError !== undefined) return;
    this.finSent = true;
    this.out.send(FIN);
    this.checkFinished();
  }

  private take(): IteratorResult<Uint8Array> {
    const frame = this.buffered[this.bufferedHead] as Uint8Array;
    this.buffered[this.bufferedHead] = undefined as unknown as Uint8Array;
    this.bufferedHead++;
    if (this.bufferedHead === this.buffered.length) {
      this.buffered.length = 0;
      this.bufferedHead = 0;
    }
    this.in.load--;
    this.in.writer.pump();
    return { value: frame, done: false };
  }

  private stopReading(): void {
    if (this.readStopped) return;
    this.readStopped = true;
    const unread = this.buffered.length - this.bufferedHead;
    this.buffered.length = 0;
    this.bufferedHead = 0;
    if (unread > 0) {
      this.in.load -= unread;
      this.in.writer.pump();
    }
    this.wakeReader();
  }

  private fail(error: TransportError, countReset = true): void {
    const wasBroken = this.writeError !== undefined;
    if (!wasBroken) this.writeError = error;
    this.out.break();
    this.rejectBlocked(error);
    if (!this.readEnded && !this.readStopped && this.readError === undefined) {
      this.readError = error;
      this.wakeReader();
    }
    if (!wasBroken && !this.aborted && countReset) this.owner.streamReset();
    this.checkFinished();
  }

  private rejectBlocked(error: TransportError): void {
    const blocked = this.blocked.splice(0);
    for (const write of blocked) write.reject(error);
  }

  private wakeReader(): void {
    const reader = this.reader;
    if (reader === undefined) return;
    if (this.bufferedHead < this.buffered.length) {
      this.reader = undefined;
      reader.resolve(this.take());
    } else if (this.readStopped || (this.readEnded && this.readError === undefined)) {
      this.reader = undefined;
      reader.resolve(done);
    } else if (this.readError !== undefined) {
      this.reader = undefined;
      reader.reject(this.readError);
    }
  }

  private checkFinished(): void {
    if (this.finished) return;
    const sendDone = this.aborted || this.finSent || this.writeError !== undefined;
    const readDone = this.readStopped || this.readEnded || this.readError !== undefined;
    if (sendDone && readDone) {
      this.finished = true;
      this.owner.streamDone(this);
    }
  }
}

/** Creates the two ends of a stream between `dialer` and `acceptor`. */
export function connectStreamEnds(
  dialer: StreamOwner,
  acceptor: StreamOwner,
  bufferFrames: number,
): [MemoryStreamEnd, MemoryStreamEnd] {
  const a = new MemoryStreamEnd(dialer, acceptor.address, bufferFrames);
  const b = new MemoryStreamEnd(acceptor, dialer.address, bufferFrames);
  a.out = new Pipe(a, b);
  b.out = new Pipe(b, a);
  a.in = b.out;
  b.in = a.out;
  return [a, b];
}
