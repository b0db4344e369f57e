/** The core's own timers; stale ones are recognised by their token and ignored (foca). */
export type CoreTask =
  | { readonly kind: "gossip" }
  | { readonly kind: "anti-entropy" }
  | { readonly kind: "reconnect" }
  | { readonly kind: "state-tick"; readonly at: number }
  | { readonly kind: "stream-deadline"; readonly id: number }
  | { readonly kind: "join-deadline"; readonly token: number }
  | { readonly kind: "leave-check" };
