import {
  decodeBase64,
  FINGERPRINT_HEX,
  type KeyInfo,
  type KeyInput,
  KeyringError,
  keyList,
  NONCE_BYTES,
  OPEN_ERRORS,
  type OpenResult,
  removePrimaryError,
  SEAL_OVERHEAD,
  SEAL_VERSION,
  TAG_BYTES,
} from "./keyring-format.js";

/** Web Crypto's types, from the global `crypto` (no DOM library needed). */
type Subtle = typeof globalThis.crypto.subtle;
type CryptoKey = Awaited<ReturnType<Subtle["importKey"]>>;

interface WebEntry {
  /** Full SHA-256 hex of the key: identity inside the keyring. */
  readonly id: string;
  readonly fingerprint: string;
  /** Non-extractable: the key bytes cannot be read back out of it. */
  readonly key: CryptoKey;
}

const subtle = (): Subtle => {
  const s = globalThis.crypto?.subtle;
  if (s === undefined) {
    // Browsers expose Web Crypto only to secure contexts (https://, localhost).
    throw new KeyringError("no-keys", "Web Crypto (crypto.subtle) is not available here");
  }
  return s;
};

function keyBytes(input: KeyInput, what: string): Uint8Array<ArrayBuffer> {
  let bytes: Uint8Array;
  if (typeof input === "string") bytes = decodeBase64(input, what);
  else if (input instanceof Uint8Array) bytes = input;
  else throw new KeyringError("bad-base64", `${what} must be a Uint8Array or a base64 string`);
  if (bytes.length !== 16 && bytes.length !== 32 && bytes.length !== 24) {
    throw new KeyringError(
      "bad-key-length",
      `${what} is ${bytes.length} bytes; a key is 16, 24 or 32 bytes (AES-128, -192, -256)`,
    );
  }
  return Uint8Array.from(bytes);
}

async function idOf(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await subtle().digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function toEntry(input: KeyInput, what = "key"): Promise<WebEntry> {
  const bytes = keyBytes(input, what);
  const id = await idOf(bytes);
  let key: CryptoKey;
  try {
    key = await subtle().importKey("raw", bytes, { name: "AES-GCM" }, false, [
      "encrypt",
      "decrypt",
    ]);
  } catch {
    // Chromium's Web Crypto has no AES-192.
    throw new KeyringError(
      "bad-key-length",
      `${what} is ${bytes.length} bytes, which this platform's Web Crypto does not support; use 16 or 32`,
    );
  } finally {
    bytes.fill(0);
  }
  return { id, fingerprint: id.slice(0, FINGERPRINT_HEX), key };
}

function sealAd(associatedData: Uint8Array): Uint8Array<ArrayBuffer> {
  // The Node keyring authenticates the version byte, then the associated data (two setAAD calls,
  // which GCM concatenates): the same bytes in one piece here.
  const ad = new Uint8Array(1 + associatedData.length);
  ad[0] = SEAL_VERSION;
  ad.set(associatedData, 1);
  return ad;
}

/**
 * The cluster keyring on Web Crypto (`crypto.subtle`), for browsers and any runtime with the
 * standard API (Node 20 too). It seals and opens exactly the packets {@link Keyring} does
 * (AES-GCM, `[version][nonce 12][ciphertext][tag 16]`, the same associated data), so members of
 * either kind share a cluster key. Web Crypto is asynchronous, so everything that touches a key
 * returns a promise: create one with {@link WebCryptoKeyring.create}. Keys are imported
 * non-extractable: nothing, not even this class, can read them back out, so there is no
 * keyring-file export. Chromium has no AES-192: use 16- or 32-byte keys there.
 */
export class WebCryptoKeyring {
  #primary: WebEntry;
  readonly #entries = new Map<string, WebEntry>();

  private constructor(entries: readonly WebEntry[]) {
    for (const e of entries) if (!this.#entries.has(e.id)) this.#entries.set(e.id, e);
    this.#primary = entries[0]!;
  }

  /**
   * A keyring of `keys` (raw bytes or base64), primary first. Duplicates are ignored.
   *
   * @throws {KeyringError} `no-keys`, `bad-key-length` or `bad-base64` (as a rejection).
   */
  static async create(keys: readonly KeyInput[]): Promise<WebCryptoKeyring> {
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new KeyringError("no-keys", "a keyring needs at least one key (its primary)");
    }
    return new WebCryptoKeyring(await Promise.all(keys.map((k, i) => toEntry(k, `key ${i}`))));
  }

  /** A keyring from base64 text: keys separated by commas or whitespace, primary first. */
  static fromBase64(text: string): Promise<WebCryptoKeyring> {
    if (typeof text !== "string") {
      return Promise.reject(new KeyringError("bad-base64", "keyring text must be a string"));
    }
    return WebCryptoKeyring.create(text.split(/[\s,]+/).filter((p) => p.length > 0));
  }

  /** A fresh random key (`crypto.getRandomValues`): 128 or 256 bits (default). */
  static generateKey(bits: 128 | 256 = 256): Uint8Array {
    if (bits !== 128 && bits !== 256) {
      throw new KeyringError("bad-key-length", `a key is 128 or 256 bits here, not ${bits}`);
    }
    return globalThis.crypto.getRandomValues(new Uint8Array(bits / 8));
  }

  /** The fingerprint of a key, as {@link WebCryptoKeyring.list} shows it. */
  static async fingerprint(key: KeyInput): Promise<string> {
    return (await idOf(keyBytes(key, "key"))).slice(0, FINGERPRINT_HEX);
  }

  /** Number of installed keys, primary included. */
  get size(): number {
    return this.#entries.size;
  }

  /** Fingerprint of the primary key. */
  get primary(): string {
    return this.#primary.fingerprint;
  }

  /** True when `key` is installed. */
  async has(key: KeyInput): Promise<boolean> {
    return this.#entries.has(await idOf(keyBytes(key, "key")));
  }

  /** Installs a key that opens packets (it seals after {@link WebCryptoKeyring.use}). */
  async install(key: KeyInput): Promise<string> {
    const entry = await toEntry(key);
    if (!this.#entries.has(entry.id)) this.#entries.set(entry.id, entry);
    return entry.fingerprint;
  }

  /** Makes an installed key the primary. Rejects with `not-installed` otherwise. */
  async use(key: KeyInput): Promise<void> {
    const entry = this.#entries.get(await idOf(keyBytes(key, "key")));
    if (!entry) {
      throw new KeyringError(
        "not-installed",
        "that key is not installed: install it (on every member) before using it",
      );
    }
    this.#primary = entry;
  }

  /** Uninstalls a key; false when it was not installed. Rejects with `remove-primary`. */
  async remove(key: KeyInput): Promise<boolean> {
    const id = await idOf(keyBytes(key, "key"));
    if (id === this.#primary.id) {
      throw removePrimaryError();
    }
    return this.#entries.delete(id);
  }

  /** The installed keys by fingerprint, primary first, then in installation order. */
  list(): KeyInfo[] {
    return keyList(this.#primary, this.#entries.values());
  }

  /**
   * Seals one packet with the primary key under a fresh random nonce: the result is
   * `plaintext.length + SEAL_OVERHEAD` bytes, the same layout as {@link Keyring.seal}. The
   * plaintext is copied before this returns, so the caller may reuse it at once.
   */
  async seal(plaintext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
    const out = new Uint8Array(plaintext.length + SEAL_OVERHEAD);
    out[0] = SEAL_VERSION;
    const nonce = globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
    out.set(nonce, 1);
    // Web Crypto copies its inputs when called (before the first await).
    const body = await subtle().encrypt(
      { name: "AES-GCM", iv: nonce, additionalData: sealAd(associatedData), tagLength: 128 },
      this.#primary.key,
      plaintext as Uint8Array<ArrayBuffer>,
    );
    out.set(new Uint8Array(body), 1 + NONCE_BYTES);
    return out;
  }

  /**
   * Opens a packet sealed by either keyring: the primary key first, then the others. Never
   * rejects: failures come back as `{ ok: false, error }` with the shared `truncated`,
   * `unknown-version` or `decrypt` errors, as from {@link Keyring.open}.
   */
  async open(sealed: Uint8Array, associatedData: Uint8Array): Promise<OpenResult> {
    if (!(sealed instanceof Uint8Array) || !(associatedData instanceof Uint8Array)) {
      return { ok: false, error: OPEN_ERRORS.decrypt };
    }
    if (sealed.length < SEAL_OVERHEAD) return { ok: false, error: OPEN_ERRORS.truncated };
    if (sealed[0] !== SEAL_VERSION) return { ok: false, error: OPEN_ERRORS["unknown-version"] };
    const iv = sealed.slice(1, 1 + NONCE_BYTES);
    const body = sealed.slice(1 + NONCE_BYTES);
    const ad = sealAd(associatedData);
    const order = [
      this.#primary,
      ...[...this.#entries.values()].filter((e) => e !== this.#primary),
    ];
    for (const entry of order) {
      try {
        const plain = await subtle().decrypt(
          { name: "AES-GCM", iv, additionalData: ad, tagLength: TAG_BYTES * 8 },
          entry.key,
          body,
        );
        return { ok: true, plaintext: new Uint8Array(plain), fingerprint: entry.fingerprint };
      } catch {
        // Not this key.
      }
    }
    return { ok: false, error: OPEN_ERRORS.decrypt };
  }

  /** `WebCryptoKeyring(1 key; primary 0123456789abcdef)`: fingerprints only. */
  toString(): string {
    const others = this.list()
      .filter((k) => !k.primary)
      .map((k) => k.fingerprint);
    const rest = others.length > 0 ? `; others ${others.join(", ")}` : "";
    const n = this.#entries.size;
    return `WebCryptoKeyring(${n} key${n === 1 ? "" : "s"}; primary ${this.#primary.fingerprint}${rest})`;
  }

  /** What `JSON.stringify` shows: fingerprints only. */
  toJSON(): { primary: string; installed: KeyInfo[] } {
    return { primary: this.#primary.fingerprint, installed: this.list() };
  }
}
