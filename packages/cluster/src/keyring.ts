import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  type KeyObject,
  randomBytes,
  randomFillSync,
} from "node:crypto";
import { type KeyEntry, KeySet, requireKeys, splitKeyText } from "./key-set.js";
import {
  type AesGcmCipher,
  cipherFor,
  encodeBase64,
  FINGERPRINT_HEX,
  type KeyInfo,
  type KeyInput,
  KeyringError,
  keyInputBytes,
  keyringFileKeys,
  NONCE_BYTES,
  OPEN_ERRORS,
  type OpenResult,
  refuseOpen,
  SEAL_OVERHEAD,
  SEAL_VERSION,
  TAG_BYTES,
} from "./keyring-format.js";

interface Entry extends KeyEntry {
  readonly cipher: AesGcmCipher;
  readonly key: KeyObject;
}

function toEntry(input: KeyInput, what = "key"): Entry {
  const bytes = keyInputBytes(input, what);
  const cipher = cipherFor(bytes.length, what);
  const id = createHash("sha256").update(bytes).digest("hex");
  // A KeyObject holds its own copy, outside the JS heap's reach: inspecting or serialising it
  // shows only its type and size.
  return { id, fingerprint: id.slice(0, FINGERPRINT_HEX), cipher, key: createSecretKey(bytes) };
}

/**
 * The shared secret keys of a cluster: one primary key that seals every outgoing packet and any
 * number of others that still open incoming ones, so keys rotate with no downtime (install the
 * new key everywhere, make it primary everywhere, then remove the old one).
 *
 * Packets are sealed with AES-GCM (AES-128, -192 or -256 by key length) under a fresh random
 * 96-bit nonce. Layout: `[version 1 byte][nonce 12][ciphertext][tag 16]`, so a sealed packet is
 * exactly {@link SEAL_OVERHEAD} bytes longer than its plaintext. The version byte (1..7 are field
 * number 0 in protobuf, which no envelope starts with) also tells a sealed packet from a
 * plaintext one: see {@link looksSealed}.
 *
 * Nonce bound: nonces are random, so the chance that two packets under one key share a nonce
 * after `n` seals (by all members together: they share the key) is about `n² / 2⁹⁷`. A repeated
 * nonce leaks the XOR of two plaintexts and lets an attacker forge packets, so rotate a key before
 * 2³² seals cluster-wide (NIST SP 800-38D §8.3; chance then ≈ 2⁻³³): for 100 members sending 50
 * packets/s each, that is after about ten days.
 *
 * The key bytes are never exposed: {@link Keyring.list}, `toString`, `JSON.stringify` and
 * `util.inspect` show fingerprints only. {@link Keyring.toKeyringFile} is the one, deliberately
 * named, way to get them back out (to persist the keyring after a rotation).
 */
export class Keyring {
  // ES private fields: invisible to inspect, JSON, structuredClone and property enumeration.
  readonly #keys: KeySet<Entry>;

  /**
   * @param keys the keys (raw bytes or base64), primary first. Duplicates are ignored.
   * @throws {KeyringError} `no-keys`, `bad-key-length` or `bad-base64`.
   */
  constructor(keys: readonly KeyInput[]) {
    requireKeys(keys);
    this.#keys = new KeySet(keys.map((k, i) => toEntry(k, `key ${i}`)));
  }

  /**
   * A keyring from base64 text: one key, or several separated by commas or whitespace (primary
   * first), as an environment variable would hold them.
   *
   * @throws {KeyringError} `no-keys`, `bad-base64` or `bad-key-length`.
   */
  static fromBase64(text: string): Keyring {
    return new Keyring(splitKeyText(text));
  }

  /**
   * A fresh random key from the OS generator.
   *
   * @param bits 128, 192 or 256 (default).
   * @throws {KeyringError} `bad-key-length` for any other size.
   */
  static generateKey(bits: 128 | 192 | 256 = 256): Uint8Array {
    if (bits !== 128 && bits !== 192 && bits !== 256) {
      throw new KeyringError("bad-key-length", `a key is 128, 192 or 256 bits, not ${bits}`);
    }
    return new Uint8Array(randomBytes(bits / 8));
  }

  /** The fingerprint of a key, as {@link Keyring.list} shows it, without installing it. */
  static fingerprint(key: KeyInput): string {
    return toEntry(key).fingerprint;
  }

  /** Number of installed keys, primary included. */
  get size(): number {
    return this.#keys.size;
  }

  /** Fingerprint of the primary key. */
  get primary(): string {
    return this.#keys.primary.fingerprint;
  }

  /** True when `key` is installed. Throws for a malformed key, like {@link Keyring.install}. */
  has(key: KeyInput): boolean {
    return this.#keys.has(toEntry(key).id);
  }

  /**
   * Installs a key that opens packets (it does not seal until {@link Keyring.use}). Installing a
   * key twice does nothing. Returns its fingerprint.
   *
   * @throws {KeyringError} `bad-key-length` or `bad-base64`.
   */
  install(key: KeyInput): string {
    return this.#keys.add(toEntry(key));
  }

  /**
   * Makes an installed key the primary: every packet sealed from now on uses it. The old primary
   * stays installed and keeps opening packets until removed.
   *
   * @throws {KeyringError} `not-installed` (install it first), `bad-key-length` or `bad-base64`.
   */
  use(key: KeyInput): void {
    this.#keys.use(toEntry(key).id);
  }

  /**
   * Uninstalls a key: packets sealed with it no longer open. Returns false when it was not
   * installed.
   *
   * @throws {KeyringError} `remove-primary` for the primary (use another key first),
   *   `bad-key-length` or `bad-base64`.
   */
  remove(key: KeyInput): boolean {
    return this.#keys.remove(toEntry(key).id);
  }

  /** The installed keys by fingerprint, primary first, then in installation order. */
  list(): KeyInfo[] {
    return this.#keys.list();
  }

  /**
   * Seals one packet with the primary key under a fresh random nonce. The result is
   * `plaintext.length + SEAL_OVERHEAD` bytes. `associatedData` is authenticated, not sent: the
   * receiver must pass the same bytes to {@link Keyring.open} (see {@link associatedData}).
   */
  seal(plaintext: Uint8Array, associatedData: Uint8Array): Uint8Array {
    const primary = this.#keys.primary;
    const out = Buffer.allocUnsafe(plaintext.length + SEAL_OVERHEAD);
    out[0] = SEAL_VERSION;
    const nonce = out.subarray(1, 1 + NONCE_BYTES);
    randomFillSync(nonce);
    const cipher = createCipheriv(primary.cipher, primary.key, nonce, {
      authTagLength: TAG_BYTES,
    });
    // The version byte is authenticated too, so no future layout can be passed off as this one.
    cipher.setAAD(out.subarray(0, 1));
    cipher.setAAD(associatedData);
    let at = 1 + NONCE_BYTES;
    const body = cipher.update(plaintext);
    out.set(body, at);
    at += body.length;
    const rest = cipher.final();
    out.set(rest, at);
    at += rest.length;
    out.set(cipher.getAuthTag(), at);
    return out;
  }

  /**
   * Opens a packet sealed by {@link Keyring.seal}: tries the primary key first, then every other
   * installed key. Never throws: a packet that is too short (`truncated`), not of a known seal
   * version (`unknown-version`), or that no key opens with this `associatedData` (`decrypt`)
   * comes back as `{ ok: false, error }`. The errors are shared, frozen instances without a
   * stack, so rejecting junk stays cheap.
   */
  open(sealed: Uint8Array, associatedData: Uint8Array): OpenResult {
    const refused = refuseOpen(sealed, associatedData);
    if (refused) return refused;
    const primary = this.#keys.primary;
    const plaintext = openWith(primary, sealed, associatedData);
    if (plaintext) return { ok: true, plaintext, fingerprint: primary.fingerprint };
    for (const entry of this.#keys.values()) {
      if (entry === primary) continue;
      const p = openWith(entry, sealed, associatedData);
      if (p) return { ok: true, plaintext: p, fingerprint: entry.fingerprint };
    }
    return { ok: false, error: OPEN_ERRORS.decrypt };
  }

  /**
   * The keyring as keyring-file JSON (`{"keys": [...]}`, primary first): the one way to get the
   * key bytes back out, to persist the keyring after a rotation. The text is secret: write it to
   * a file only its owner can read.
   */
  toKeyringFile(): string {
    const keys = this.#keys.primaryFirst();
    return `${JSON.stringify({ keys: keys.map((e) => encodeBase64(e.key.export())) }, null, 2)}\n`;
  }

  /** `Keyring(2 keys; primary 0123456789abcdef; others fedcba9876543210)`: fingerprints only. */
  toString(): string {
    return this.#keys.describe("Keyring");
  }

  /** What `JSON.stringify` shows: fingerprints only. */
  toJSON(): { primary: string; installed: KeyInfo[] } {
    return this.#keys.toJSON();
  }

  /** What `util.inspect` and `console.log` show: fingerprints only. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function openWith(entry: Entry, sealed: Uint8Array, ad: Uint8Array): Uint8Array | undefined {
  const tagAt = sealed.length - TAG_BYTES;
  try {
    const decipher = createDecipheriv(
      entry.cipher,
      entry.key,
      sealed.subarray(1, 1 + NONCE_BYTES),
      { authTagLength: TAG_BYTES },
    );
    decipher.setAAD(sealed.subarray(0, 1));
    decipher.setAAD(ad);
    decipher.setAuthTag(sealed.subarray(tagAt));
    const body = decipher.update(sealed.subarray(1 + NONCE_BYTES, tagAt));
    const rest = decipher.final();
    return rest.length === 0 ? body : Buffer.concat([body, rest]);
  } catch {
    return undefined;
  }
}

/**
 * Parses a keyring file: JSON `{"keys": ["<base64>", ...]}`, primary first (other fields are
 * ignored). Error messages name the bad entry by index and never quote it.
 *
 * @throws {KeyringError} `bad-file` (not JSON, no `keys` array, an entry not a string, no keys),
 *   `bad-base64` or `bad-key-length` (naming `keys[i]`).
 */
export function parseKeyringFile(text: string): Keyring {
  return new Keyring(keyringFileKeys(text));
}
