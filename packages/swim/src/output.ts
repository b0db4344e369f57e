import type { Message } from "@grapevine/codec";
import type { MemberChangeType } from "@grapevine/protocol";
import type { MemberView } from "./members.js";

/**
 * A change in the membership as this node sees it: what happened (see `MemberChangeType` of
 * `@grapevine/protocol`: `join`, `update`, `suspect`, `alive`, `dead`, `left`), to whom (a
 * snapshot), and when (ms). Changes about this node itself are emitted too (`join` on
 * construction, `update` on {@link Swim.setMeta}, `left` on {@link Swim.leave}).
 */
export interface MemberChange {
  readonly type: MemberChangeType;
  readonly member: MemberView;
  readonly at: number;
}

/**
 * A membership change.
 * @deprecated Use {@link MemberChange}; `MemberEvent` of `@grapevine/cluster` is another thing
 * (the event delivered to applications, `member-joined` and so on).
 */
export type MemberEvent = MemberChange;

/**
 * The kind of a membership change.
 * @deprecated Use `MemberChangeType` of `@grapevine/protocol`; `MemberEventType` there and in
 * `@grapevine/cluster` names the events delivered to applications (`member-joined`, ...).
 */
export type MemberEventType = MemberChangeType;

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
  | { readonly kind: "event"; readonly event: MemberChange };
