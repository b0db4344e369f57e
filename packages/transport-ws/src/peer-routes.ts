import type { PeerLink } from "./peer-link.js";

/**
 * Peer links by the peer's canonical address. A peer may have several links at once (one each
 * side dialed, one still connecting); {@link route} picks the one to carry datagrams.
 */
export class PeerRoutes {
  private readonly routes = new Map<string, Set<PeerLink>>();

  /**
   * The link to carry datagrams to `address`: an open link this node dialed (it reached that URL
   * itself), then an open accepted one (the peer's hello named the address), then one still
   * connecting; among equals, the newest.
   */
  route(address: string): PeerLink | undefined {
    const links = this.routes.get(address);
    if (links === undefined) return undefined;
    let best: PeerLink | undefined;
    let bestRank = -1;
    for (const link of links) {
      if (!link.usable) continue;
      const rank = link.open ? (link.connection.direction === "out" ? 2 : 1) : 0;
      if (rank >= bestRank) {
        best = link;
        bestRank = rank;
      }
    }
    return best;
  }

  /** `link` reaches `address` (a link may be known under the dialed URL and the peer's own). */
  add(address: string, link: PeerLink): void {
    let links = this.routes.get(address);
    if (links === undefined) {
      links = new Set();
      this.routes.set(address, links);
    }
    links.add(link);
  }

  /** Forgets `link` under every address. */
  remove(link: PeerLink): void {
    for (const [address, links] of this.routes) {
      if (links.delete(link) && links.size === 0) this.routes.delete(address);
    }
  }

  /** Forgets every link. */
  clear(): void {
    this.routes.clear();
  }
}
