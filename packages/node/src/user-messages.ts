import type { UserMessage } from "@grapevine/codec";
import { SeenMessages } from "./seen-messages.js";

/** How long a user message is remembered as seen, ms. */
export const USER_MESSAGE_TTL_MS = 60_000;
/** How many user messages are remembered as seen at most. */
export const USER_MESSAGE_MEMORY = 16_384;

/**
 * Application messages broadcast infection-style: gossiped like state but not kept. Relayed copies
 * come back; each is delivered once, recognised for a minute by sender, event time, name and
 * payload. The event time is a Lamport clock (Serf's LTime): every message sent takes the next
 * tick, every message received pushes the clock past its time, so a message sent after seeing
 * another has a later time, wherever it is sent from.
 */
export class UserMessages {
  private readonly seen = new SeenMessages(USER_MESSAGE_TTL_MS, USER_MESSAGE_MEMORY);
  private clock = 0;

  /** The event time for a message we send now (the clock's next tick). */
  nextTime(): number {
    this.clock = Math.min(this.clock + 1, Number.MAX_SAFE_INTEGER);
    return this.clock;
  }

  /** A message we send now, at the event clock's next tick. */
  create(from: string, name: string, payload: Uint8Array, coalesce: boolean): UserMessage {
    return { type: "user", from, name, payload, coalesce, ltime: this.nextTime() };
  }

  /** A message of ours: remembered as seen. Returns its dedup key. */
  own(message: UserMessage, now: number): string {
    const key = UserMessages.key(message);
    this.seen.firstSighting(key, now);
    return key;
  }

  /** A message received: its dedup key when it is news, `undefined` when seen before. */
  received(message: UserMessage, now: number): string | undefined {
    if (message.ltime > this.clock) this.clock = message.ltime;
    const key = UserMessages.key(message);
    return this.seen.firstSighting(key, now) ? key : undefined;
  }

  private static key(message: UserMessage): string {
    return SeenMessages.key(message.from, `${message.ltime}:${message.name}`, message.payload);
  }
}
