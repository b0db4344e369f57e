import { WIRE_VERSION } from "@grapevine/codec";
import type { PacketDropReason } from "@grapevine/node";
import {
  associatedData,
  looksSealed,
  type OpenResult,
  SEAL_OVERHEAD,
  SEAL_VERSION,
} from "./keyring-format.js";

/**
 * What the runtime needs of a keyring: sealing and opening packets, at once (`Keyring`,
 * node:crypto) or as promises (`WebCryptoKeyring`, Web Crypto). Both produce the same packets.
 */
export interface PacketKeyring {
  seal(plaintext: Uint8Array, associatedData: Uint8Array): Uint8Array | Promise<Uint8Array>;
  open(sealed: Uint8Array, associatedData: Uint8Array): OpenResult | Promise<OpenResult>;
}

/**
 * How a member with a keyring treats encryption (switching a running cluster on without a flag
 * day; see SECURITY.md): `open-only` sends plaintext and opens sealed packets, `accept-plaintext`
 * sends sealed and still accepts plaintext, `required` (the default) sends sealed and drops
 * plaintext. `off`: no keyring.
 */
export type EncryptionMode = "off" | "open-only" | "accept-plaintext" | "required";

/** Which channel a packet travels on: sealed with different associated data, so never swapped. */
export type Channel = "datagram" | "stream";

/** An opened packet, or why it was dropped. */
export type Opened =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly reason: PacketDropReason };

/**
 * The edge where packets are sealed (AES-256-GCM with the keyring's primary key) after the node
 * core encoded them, and opened before the core decodes them. The associated data binds the wire
 * version, the cluster label and the channel.
 */
export class Sealer {
  /** Bytes a seal adds to each packet or frame this member sends. */
  readonly overhead: number;
  private readonly ad: Record<Channel, Uint8Array>;

  constructor(
    private readonly keyring: PacketKeyring | undefined,
    readonly mode: EncryptionMode,
    label: string,
  ) {
    this.overhead = mode === "required" || mode === "accept-plaintext" ? SEAL_OVERHEAD : 0;
    this.ad = {
      datagram: associatedData(WIRE_VERSION, label),
      stream: associatedData(WIRE_VERSION, label, "stream"),
    };
  }

  /**
   * Seals `bytes` when this member sends sealed (a promise with an asynchronous keyring); returns
   * them as they are otherwise.
   */
  seal(bytes: Uint8Array, channel: Channel): Uint8Array | Promise<Uint8Array> {
    return this.keyring && this.overhead > 0 ? this.keyring.seal(bytes, this.ad[channel]) : bytes;
  }

  /**
   * Whether `input` is sealed while this member has no key to open it (a stream to refuse). Only
   * the seal's version byte counts: a compressed plaintext frame starts with 0x00.
   */
  sealedWithoutKey(input: Uint8Array): boolean {
    return this.keyring === undefined && input.length > 0 && input[0] === SEAL_VERSION;
  }

  /**
   * Opens a received packet or frame of at most `maxBytes`, by the encryption mode (a promise
   * with an asynchronous keyring).
   */
  open(input: Uint8Array, maxBytes: number, channel: Channel): Opened | Promise<Opened> {
    if (!this.keyring) return { ok: true, bytes: input };
    if (looksSealed(input)) {
      if (input.length > maxBytes) return { ok: false, reason: "oversized" };
      const opened = this.keyring.open(input, this.ad[channel]);
      return opened instanceof Promise ? opened.then(toOpened) : toOpened(opened);
    }
    if (this.mode === "required") return { ok: false, reason: "decrypt" };
    return { ok: true, bytes: input };
  }
}

function toOpened(opened: OpenResult): Opened {
  // The keyring's failure codes (truncated, unknown-version, decrypt) are drop reasons.
  if (!opened.ok) return { ok: false, reason: opened.error.code as PacketDropReason };
  return { ok: true, bytes: opened.plaintext };
}
