import type { UserMessage } from "@grapevine/codec";
import { SeenMessages } from "./seen-messages.js";

/** How long a user message is remembered as seen, ms. */
export const USER_MESSAGE_TTL_MS = 60_000;
/** How many user messages are remembered as seen at most. */
export const USER_MESSAGE_MEMORY = 16_384;

/**
 * Application messages broadcast infection-style: gossiped like state but not kept. Relayed copies
 * come back; each is delivered once, recognised by sender, name and payload for a minute.
 */
export class UserMessages {
  private readonly seen = new SeenMessages(USER_MESSAGE_TTL_MS, USER_MESSAGE_MEMORY);

  /** A message of ours: remembered as seen. Returns its dedup key. */
  own(message: UserMessage, now: number): string {
    const key = SeenMessages.key(message.from, message.name, message.payload);
    this.seen.firstSighting(key, now);
    return key;
  }

  /** A message received: its dedup key when it is news, `undefined` when seen before. */
  received(message: UserMessage, now: number): string | undefined {
    const key = SeenMessages.key(message.from, message.name, message.payload);
    return this.seen.firstSighting(key, now) ? key : undefined;
  }
}
