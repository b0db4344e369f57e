import { describe, expect, it } from "vitest";
import { SeenMessages } from "./seen-messages.js";

const bytes = (...b: number[]) => Uint8Array.from(b);

describe("SeenMessages.key", () => {
  it("is the same for the same origin, name and payload", () => {
    expect(SeenMessages.key("a", "deploy", bytes(1, 2, 3))).toBe(
      SeenMessages.key("a", "deploy", bytes(1, 2, 3)),
    );
  });

  it("tells apart origin, name, payload bytes and payload length", () => {
    const base = SeenMessages.key("a", "deploy", bytes(1, 2, 3));
    const others = [
      SeenMessages.key("b", "deploy", bytes(1, 2, 3)),
      SeenMessages.key("a", "deploy2", bytes(1, 2, 3)),
      SeenMessages.key("a", "deploy", bytes(1, 2, 4)),
      SeenMessages.key("a", "deploy", bytes(1, 2, 3, 0)),
      SeenMessages.key("a", "deploy", bytes()),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it("cannot be confused by moving text between origin and name", () => {
    // Without a separator, ("ab", "c") and ("a", "bc") would be one message.
    expect(SeenMessages.key("ab", "c", bytes(9))).not.toBe(SeenMessages.key("a", "bc", bytes(9)));
  });
});

describe("SeenMessages.firstSighting", () => {
  it("is true once, then false for the same key within the window", () => {
    const seen = new SeenMessages(1000, 10);
    expect(seen.firstSighting("m", 0)).toBe(true);
    expect(seen.firstSighting("m", 1)).toBe(false);
    expect(seen.firstSighting("m", 999)).toBe(false);
  });

  it("forgets a key once its window has passed, and then remembers it afresh", () => {
    const seen = new SeenMessages(1000, 10);
    expect(seen.firstSighting("m", 0)).toBe(true);
    expect(seen.firstSighting("m", 1000)).toBe(true);
    // The window restarts at the second sighting, not the first.
    expect(seen.firstSighting("m", 1999)).toBe(false);
    expect(seen.firstSighting("m", 2000)).toBe(true);
  });

  it("keeps other keys apart", () => {
    const seen = new SeenMessages(1000, 10);
    expect(seen.firstSighting("a", 0)).toBe(true);
    expect(seen.firstSighting("b", 0)).toBe(true);
    expect(seen.firstSighting("a", 5)).toBe(false);
    expect(seen.firstSighting("b", 5)).toBe(false);
  });

  it("past its limit forgets the oldest keys first, and only as many as it must", () => {
    const seen = new SeenMessages(60_000, 3);
    for (const k of ["k1", "k2", "k3", "k4"]) expect(seen.firstSighting(k, 0)).toBe(true);
    // k1 went to make room for k4; k2..k4 are still known.
    expect(seen.firstSighting("k2", 1)).toBe(false);
    expect(seen.firstSighting("k3", 1)).toBe(false);
    expect(seen.firstSighting("k4", 1)).toBe(false);
    expect(seen.firstSighting("k1", 1)).toBe(true);
    // Re-admitting k1 pushed out k2, the oldest now.
    expect(seen.firstSighting("k2", 2)).toBe(true);
  });

  it("drops expired keys as it goes, so a burst long ago costs nothing later", () => {
    const seen = new SeenMessages(100, 1000);
    for (let i = 0; i < 500; i++) seen.firstSighting(`old${i}`, 0);
    seen.firstSighting("new", 200);
    expect((seen as unknown as { seen: Map<string, number> }).seen.size).toBe(1);
  });
});
