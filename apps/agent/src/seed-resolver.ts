import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { formatAddress, parseAddress } from "@grapevine/transport";

/** One address a host name resolves to, as `dns.lookup(host, { all: true })` gives it. */
export interface LookupAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to all of its addresses (A and AAAA). Injected in tests. */
export type LookupAll = (host: string) => Promise<readonly LookupAddress[]>;

/**
 * The system resolver (`getaddrinfo`: /etc/hosts, then DNS with the search domains, as every
 * other program on the host resolves), every address of both families, in the resolver's order.
 */
export const systemLookup: LookupAll = (host) => lookup(host, { all: true, verbatim: true });

/** A seed as given, and the addresses to try for it this round. */
export interface ResolvedSeed {
  /** The seed as configured: `udp://grapevine.default.svc:7946`. */
  readonly seed: string;
  /** Addresses to join through: the seed itself, or one `udp://IP:PORT` per resolved address. */
  readonly addresses: readonly string[];
  /** Why the seed gave no address this round (the lookup failed or found nothing). */
  readonly error?: string;
}

/**
 * Turns seeds into addresses to join through, looking names up again on every call (a Kubernetes
 * headless Service or a DNS round-robin changes as members come and go, so the answer of the
 * previous attempt may be stale). `udp://NAME:PORT` becomes `udp://IP:PORT` for every A and AAAA
 * address of NAME, so that each member behind the name is tried, not only the first one the
 * system would connect to. IP literals, and `ws://` / `wss://` seeds (whose name the WebSocket
 * transport needs for the HTTP Host header and TLS), are used as they are. A seed that does not
 * parse is passed on unchanged: the join reports it.
 */
export async function resolveSeeds(
  seeds: readonly string[],
  lookupAll: LookupAll = systemLookup,
): Promise<ResolvedSeed[]> {
  return Promise.all(
    seeds.map(async (seed): Promise<ResolvedSeed> => {
      let parsed: ReturnType<typeof parseAddress>;
      try {
        parsed = parseAddress(seed);
      } catch {
        return { seed, addresses: [seed] };
      }
      if (parsed.scheme !== "udp" || isIP(parsed.host) !== 0 || parsed.port === undefined) {
        return { seed, addresses: [seed] };
      }
      const port = parsed.port;
      try {
        const found = await lookupAll(parsed.host);
        const addresses = [
          ...new Set(found.map((a) => formatAddress("udp", a.address, port, parsed.path))),
        ];
        if (addresses.length === 0) {
          return { seed, addresses, error: `${parsed.host} has no A or AAAA record` };
        }
        return { seed, addresses };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === "ENOTFOUND" ? "no such host" : (code ?? String(err));
        return { seed, addresses: [], error: `cannot resolve ${parsed.host}: ${why}` };
      }
    }),
  );
}
