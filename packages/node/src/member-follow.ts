import type { MemberView } from "@grapevine/swim";
import type { Coordinates } from "./coordinates.js";
import { type ClusterEvent, memberEventType, toMember } from "./events.js";
import type { Outbox } from "./outbox.js";
import type { Reconnect } from "./reconnect.js";
import type { StateSync } from "./state-sync.js";

/** What {@link followMemberEvent} needs of the core. */
export interface MemberFollowHost {
  readonly name: string;
  readonly stateSync: StateSync;
  readonly outbox: Outbox;
  readonly reconnect: Reconnect;
  readonly coordinates: Coordinates;
  emit(event: ClusterEvent): void;
}

/**
 * A membership event from the failure detector: the state store, the reconnect list and the
 * coordinates follow other members' changes, and the event goes out as the core's own.
 */
export function followMemberEvent(
  host: MemberFollowHost,
  type: string,
  view: MemberView,
  at: number,
): void {
  const eventType = memberEventType(type);
  if (eventType === undefined) return;
  if (view.name !== host.name) {
    host.stateSync.memberChanged(view.name, type, view.generation, at);
    const address = view.addresses.find((a) => host.outbox.linkFor(a) !== undefined);
    host.reconnect.memberChanged(view.name, type, address, at);
    if (type === "dead" || type === "left") host.coordinates.forget(view.name);
  }
  host.emit({ type: eventType, member: toMember(view, host.name), at });
}
