import type { Datagram, Transport } from "@grapevine/transport";
import { equalBytes } from "./bytes.js";
import type { ComplianceContext } from "./factory.js";
import { datagramsOf } from "./inbox.js";
import { ComplianceTimeoutError } from "./timeouts.js";

/** How long a lossy transport gets before a single datagram is sent again, in ms. */
const RESEND_MS = 100;

/**
 * Sends `data` from `from` to `to` and resolves with the datagram as `to` received it (matched
 * by content). On a lossy transport it resends every 100 ms until one arrives; either way it
 * gives up after the context's timeout.
 */
export async function deliver(
  ctx: ComplianceContext,
  from: Transport,
  to: Transport,
  data: Uint8Array,
  what: string,
): Promise<Datagram> {
  const inbox = datagramsOf(to);
  const matches = (d: Datagram): boolean => equalBytes(d.data, data);
  if (!ctx.lossy) {
    from.send(to.address, data);
    return inbox.find(matches, ctx.timeoutMs, what);
  }
  const deadline = Date.now() + ctx.timeoutMs;
  for (;;) {
    from.send(to.address, data);
    const left = deadline - Date.now();
    try {
      return await inbox.find(matches, Math.max(1, Math.min(RESEND_MS, left)), what);
    } catch (error) {
      if (!(error instanceof ComplianceTimeoutError) || Date.now() >= deadline) {
        if (error instanceof ComplianceTimeoutError) {
          throw new ComplianceTimeoutError(
            `timed out after ${ctx.timeoutMs} ms (resending every ${RESEND_MS} ms) waiting for ${what}`,
          );
        }
        throw error;
      }
    }
  }
}

/** Lets other macrotasks (socket events, timers) run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
