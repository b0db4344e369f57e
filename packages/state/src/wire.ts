/**
 * The wire types this package speaks, as defined by `@grapevine/codec` (`src/messages.ts`): the
 * scuttlebutt digest entry and the owner delta with its entries. This file is the single place the
 * state layer names them; only types are imported, so nothing of the codec runs here.
 */
export type { DeltaEntry, DigestEntry, OwnerDelta, SharedEntry } from "@grapevine/codec";
