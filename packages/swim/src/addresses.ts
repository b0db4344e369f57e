/**
 * Address URLs and transport schemes. Members advertise several addresses (`udp://…`, `ws://…`,
 * `mem://…`); a node can send directly only to an address whose scheme is one of the schemes of
 * its own addresses, and it uses the first such address the peer advertises.
 */

import { schemeOf as protocolSchemeOf } from "@grapevine/protocol";

/**
 * The scheme of an address URL, lower-cased (`"udp"` for `udp://10.0.0.5:7946`); "" if none.
 * @deprecated Use `schemeOf` of `@grapevine/protocol`, which says `undefined` where this says "".
 */
export function schemeOf(address: string): string {
  return protocolSchemeOf(address) ?? "";
}

/** The distinct schemes of `addresses`, sorted (a stable signature of a member's transports). */
export function schemesOf(addresses: readonly string[]): string[] {
  const schemes = new Set<string>();
  for (const address of addresses) {
    const scheme = protocolSchemeOf(address);
    if (scheme !== undefined) schemes.add(scheme);
  }
  return [...schemes].sort();
}

/**
 * The first of `addresses` that we can send to, i.e. whose scheme is in `ownSchemes`;
 * undefined when the peer shares no transport with us.
 */
export function firstSendableAddress(
  addresses: readonly string[],
  ownSchemes: ReadonlySet<string>,
): string | undefined {
  for (const address of addresses) {
    if (ownSchemes.has(protocolSchemeOf(address) ?? "")) return address;
  }
  return undefined;
}

/** Whether two scheme lists have a scheme in common. */
export function sharesScheme(a: readonly string[], b: readonly string[]): boolean {
  for (const scheme of a) {
    if (b.includes(scheme)) return true;
  }
  return false;
}
