import { type KeyEntry, KeySet, requireKeys, splitKeyText } from "./key-set.js";
import {
  cipherFor,
  FINGERPRINT_HEX,
  type KeyInfo,
  type KeyInput,
  KeyringError,
  keyInputBytes,
  NONCE_BYTES,
  OPEN_ERRORS,
  type OpenResult,
  refuseOpen,
  SEAL_OVERHEAD,
  SEAL_VERSION,
  TAG_BYTES,
} from "./keyring-format.js";

/** Web Crypto's types, from the global `crypto` (no DOM library needed). */
type Subtle = typeof globalThis.crypto.subtle;
type CryptoKey = Awaited<ReturnType<Subtle["importKey"]>>;

interface WebEntry extends KeyEntry {
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
  const bytes = keyInputBytes(input, what);
  cipherFor(bytes.length, what);
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
  readonly #keys: KeySet<WebEntry>;

  private constructor(entries: readonly WebEntry[]) {
    this.#keys = new KeySet(entries);
  }

  /**
   * A keyring of `keys` (raw bytes or base64), primary first. Duplicates are ignored.
   *
   * @throws {KeyringError} `no-keys`, `bad-key-length` or `bad-base64` (as a rejection).
   */
  static async create(keys: readonly KeyInput[]): Promise<WebCryptoKeyring> {
    requireKeys(keys);
    return new WebCryptoKeyring(await Promise.all(keys.map((k, i) => toEntry(k, `key ${i}`))));
  }

  /** A keyring from base64 text: keys separated by commas or whitespace, primary first. */
  static async fromBase64(text: string): Promise<WebCryptoKeyring> {
    return WebCryptoKeyring.create(splitKeyText(text));
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
    return this.#keys.size;
  }

  /** Fingerprint of the primary key. */
  get primary(): string {
    return this.#keys.primary.fingerprint;
  }

  /** True when `key` is installed. */
  async has(key: KeyInput): Promise<boolean> {
    return this.#keys.has(await idOf(keyBytes(key, "key")));
  }

  /** Installs a key that opens packets (it seals after {@link WebCryptoKeyring.use}). */
  async install(key: KeyInput): Promise<string> {
    return this.#keys.add(await toEntry(key));
  }

  /** Makes an installed key the primary. Rejects with `not-installed` otherwise. */
  async use(key: KeyInput): Promise<void> {
    this.#keys.use(await idOf(keyBytes(key, "key")));
  }

  /** Uninstalls a key; false when it was not installed. Rejects with `remove-primary`. */
  async remove(key: KeyInput): Promise<boolean> {
    return this.#keys.remove(await idOf(keyBytes(key, "key")));
  }

  /** The installed keys by fingerprint, primary first, then in installation order. */
  list(): KeyInfo[] {
    return this.#keys.list();
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
      this.#keys.primary.key,
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
    const refused = refuseOpen(sealed, associatedData);
    if (refused) return refused;
    const iv = sealed.slice(1, 1 + NONCE_BYTES);
    const body = sealed.slice(1 + NONCE_BYTES);
    const ad = sealAd(associatedData);
    for (const entry of this.#keys.primaryFirst()) {
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
    return this.#keys.describe("WebCryptoKeyring");
  }

  /** What `JSON.stringify` shows: fingerprints only. */
  toJSON(): { primary: string; installed: KeyInfo[] } {
    return this.#keys.toJSON();
  }
}
