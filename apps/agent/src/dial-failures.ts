import type { Transport } from "@grapevine/transport";

/**
 * The last reason a dial to each address failed, so that a join can say why a seed did not
 * answer (refused, unreachable, timed out) instead of only that it did not. The cluster keeps
 * such errors to itself (a failed push-pull is dropped and counted); the agent hands the cluster
 * its transports through {@link DialFailures.wrap} and reads the reasons back here.
 */
export class DialFailures {
  private readonly last = new Map<string, string>();

  /**
   * The same transport, but a failed `dial` records its error first. A Proxy rather than a
   * wrapper class: the cluster may read members a transport has beyond the interface (the
   * WebSocket transport's `schemes`), and those must keep working unchanged.
   */
  wrap<T extends Transport>(transport: T): T {
    return new Proxy(transport, {
      get: (target, property) => {
        if (property === "dial") {
          const dial: Transport["dial"] = async (to, options) => {
            try {
              return await target.dial(to, options);
            } catch (err) {
              this.record(to, err);
              throw err;
            }
          };
          return dial;
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** Notes why dialing `to` failed (the latest reason wins). */
  record(to: string, err: unknown): void {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    this.last.set(
      to,
      typeof code === "string" && !message.startsWith(code) ? `${code}: ${message}` : message,
    );
    if (this.last.size > 1024) this.last.delete(this.last.keys().next().value as string);
  }

  /** The reason the last dial to `to` failed, forgotten once read; undefined if none failed. */
  take(to: string): string | undefined {
    const reason = this.last.get(to);
    this.last.delete(to);
    return reason;
  }
}
