/**
 * Address URLs and transport schemes. Members advertise several addresses (`udp://…`, `ws://…`,
 * `mem://…`); a node can send directly only to an address whose scheme is one of the schemes of
 * its own addresses, and it uses the first such address the peer advertises.
 */

/** The scheme of an address URL, lower-cased (`"udp"` for `udp://10.0.0.5:7946`); "" if none. */
export function schemeOf(address: string): string {
  const end = address.indexOf("://");
  return end <= 0 ? "" : address.slice(0, end).toLowerCase();
}

/** The distinct schemes of `addresses`, sorted (a stable signature of a member's transports). */
export function schemesOf(addresses: readonly string[]): string[] {
  const schemes = new Set<string>();
  for (const address of addresses) {
    const scheme = schemeOf(address);
    if (scheme !== "") schemes.add(scheme);
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
    const end = address.indexOf("://");
    if (end > 0 && plainScheme(address, end)) {
      // The scheme is its own lower case: compare it in place instead of slicing a copy (this
      // runs for every probe and gossip target).
      for (const scheme of ownSchemes) {
        if (scheme.length === end && address.startsWith(scheme)) return address;
      }
    } else if (ownSchemes.has(schemeOf(address))) {
      return address;
    }
  }
  return undefined;
}

/** Whether `address[0, end)` holds no character that lower-casing would change. */
function plainScheme(address: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = address.charCodeAt(i);
    if (c >= 128 || (c >= 65 && c <= 90)) return false;
  }
  return true;
}

/** Whether two scheme lists have a scheme in common. */
export function sharesScheme(a: readonly string[], b: readonly string[]): boolean {
  for (const scheme of a) {
    if (b.includes(scheme)) return true;
  }
  return false;
}
