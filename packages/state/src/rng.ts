import type { Rng as ProtocolRng } from "@grapevine/protocol";

/**
 * The injected source of randomness: uniform in [0, 1).
 * @deprecated Import `Rng` from `@grapevine/protocol`.
 */
export type Rng = ProtocolRng;
