/** What the example page exposes as `window.grapevineMember` (for the console, and for tests). */
export interface MemberPage<C = unknown> {
  /** Resolves once the member has joined (with how many seeds answered); rejects on failure. */
  readonly ready: Promise<number>;
  /** The running member, once started. */
  cluster: C | undefined;
  /** Sets one of the tab's keys. */
  set(key: string, value: string): void;
  /** A key of `owner` as text, as the tab holds it. */
  getText(key: string, owner: string): string | undefined;
  /** Every member the tab knows, with its status. */
  members(): Array<{ name: string; status: string }>;
  /** Leaves the cluster gracefully (members then list the tab as left). */
  leave(): Promise<void>;
  /**
   * Seals `text` with the tab's keyring as a datagram of this cluster (no label), base64: what
   * a Node `Keyring` with the same key opens.
   */
  seal(text: string): Promise<string>;
  /** Opens a base64 datagram sealed by any keyring with the cluster key; undefined if it fails. */
  open(sealed: string): Promise<string | undefined>;
}
