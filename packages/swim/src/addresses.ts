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

/**
 * Schemes a member advertising a scheme can send to, where that is not just the scheme itself.
 * WebSocket members dial `ws://` and `wss://` whichever they advertise; a listener (`ws`, `wss`)
 * also reaches dial-only `ws-client://` members over the connections they opened to it; a
 * dial-only member (`ws-client`, a browser tab) listens on nothing, so it never reaches another
 * dial-only member.
 */
const REACHES: Readonly<Record<string, readonly string[]>> = {
  ws: ["ws", "wss", "ws-client"],
  wss: ["ws", "wss", "ws-client"],
  "ws-client": ["ws", "wss"],
};

/** The schemes a member advertising `schemes` can send to (see the table above). */
export function reachableSchemes(schemes: readonly string[]): string[] {
  const out = new Set<string>();
  for (const scheme of schemes) for (const s of REACHES[scheme] ?? [scheme]) out.add(s);
  return [...out].sort();
}

/**
 * Whether a member advertising `from` can send to one advertising `to`: an indirect prober must,
 * or its nack says nothing about the target.
 */
export function canReach(from: readonly string[], to: readonly string[]): boolean {
  return sharesScheme(reachableSchemes(from), to);
}

/** Schemes of members that accept no connections (a browser tab on WebSocket). */
const DIAL_ONLY: ReadonlySet<string> = new Set(["ws-client"]);

/**
 * Whether a stream can be dialed to `address` on its own: false for a dial-only member, reached
 * only over connections it opened, where a stream adds nothing to what datagrams already tell.
 */
export function acceptsConnections(address: string): boolean {
  return !DIAL_ONLY.has(protocolSchemeOf(address) ?? "");
}
