import { isTransportError, type Stream, type Transport } from "@grapevine/transport";
import { expect, it } from "vitest";
import { equalBytes, patternBytes, taggedBytes, tagOf } from "./bytes.js";
import type { ComplianceContext } from "./factory.js";
import { framesOf, streamsOf } from "./inbox.js";
import { expectRejectsTransportError, withTimeout } from "./timeouts.js";

/** A connected stream: the dialer's end and the acceptor's end. */
export interface StreamPair {
  readonly dialer: Stream;
  readonly acceptor: Stream;
}

/** Accepted streams {@link connect} has already paired with a dialer. */
const claimed = new WeakSet<Stream>();

/**
 * Dials `to` from `from`, writes one greeting frame (some transports surface a stream to the
 * acceptor only once bytes flow), accepts the stream at `to` and reads the greeting there.
 */
export async function connect(
  ctx: ComplianceContext,
  from: Transport,
  to: Transport,
  tag = 1,
): Promise<StreamPair> {
  const dialer = await withTimeout(from.dial(to.address), ctx.timeoutMs, `dial ${to.address}`);
  const greeting = taggedBytes(tag, 16);
  await withTimeout(dialer.write(greeting), ctx.timeoutMs, "the greeting write");
  const acceptor = await streamsOf(to).find(
    (s) => s.remote === from.address && !claimed.has(s),
    ctx.timeoutMs,
    `a stream from ${from.address} accepted at ${to.address}`,
  );
  claimed.add(acceptor);
  const first = await framesOf(acceptor).next(ctx.timeoutMs, "the greeting frame");
  expect(equalBytes(first, greeting)).toBe(true);
  return { dialer, acceptor };
}

/** Expects the iteration of `stream` to throw `TransportError('reset')` within the timeout. */
async function expectReset(ctx: ComplianceContext, stream: Stream, what: string): Promise<void> {
  const result = await framesOf(stream).settled(ctx.timeoutMs, what);
  if (!("error" in result)) {
    throw new Error(`${what}: the iteration ended normally; expected TransportError(reset)`);
  }
  if (!isTransportError(result.error, "reset")) {
    throw new Error(`${what}: expected TransportError(reset), got ${String(result.error)}`);
  }
}

function sizes(count: number, max: number, seed: number): number[] {
  const out: number[] = [];
  let x = seed;
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out.push(1 + (x % max));
  }
  return out;
}

/** Writes `frames` in order, each after the previous write resolved. */
async function writeAll(stream: Stream, frames: readonly Uint8Array[]): Promise<void> {
  for (const frame of frames) await stream.write(frame);
}

function expectFrames(got: readonly Uint8Array[], sent: readonly Uint8Array[], what: string): void {
  expect(got.length, `${what}: frame count`).toBe(sent.length);
  for (let i = 0; i < sent.length; i++) {
    if (!equalBytes(got[i]!, sent[i]!)) {
      throw new Error(
        `${what}: frame ${i} differs (got ${got[i]!.byteLength} bytes, sent ${sent[i]!.byteLength})`,
      );
    }
  }
}

/** Registers the stream cases. */
export function streamCases(ctx: ComplianceContext): void {
  it("dials and accepts a stream; each end names the other as remote", async () => {
    const [a, b] = await ctx.createMany(2);
    const { dialer, acceptor } = await connect(ctx, a!, b!);
    expect(dialer.remote).toBe(b!.address);
    expect(acceptor.remote).toBe(a!.address);
  });

  it("carries many frames whole and in order, both ways at once", async () => {
    const [a, b] = await ctx.createMany(2);
    const { dialer, acceptor } = await connect(ctx, a!, b!);
    const max = Math.min(4096, a!.maxFrameBytes);
    const forth = sizes(300, max, 7).map((n, i) => taggedBytes(1000 + i, Math.max(4, n)));
    const back = sizes(300, max, 8).map((n, i) => taggedBytes(5000 + i, Math.max(4, n)));
    const atAcceptor = framesOf(acceptor);
    const atDialer = framesOf(dialer);
    const before = atAcceptor.received.length;
    await withTimeout(
      Promise.all([writeAll(dialer, forth), writeAll(acceptor, back)]),
      ctx.timeoutMs,
      "writing 300 frames each way",
    );
    await atAcceptor.atLeast(before + forth.length, ctx.timeoutMs, "300 frames at the acceptor");
    await atDialer.atLeast(back.length, ctx.timeoutMs, "300 frames at the dialer");
    expectFrames(atAcceptor.received.slice(before), forth, "dialer → acceptor");
    expectFrames(atDialer.received, back, "acceptor → dialer");
  });

  it("carries an empty frame as an empty frame", async () => {
    const [a, b] = await ctx.createMany(2);
    const { dialer, acceptor } = await connect(ctx, a!, b!);
    await withTimeout(dialer.write(new Uint8Array(0)), ctx.timeoutMs, "an empty write");
    await withTimeout(dialer.write(patternBytes(3, 40)), ctx.timeoutMs, "a 3-byte write");
    const inbox = framesOf(acceptor);
    expect((await inbox.next(ctx.timeoutMs, "the empty frame")).byteLength).toBe(0);
    expect(
      equalBytes(await inbox.next(ctx.timeoutMs, "the 3-byte frame"), patternBytes(3, 40)),
    ).toBe(true);
  });

  it("carries a frame of maxFrameBytes; one byte more rejects frame-too-large, stream intact", async () => {
    const [a, b] = await ctx.createMany(2);
    const { dialer, acceptor } = await connect(ctx, a!, b!);
    const limit = a!.maxFrameBytes;
    await expectRejectsTransportError(
      () => dialer.write(new Uint8Array(limit + 1)),
      "frame-too-large",
      ctx.timeoutMs,
      `write of maxFrameBytes + 1 = ${limit + 1} bytes`,
    );
    const big = patternBytes(limit, 41);
    await withTimeout(dialer.write(big), ctx.timeoutMs, `write of ${limit} bytes`);
    const after = patternBytes(10, 42);
    await withTimeout(dialer.write(after), ctx.timeoutMs, "a write after the big frame");
    const inbox = framesOf(acceptor);
    const got = await inbox.next(ctx.timeoutMs, `the ${limit}-byte frame`);
    expect(got.byteLength).toBe(limit);
    expect(equalBytes(got, big)).toBe(true);
    expect(equalBytes(await inbox.next(ctx.timeoutMs, "the frame after it"), after)).toBe(true);
  });

  it("copies frames: the writer may reuse its buffer once write resolves", async () => {
    const [a, b] = await ctx.createMany(2);
    const { dialer, acceptor } = await connect(ctx, a!, b!);
    const original = patternBytes(256, 43);
    const buffer = original.slice();
    await withTimeout(dialer.write(buffer), ctx.timeoutMs, "a write");
    buffer.fill(0);
    expect(equalBytes(await framesOf(acceptor).next(ctx.timeoutMs, "the frame"), original)).toBe(
      true,
    );
  });

  it("close ends the peer's iteration after the frames written before it", async () => {
    const [a, b] = await ctx.createMany(2);
    const { dialer, acceptor } = await connect(ctx, a!, b!);
    const frames = [patternBytes(5, 44), patternBytes(500, 45), patternBytes(50, 46)];
    for (const f of frames) await withTimeout(dialer.write(f), ctx.timeoutMs, "a write");
    await withTimeout(dialer.close(), ctx.timeoutMs, "close");
    const inbox = framesOf(acceptor);
    const result = await inbox.settled(ctx.timeoutMs, "the acceptor's iteration to end");
    expect(result).toEqual({});
    expectFrames(inbox.received.slice(1), frames, "frames before close");
  });

  it("rejects write with closed after close and after abort", async () => {
    const [a, b] = await ctx.createMany(2);
    const first = await connect(ctx, a!, b!, 1);
    await withTimeout(first.dialer.close(), ctx.timeoutMs, "close");
    await withTimeout(first.dialer.close(), ctx.timeoutMs, "a second close");
    await expectRejectsTransportError(
      () => first.dialer.write(patternBytes(4, 47)),
      "closed",
      ctx.timeoutMs,
      "write after close",
    );
    const second = await connect(ctx, a!, b!, 2);
    second.acceptor.abort();
    second.acceptor.abort();
    await expectRejectsTransportError(
      () => second.acceptor.write(patternBytes(4, 48)),
      "closed",
      ctx.timeoutMs,
      "write after abort",
    );
  });

  it("abort makes the peer's iteration throw reset (dialer aborts)", async () => {
    const [a, b] = await ctx.createMany(2);
    const { dialer, acceptor } = await connect(ctx, a!, b!);
    dialer.abort();
    await expectReset(ctx, acceptor, "the acceptor's iteration after the dialer aborted");
  });

  it("abort makes the peer's iteration throw reset (acceptor aborts mid-stream)", async () => {
    const [a, b] = await ctx.createMany(2);
    const { dialer, acceptor } = await connect(ctx, a!, b!);
    await withTimeout(acceptor.write(patternBytes(100, 49)), ctx.timeoutMs, "a write");
    await framesOf(dialer).next(ctx.timeoutMs, "a frame before the abort");
    acceptor.abort();
    await expectReset(ctx, dialer, "the dialer's iteration after the acceptor aborted");
  });

  it("a peer whose transport closes mid-stream resets the stream; no side hangs", async () => {
    const [a, b] = await ctx.createMany(2);
    const { dialer, acceptor } = await connect(ctx, a!, b!);
    await withTimeout(acceptor.write(patternBytes(100, 50)), ctx.timeoutMs, "a write");
    await framesOf(dialer).next(ctx.timeoutMs, "a frame before the close");
    await withTimeout(b!.close(), ctx.timeoutMs, "the acceptor's transport to close");
    await expectReset(ctx, dialer, "the dialer's iteration after the acceptor's transport closed");
    await framesOf(acceptor).settled(ctx.timeoutMs, "the closed side's own iteration to end");
    await expectRejectsTransportError(
      () => acceptor.write(patternBytes(4, 51)),
      "closed",
      ctx.timeoutMs,
      "write on a stream of a closed transport",
    );
  });

  it("rejects a dial to nobody with unreachable or timeout", async () => {
    const a = await ctx.create();
    const nobody = await ctx.addressOfNobody();
    await expectRejectsTransportError(
      () => a.dial(nobody, { timeoutMs: ctx.dialTimeoutMs }),
      ["unreachable", "timeout"],
      ctx.dialTimeoutMs + ctx.timeoutMs,
      `dial ${nobody}`,
    );
  });

  it("accepts streams from several dialers concurrently", async () => {
    const dialers = 5;
    const server = await ctx.create();
    const clients = await ctx.createMany(dialers);
    const streams = await withTimeout(
      Promise.all(
        clients.map(async (client, i) => {
          const s = await client.dial(server.address);
          await s.write(taggedBytes(100 + i, 32));
          return s;
        }),
      ),
      ctx.timeoutMs,
      `${dialers} concurrent dials`,
    );
    const accepted = await streamsOf(server).atLeast(dialers, ctx.timeoutMs, `${dialers} accepts`);
    expect(accepted.length).toBe(dialers);
    for (const s of accepted) {
      const i = clients.findIndex((c) => c.address === s.remote);
      expect(i, `accepted remote ${s.remote} is one of the dialers`).toBeGreaterThanOrEqual(0);
      const first = await framesOf(s).next(ctx.timeoutMs, `the first frame from ${s.remote}`);
      expect(tagOf(first)).toBe(100 + i);
      await withTimeout(s.write(taggedBytes(200 + i, 24)), ctx.timeoutMs, "a reply");
    }
    for (let i = 0; i < dialers; i++) {
      const reply = await framesOf(streams[i]!).next(ctx.timeoutMs, `the reply to dialer ${i}`);
      expect(tagOf(reply)).toBe(200 + i);
    }
  });
}
