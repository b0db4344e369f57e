/** The core's own timers; stale ones are recognised by their token and ignored (foca). */
export type CoreTask =
  | { readonly kind: "gossip" }
  | { readonly kind: "anti-entropy" }
  | { readonly kind: "reconnect" }
  | { readonly kind: "state-tick"; readonly at: number }
  | { readonly kind: "stream-deadline"; readonly id: number }
  | { readonly kind: "join-deadline"; readonly token: number }
  | { readonly kind: "leave-check" };

/**
 * Sets the first anti-entropy and reconnect rounds each at a random point of its first period
 * (members started together do not act in lockstep); a period of 0 turns the round off.
 */
export function startPeriodicTasks(
  schedule: { schedule(at: number, task: CoreTask): void },
  timing: { readonly antiEntropyIntervalMs: number; readonly reconnectIntervalMs: number },
  rng: { next(): number },
  now: number,
): void {
  const periodic = [
    ["anti-entropy", timing.antiEntropyIntervalMs],
    ["reconnect", timing.reconnectIntervalMs],
  ] as const;
  for (const [kind, intervalMs] of periodic) {
    if (intervalMs > 0) schedule.schedule(now + rng.next() * intervalMs, { kind });
  }
}
