import type { Message } from "@grapevine/codec";
import type { MemberView } from "./members.js";

/**
 * A change in the membership as this node sees it. Events about this node itself are emitted
 * too (`join` on construction, `update` on {@link Swim.setMeta}, `left` on {@link Swim.leave}).
 * - `join`: a member appeared, or came back after being dead or left;
 * - `update`: an alive member changed its addresses, metadata or generation;
 * - `suspect`: an alive member is suspected (SWIM §4.2);
 * - `alive`: a suspect member refuted the suspicion;
 * - `dead`: a member was declared failed;
 * - `left`: a member left gracefully.
 */
export type MemberEventType = "join" | "update" | "suspect" | "alive" | "dead" | "left";

/** A membership event: what happened, to whom (a snapshot), and when (ms). */
export interface MemberEvent {
  readonly type: MemberEventType;
  readonly member: MemberView;
  readonly at: number;
}

/**
 * What Swim asks of its runtime, as plain data, in the order it was produced.
 * - `send`: send `messages` in one packet to the address URL `to`; the runtime packs them
 *   (in this order: with the buddy system a suspicion comes before the ping) and may append
 *   piggy-backed broadcasts from {@link Swim.piggyback}.
 * - `stream-probe`: ping member `target` over the reliable stream channel at `to` and report the
 *   outcome with {@link Swim.streamProbeResult}(`seq`, …) before `deadlineAt` (ms).
 * - `push-pull`: perform a full state exchange with `to` over the stream channel; `join` marks a
 *   join (the peer answers with its own state). Report the result with {@link Swim.mergeRemote},
 *   or {@link Swim.pushPullFailed}.
 * - `event`: a membership event.
 */
export type SwimOutput =
  | { readonly kind: "send"; readonly to: string; readonly messages: Message[] }
  | {
      readonly kind: "stream-probe";
      readonly to: string;
      readonly target: string;
      readonly seq: number;
      readonly deadlineAt: number;
    }
  | { readonly kind: "push-pull"; readonly to: string; readonly join: boolean }
  | { readonly kind: "event"; readonly event: MemberEvent };
