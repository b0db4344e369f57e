import {
  type KeyInfo,
  type KeyInput,
  KeyringError,
  keyList,
  removePrimaryError,
} from "./keyring-format.js";

/** What {@link KeySet} needs of an installed key. */
export interface KeyEntry {
  /** Full SHA-256 hex of the key: identity inside the keyring. */
  readonly id: string;
  readonly fingerprint: string;
}

/**
 * The keys a keyring holds and which one is primary: the bookkeeping the Node keyring
 * (`keyring.ts`) and the Web Crypto one (`web-keyring.ts`) share, whatever their key objects are.
 * Keep it in an ES private field of its keyring: its entries hold the keys.
 */
export class KeySet<E extends KeyEntry> {
  #primary: E;
  /** Every installed key, primary included, by id, in installation order. */
  readonly #entries = new Map<string, E>();

  /** @param entries at least one; the first is the primary. Duplicates are ignored. */
  constructor(entries: readonly E[]) {
    for (const e of entries) this.add(e);
    this.#primary = entries[0]!;
  }

  /** Number of installed keys, primary included. */
  get size(): number {
    return this.#entries.size;
  }

  /** The key that seals. */
  get primary(): E {
    return this.#primary;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** Every installed key, primary included, in installation order. */
  values(): IterableIterator<E> {
    return this.#entries.values();
  }

  /** The primary, then the others in installation order. */
  primaryFirst(): E[] {
    return [this.#primary, ...[...this.#entries.values()].filter((e) => e !== this.#primary)];
  }

  /** Installs `entry` unless a key with its id is installed already; returns its fingerprint. */
  add(entry: E): string {
    if (!this.#entries.has(entry.id)) this.#entries.set(entry.id, entry);
    return entry.fingerprint;
  }

  /** @throws {KeyringError} `not-installed` when no key has this id. */
  use(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) {
      throw new KeyringError(
        "not-installed",
        "that key is not installed: install it (on every member) before using it",
      );
    }
    this.#primary = entry;
  }

  /** @throws {KeyringError} `remove-primary` for the primary's id. */
  remove(id: string): boolean {
    if (id === this.#primary.id) {
      throw removePrimaryError();
    }
    return this.#entries.delete(id);
  }

  /** The installed keys by fingerprint, primary first, then in installation order. */
  list(): KeyInfo[] {
    return keyList(this.#primary, this.#entries.values());
  }

  /** `<name>(2 keys; primary 0123456789abcdef; others fedcba9876543210)`: fingerprints only. */
  describe(name: string): string {
    const others = this.list()
      .filter((k) => !k.primary)
      .map((k) => k.fingerprint);
    const rest = others.length > 0 ? `; others ${others.join(", ")}` : "";
    const n = this.#entries.size;
    return `${name}(${n} key${n === 1 ? "" : "s"}; primary ${this.#primary.fingerprint}${rest})`;
  }

  /** What a keyring's `toJSON` shows: fingerprints only. */
  toJSON(): { primary: string; installed: KeyInfo[] } {
    return { primary: this.#primary.fingerprint, installed: this.list() };
  }
}

/** @throws {KeyringError} `no-keys` unless `keys` is an array with a key in it. */
export function requireKeys(keys: readonly KeyInput[]): void {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new KeyringError("no-keys", "a keyring needs at least one key (its primary)");
  }
}

/**
 * The keys in keyring text: one key, or several separated by commas or whitespace (primary
 * first), as an environment variable would hold them.
 *
 * @throws {KeyringError} `bad-base64` when `text` is not a string.
 */
export function splitKeyText(text: string): string[] {
  if (typeof text !== "string") {
    throw new KeyringError("bad-base64", "keyring text must be a string");
  }
  return text.split(/[\s,]+/).filter((p) => p.length > 0);
}
