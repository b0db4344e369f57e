import {
  AddressError,
  type Address as ProtocolAddress,
  parseAddress as parseProtocolAddress,
  formatAddress as protocolFormatAddress,
  isUnspecifiedHost as protocolIsUnspecifiedHost,
  schemeOf as protocolSchemeOf,
} from "@grapevine/protocol";
import { TransportError } from "./errors.js";

/**
 * A parsed transport address URL.
 * @deprecated Import `Address` from `@grapevine/protocol`.
 */
export type Address = ProtocolAddress;

/**
 * Formats host and port as a URL with the given scheme, bracketing IPv6 literals.
 * @deprecated Import `formatAddress` from `@grapevine/protocol`.
 */
export const formatAddress: typeof protocolFormatAddress = protocolFormatAddress;

/**
 * True for addresses that cannot be advertised (`0.0.0.0`, `::`).
 * @deprecated Import `isUnspecifiedHost` from `@grapevine/protocol`.
 */
export const isUnspecifiedHost: typeof protocolIsUnspecifiedHost = protocolIsUnspecifiedHost;

/**
 * The scheme of an address URL, or `undefined` when it is not a URL. Never throws.
 * @deprecated Import `schemeOf` from `@grapevine/protocol`.
 */
export const schemeOf: typeof protocolSchemeOf = protocolSchemeOf;

/**
 * Parses and validates an address URL (`udp://10.0.0.5:7946`, `udp://[::1]:7946`,
 * `ws://host:8080/gossip`, `mem://n17`): `parseAddress` of `@grapevine/protocol`, failing the
 * way every transport must, with `TransportError('invalid-address')` and the reason.
 */
export function parseAddress(url: string): ProtocolAddress {
  try {
    return parseProtocolAddress(url);
  } catch (err) {
    if (err instanceof AddressError) throw new TransportError("invalid-address", err.message);
    throw err;
  }
}
