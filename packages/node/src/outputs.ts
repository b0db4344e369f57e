import type { ClusterEvent } from "./events.js";
import type { QuerySummary } from "./query-options.js";

/** Why the core opened a stream exchange. */
export type StreamPurpose = "push-pull" | "probe";

/**
 * What a {@link NodeCore} asks of its runtime, as plain data, in the order it was produced
 * (foca's `Runtime` calls, drained instead of called back).
 * - `datagram`: send `bytes` (an encoded packet, not yet sealed) to the address URL `to`;
 * - `stream`: dial `to`, write `bytes` as one frame, read one frame back and hand it (opened) to
 *   {@link NodeCore.handleStreamReply} with `id`, or `undefined` when the exchange failed. The
 *   core gives up on its own at `deadlineAt`; the runtime should abort the stream by then too;
 * - `event`: an event for the application, to be delivered after the step that produced it;
 * - `join-done`: the join started by {@link NodeCore.join} with `token` has finished, `joined`
 *   seeds answered;
 * - `leave-done`: the leave has spread (or its timeout passed): the runtime may stop;
 * - `query-request`: a query (ours or a peer's) for the application's handler of `name`; answer
 *   it with {@link NodeCore.respondQuery} and `token` before `deadlineAt` (or not at all);
 * - `query-answer`: an ack or answer to our query `id`;
 * - `query-done`: our query `summary.id` has ended (deadline, or every expected member answered).
 */
export type NodeOutput =
  | { readonly kind: "datagram"; readonly to: string; readonly bytes: Uint8Array }
  | {
      readonly kind: "stream";
      readonly id: number;
      readonly to: string;
      readonly bytes: Uint8Array;
      readonly purpose: StreamPurpose;
      readonly deadlineAt: number;
    }
  | { readonly kind: "event"; readonly event: ClusterEvent }
  | { readonly kind: "join-done"; readonly token: number; readonly joined: number }
  | { readonly kind: "leave-done" }
  | {
      readonly kind: "query-request";
      readonly token: string;
      readonly origin: string;
      readonly name: string;
      readonly payload: Uint8Array;
      readonly deadlineAt: number;
    }
  | {
      readonly kind: "query-answer";
      readonly id: number;
      readonly from: string;
      readonly ack: boolean;
      readonly payload: Uint8Array;
      readonly at: number;
    }
  | { readonly kind: "query-done"; readonly summary: QuerySummary };
