import type { Transport } from "@grapevine/transport";
import { withTimeout } from "./timeouts.js";

/**
 * What a transport package hands {@link runTransportCompliance}: a way to bind transports, and
 * a description of what the suite may expect of them. Each test binds fresh transports and the
 * suite closes every one it made after the test.
 */
export interface ComplianceFactory {
  /** Binds a transport at a fresh address (e.g. UDP on `127.0.0.1` port 0, `mem://` a new name). */
  create(): Promise<Transport>;
  /**
   * Binds a transport at exactly `address`, the `address` of a transport made by this factory
   * (used to re-bind after close, and to check that a bound address is refused).
   */
  createAt(address: string): Promise<Transport>;
  /** An address of this transport's scheme on which nothing listens (e.g. a freed port). */
  addressOfNobody(): string | Promise<string>;
  /**
   * Datagrams may be lost even on a healthy link (real UDP): the suite then resends single
   * datagrams until one arrives and expects at least {@link ComplianceFactory.minDeliveryRatio}
   * of a burst. Default false: every datagram must arrive.
   */
  readonly lossy?: boolean;
  /** Fraction of a burst that must arrive when `lossy` (default 0.95). */
  readonly minDeliveryRatio?: number;
  /** Bound on every single wait in the suite, in ms of real time (default 5000). */
  readonly timeoutMs?: number;
  /** `timeoutMs` the suite passes to `dial` towards nobody, in ms (default 2000). */
  readonly dialTimeoutMs?: number;
  /** False for a datagram-only transport: the stream cases are skipped (default true). */
  readonly streams?: boolean;
  /** Runs once before the suite (e.g. start a virtual clock's auto-advance). */
  setup?(): void | Promise<void>;
  /** Runs once after the suite. */
  teardown?(): void | Promise<void>;
}

/** A {@link ComplianceFactory} with defaults applied, plus the suite's bookkeeping. */
export interface ComplianceContext {
  readonly timeoutMs: number;
  readonly dialTimeoutMs: number;
  readonly lossy: boolean;
  readonly minDeliveryRatio: number;
  /** Binds a fresh transport and remembers it for cleanup. */
  create(): Promise<Transport>;
  /** Binds at `address` and remembers it for cleanup. */
  createAt(address: string): Promise<Transport>;
  /** Binds `n` fresh transports. */
  createMany(n: number): Promise<Transport[]>;
  addressOfNobody(): Promise<string>;
}

/**
 * Whether `bind` (a transport bound to IPv6 loopback, `[::1]`) succeeds on this machine; the
 * transport is closed again. Machines without IPv6 exist, so IPv6 tests skip on `false`.
 */
export async function bindsIpv6Loopback(
  bind: () => Promise<{ close(): Promise<void> }>,
): Promise<boolean> {
  try {
    const transport = await bind();
    await transport.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * The transports a test bound, to close after it: `track` each as it is bound, `closeAll` in an
 * `afterEach` (the compliance suite does the same with the ones it makes).
 */
export class OpenTransports<T extends { close(): Promise<void> }> {
  private readonly open: T[] = [];

  /** Waits for `binding`, remembers the transport and returns it. */
  async track(binding: Promise<T>): Promise<T> {
    const transport = await binding;
    this.open.push(transport);
    return transport;
  }

  /** Closes every transport tracked so far (and forgets them), within `timeoutMs` if given. */
  async closeAll(timeoutMs?: number): Promise<void> {
    const closing = Promise.all(this.open.splice(0).map((t) => t.close()));
    if (timeoutMs === undefined) await closing;
    else await withTimeout(closing, timeoutMs, "closing the test's transports");
  }
}
