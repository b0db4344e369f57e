/*
 * The keyring's wire format and vocabulary, shared by the Node keyring (`keyring.ts`, node:crypto,
 * synchronous) and the Web Crypto one (`web-keyring.ts`, asynchronous): both seal and open the
 * same packets.
 */

/** Version of the seal layout, the first byte of every sealed packet. */
export const SEAL_VERSION = 1;
/** Bytes of the random GCM nonce that follows the version byte. */
export const NONCE_BYTES = 12;
/** Bytes of the GCM authentication tag at the end of a sealed packet. */
export const TAG_BYTES = 16;
/**
 * Bytes a seal adds to a packet: version (1) + nonce (12) + tag (16) = 29. The runtime subtracts
 * it from the transport's MTU (and frame limit) before filling a packet, so a sealed packet still
 * fits.
 */
export const SEAL_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

/** Why a keyring operation failed. See {@link KeyringError}. */
export type KeyringErrorCode =
  | "bad-key-length"
  | "bad-base64"
  | "no-keys"
  | "not-installed"
  | "remove-primary"
  | "bad-file"
  | "decrypt"
  | "truncated"
  | "unknown-version";

/**
 * The one error the keyring produces. Thrown by the constructor and by the management calls
 * (`install`, `use`, `remove`, {@link parseKeyringFile}); returned, never thrown, by
 * {@link Keyring.open}:
 * - `bad-key-length`: a key that is not 16, 24 or 32 bytes (AES-128/192/256);
 * - `bad-base64`: a key string that is not canonical standard base64;
 * - `no-keys`: a keyring needs at least one key, its primary;
 * - `not-installed`: `use` of a key the keyring does not hold;
 * - `remove-primary`: `remove` of the primary key (make another key primary first);
 * - `bad-file`: a keyring file that is not `{"keys": ["<base64>", ...]}`;
 * - `truncated`: a sealed packet shorter than {@link SEAL_OVERHEAD};
 * - `unknown-version`: a sealed packet whose first byte is not {@link SEAL_VERSION} (a plaintext
 *   packet, or a newer seal layout);
 * - `decrypt`: no installed key opens the packet (wrong key, wrong associated data, tampered).
 *
 * Messages never contain key material, not even a fragment of a malformed key.
 */
export class KeyringError extends Error {
  override readonly name = "KeyringError";
  /** Machine-readable cause; `message` says more for humans. */
  readonly code: KeyringErrorCode;

  constructor(code: KeyringErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The errors {@link Keyring.open} returns, made once: rejecting a flood of junk must not cost a
 * stack trace per packet. Frozen so one caller cannot change what the next one sees.
 */
function sharedError(code: KeyringErrorCode, message: string): KeyringError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const error = new KeyringError(code, message);
  Error.stackTraceLimit = limit;
  return Object.freeze(error);
}

export const OPEN_ERRORS = {
  truncated: sharedError("truncated", `sealed packet shorter than ${SEAL_OVERHEAD} bytes`),
  "unknown-version": sharedError("unknown-version", "not a sealed packet of a known version"),
  decrypt: sharedError("decrypt", "no installed key opens the packet"),
} as const;

/** Outcome of {@link Keyring.open}. */
export type OpenResult =
  | {
      readonly ok: true;
      /** The packet's contents. */
      readonly plaintext: Uint8Array;
      /** Fingerprint of the key that opened it: shows when an old key has fallen out of use. */
      readonly fingerprint: string;
    }
  | { readonly ok: false; readonly error: KeyringError };

/** A key as given to the keyring: raw bytes, or their standard base64 text. */
export type KeyInput = Uint8Array | string;

/** One installed key as {@link Keyring.list} shows it: never the key itself. */
export interface KeyInfo {
  /** The first 16 hex digits of the key's SHA-256. */
  readonly fingerprint: string;
  /** True for the key that seals. */
  readonly primary: boolean;
}

/** The AES-GCM variant a key's length selects. */
export type AesGcmCipher = "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm";

/** Length of a fingerprint, hex digits (64 bits of the hash). */
export const FINGERPRINT_HEX = 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function decodeBase64(text: string, what: string): Uint8Array {
  const trimmed = text.trim();
  let bytes = new Uint8Array(0);
  let canonical = "";
  if (BASE64.test(trimmed)) {
    try {
      bytes = Uint8Array.from(atob(trimmed), (c) => c.charCodeAt(0));
      canonical = btoa(String.fromCharCode(...bytes));
    } catch {
      canonical = "";
    }
  }
  // A canonical re-encoding catches non-canonical text without echoing the input.
  const ok =
    trimmed.length > 0 && (trimmed === canonical || trimmed === canonical.replace(/=+$/, ""));
  if (!ok) {
    throw new KeyringError(
      "bad-base64",
      `${what} is not standard base64 (A-Z a-z 0-9 + /, optional = padding)`,
    );
  }
  return bytes;
}

/**
 * The bytes of a key as given to a keyring: decoded from base64 text, or the bytes themselves.
 *
 * @throws {KeyringError} `bad-base64` for text that is not standard base64, or an input that is
 *   neither a string nor a `Uint8Array`.
 */
export function keyInputBytes(input: KeyInput, what: string): Uint8Array {
  if (typeof input === "string") return decodeBase64(input, what);
  if (input instanceof Uint8Array) return input;
  throw new KeyringError("bad-base64", `${what} must be a Uint8Array or a base64 string`);
}

export function cipherFor(length: number, what: string): AesGcmCipher {
  switch (length) {
    case 16:
      return "aes-128-gcm";
    case 24:
      return "aes-192-gcm";
    case 32:
      return "aes-256-gcm";
    default:
      throw new KeyringError(
        "bad-key-length",
        `${what} is ${length} bytes; a key is 16, 24 or 32 bytes (AES-128, -192, -256)`,
      );
  }
}

/**
 * True when `packet` starts like a sealed packet: its first byte is 0..7, which as a protobuf tag
 * is field number 0, so no plaintext envelope ever starts with it (every envelope starts with its
 * version field, byte 0x08). Lets a member that accepts both (while a cluster turns encryption on)
 * tell them apart before trying to open.
 */
export function looksSealed(packet: Uint8Array): boolean {
  return packet.length > 0 && packet[0]! < 0x08;
}

/** What a sealed packet travels on: bound into the associated data, so one is never the other. */
export type SealChannel = "datagram" | "stream";

const AD_MAGIC_G = 0x47;
const AD_MAGIC_V = 0x56;

/**
 * The GCM associated data for a cluster: `"GV"`, the channel (1 datagram, 2 stream frame), the
 * wire format version (4 bytes, big-endian) and the cluster label (UTF-8, the rest). A packet
 * sealed for another label, another wire version or the other channel does not open (`decrypt`),
 * even under the right key. Compute it once per channel and reuse it.
 *
 * @param wireVersion the envelope's wire format version (`WIRE_VERSION` of `@grapevine/codec`).
 * @param label the cluster label; empty for none.
 * @param channel `datagram` (default) or `stream`.
 */
export function associatedData(
  wireVersion: number,
  label: string,
  channel: SealChannel = "datagram",
): Uint8Array {
  if (!Number.isInteger(wireVersion) || wireVersion < 0 || wireVersion > 0xffff_ffff) {
    throw new RangeError(`wire version must be an integer in 0-4294967295, got ${wireVersion}`);
  }
  const text = new TextEncoder().encode(label);
  const out = new Uint8Array(7 + text.length);
  out[0] = AD_MAGIC_G;
  out[1] = AD_MAGIC_V;
  out[2] = channel === "stream" ? 2 : 1;
  new DataView(out.buffer).setUint32(3, wireVersion, false);
  out.set(text, 7);
  return out;
}

/** The key bytes of a keyring file's text, primary first (see `parseKeyringFile`). */
export function keyringFileKeys(text: string): Uint8Array[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Not the parser's message: newer engines quote the text around the error, which may be a key.
    throw new KeyringError("bad-file", "keyring file is not valid JSON");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new KeyringError("bad-file", 'keyring file must be a JSON object {"keys": [...]}');
  }
  const keys = (doc as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) {
    throw new KeyringError("bad-file", 'keyring file has no "keys" array');
  }
  if (keys.length === 0) {
    throw new KeyringError("bad-file", 'keyring file "keys" is empty: it needs a primary key');
  }
  const inputs = keys.map((k: unknown, i) => {
    if (typeof k !== "string") {
      throw new KeyringError("bad-file", `keyring file keys[${i}] is not a string`);
    }
    return k;
  });
  const bytes = inputs.map((k, i) => {
    const key = decodeBase64(k, `keys[${i}]`);
    cipherFor(key.length, `keyring file keys[${i}]`);
    return key;
  });
  return bytes;
}

/**
 * The checks both keyrings' `open` start with: arguments that are not bytes (`decrypt`), a packet
 * shorter than a seal (`truncated`), a first byte that is not {@link SEAL_VERSION}
 * (`unknown-version`). Returns the failed result, or `undefined` when the packet may be opened.
 */
export function refuseOpen(sealed: Uint8Array, associatedData: Uint8Array): OpenResult | undefined {
  if (!(sealed instanceof Uint8Array) || !(associatedData instanceof Uint8Array)) {
    return { ok: false, error: OPEN_ERRORS.decrypt };
  }
  if (sealed.length < SEAL_OVERHEAD) return { ok: false, error: OPEN_ERRORS.truncated };
  if (sealed[0] !== SEAL_VERSION) return { ok: false, error: OPEN_ERRORS["unknown-version"] };
  return undefined;
}

/** Standard base64 of `bytes` (for keyring files). */
export function encodeBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** The refusal to remove a keyring's primary key. */
export function removePrimaryError(): KeyringError {
  return new KeyringError(
    "remove-primary",
    "cannot remove the primary key: make another key primary first",
  );
}

/** A keyring's keys by fingerprint: `primary` first, then `entries` in installation order. */
export function keyList(
  primary: { readonly fingerprint: string },
  entries: Iterable<{ readonly fingerprint: string }>,
): KeyInfo[] {
  const out: KeyInfo[] = [{ fingerprint: primary.fingerprint, primary: true }];
  for (const e of entries) {
    if (e !== primary) out.push({ fingerprint: e.fingerprint, primary: false });
  }
  return out;
}
