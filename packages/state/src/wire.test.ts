import type * as codec from "@grapevine/codec";
import { expect, it } from "vitest";
import type * as local from "./wire.js";

/** `true` only when `A` and `B` are mutually assignable. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Compile-time: this file does not type-check if the local declarations drift from the codec's.
const same: [
  Same<local.DigestEntry, codec.DigestEntry>,
  Same<local.DeltaEntry, codec.DeltaEntry>,
  Same<local.OwnerDelta, codec.OwnerDelta>,
] = [true, true, true];

it("declares the wire types exactly as the codec does", () => {
  expect(same).toEqual([true, true, true]);
});
