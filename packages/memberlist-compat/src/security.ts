import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { MemberlistError } from "./errors.js";

/**
 * memberlist's encryption (`security.go`): AES-GCM with a 16-, 24- or 32-byte key (AES-128/192/
 * 256), laid out as `[version byte][12-byte random nonce][ciphertext][16-byte tag]`. Version 0
 * pads the plaintext with PKCS#7 to 16 bytes first (protocol version 1 peers); version 1, what
 * every peer speaking protocol ≥ 2 sends, does not. Additional data: the cluster label on
 * packets; on streams the 5-byte `[encrypt type][uint32 length]` frame header plus the label.
 */
export type EncryptionVersion = 0 | 1;

const VERSION_BYTES = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const BLOCK_BYTES = 16;

/** memberlist's `encryptOverhead`: the most bytes encryption adds, per version. */
export function encryptOverhead(version: EncryptionVersion): number {
  return version === 0 ? 45 : 29;
}

/** memberlist's `encryptedLength`: the exact sealed size of `plainBytes` bytes. */
export function encryptedLength(version: EncryptionVersion, plainBytes: number): number {
  const padding = version === 0 ? BLOCK_BYTES - (plainBytes % BLOCK_BYTES) : 0;
  return VERSION_BYTES + NONCE_BYTES + plainBytes + padding + TAG_BYTES;
}

/** AES-GCM with the key's length in bits: memberlist takes 16-, 24- and 32-byte keys. */
function cipherName(key: Uint8Array): "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm" {
  const bits = key.length * 8;
  if (bits !== 128 && bits !== 192 && bits !== 256) {
    throw new MemberlistError("malformed", `a key is 16, 24 or 32 bytes, not ${key.length}`);
  }
  return `aes-${bits}-gcm`;
}

/** Checks a keyring key's length as memberlist's `ValidateKey` does. */
export function validateKey(key: Uint8Array): void {
  cipherName(key);
}

/**
 * Seals `plain` as memberlist's `encryptPayload`. `nonce` is for tests; leave it out to draw a
 * random one, as memberlist does.
 */
export function encryptPayload(
  version: EncryptionVersion,
  key: Uint8Array,
  plain: Uint8Array,
  additionalData: Uint8Array,
  nonce: Uint8Array = randomBytes(NONCE_BYTES),
): Uint8Array {
  let source = plain;
  if (version === 0) {
    const pad = BLOCK_BYTES - (plain.length % BLOCK_BYTES);
    source = new Uint8Array(plain.length + pad);
    source.set(plain);
    source.fill(pad, plain.length);
  }
  const cipher = createCipheriv(cipherName(key), key, nonce);
  if (additionalData.length > 0) cipher.setAAD(additionalData);
  const body = cipher.update(source);
  const final = cipher.final();
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(VERSION_BYTES + NONCE_BYTES + body.length + final.length + TAG_BYTES);
  out[0] = version;
  out.set(nonce, VERSION_BYTES);
  out.set(body, VERSION_BYTES + NONCE_BYTES);
  out.set(final, VERSION_BYTES + NONCE_BYTES + body.length);
  out.set(tag, out.length - TAG_BYTES);
  return out;
}

/**
 * Opens what {@link encryptPayload} sealed, trying every key of `keys` in order (memberlist's
 * `decryptPayload`). Unknown version, short input, no opening key or bad padding:
 * {@link MemberlistError} `decrypt`.
 */
export function decryptPayload(
  keys: readonly Uint8Array[],
  sealed: Uint8Array,
  additionalData: Uint8Array,
): Uint8Array {
  if (sealed.length === 0) throw new MemberlistError("decrypt", "cannot decrypt an empty payload");
  const version = sealed[0] as number;
  if (version > 1)
    throw new MemberlistError("decrypt", `unsupported encryption version ${version}`);
  if (sealed.length < encryptedLength(version as EncryptionVersion, 0)) {
    throw new MemberlistError(
      "decrypt",
      `payload of ${sealed.length} bytes is too small to decrypt`,
    );
  }
  const nonce = sealed.subarray(VERSION_BYTES, VERSION_BYTES + NONCE_BYTES);
  const body = sealed.subarray(VERSION_BYTES + NONCE_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  for (const key of keys) {
    let plain: Uint8Array;
    try {
      const decipher = createDecipheriv(cipherName(key), key, nonce);
      decipher.setAuthTag(tag);
      if (additionalData.length > 0) decipher.setAAD(additionalData);
      plain = new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
    } catch {
      continue;
    }
    if (version === 1) return plain;
    const pad = plain.length === 0 ? 0 : (plain[plain.length - 1] as number);
    if (pad === 0 || pad > plain.length) throw new MemberlistError("decrypt", "bad PKCS#7 padding");
    return plain.subarray(0, plain.length - pad);
  }
  throw new MemberlistError("decrypt", "no installed key could decrypt the message");
}
