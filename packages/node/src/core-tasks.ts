/** The core's own timers; stale ones are recognised by their token and ignored (foca). */
export type CoreTask =
  | { readonly kind: "gossip" }
  | { readonly kind: "reconnect" }
  | { readonly kind: "state-tick"; readonly at: number }
  | { readonly kind: "stream-deadline"; readonly id: number }
  | { readonly kind: "join-deadline"; readonly token: number }
  | { readonly kind: "leave-check" };

/**
 * Sets the first anti-entropy and reconnect rounds each at a random point of its first period
 * (members started together do not act in lockstep); a period of 0 turns the round off.
 * Anti-entropy periods are not timers (see `AntiEntropy.catchUp`): `startAntiEntropy` gets the
 * first one's time.
 */
export function startPeriodicTasks(
  schedule: { schedule(at: number, task: CoreTask): void },
  timing: { readonly antiEntropyIntervalMs: number; readonly reconnectIntervalMs: number },
  rng: { next(): number },
  now: number,
  startAntiEntropy: (at: number) => void,
): void {
  const { antiEntropyIntervalMs, reconnectIntervalMs } = timing;
  if (antiEntropyIntervalMs > 0) startAntiEntropy(now + rng.next() * antiEntropyIntervalMs);
  if (reconnectIntervalMs > 0) {
    schedule.schedule(now + rng.next() * reconnectIntervalMs, { kind: "reconnect" });
  }
}
