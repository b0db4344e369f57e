import { type Stream, TransportError } from "@grapevine/transport";
import type { PeerLink } from "./peer-link.js";
import { randomHex } from "./wire-socket.js";

interface PendingStreamBack {
  readonly from: string;
  readonly resolve: (stream: Stream) => void;
  readonly reject: (err: TransportError) => void;
}

/**
 * Streams to dial-only peers. A listener cannot dial a peer that does not listen, so it asks
 * over the link the peer opened (`open-stream` with a fresh token) and waits for the peer to
 * open a stream connection back carrying that token.
 */
export class StreamsBack {
  private readonly pending = new Map<string, PendingStreamBack>();

  /**
   * Ask the dial-only peer at `address` to open a stream back over `link`; resolves with the
   * stream when it arrives, rejects with `unreachable` when there is no open link, or `timeout`
   * after `timeoutMs`.
   */
  request(link: PeerLink | undefined, address: string, timeoutMs: number): Promise<Stream> {
    if (link === undefined || !link.open) {
      return Promise.reject(
        new TransportError("unreachable", `${address} is dial-only and has no connection to us`),
      );
    }
    const token = randomHex(16);
    return new Promise<Stream>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new TransportError("timeout", `${address} did not open a stream back in time`));
      }, timeoutMs);
      this.pending.set(token, {
        from: address,
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      link.connection.sendControl({ kind: "open-stream", token });
    });
  }

  /**
   * The request a connection arriving with `token` from `from` answers, taken out of the
   * pending set; `undefined` for an unknown token or one issued to another peer.
   */
  take(token: string, from: string): ((stream: Stream) => void) | undefined {
    const pending = this.pending.get(token);
    if (pending === undefined || pending.from !== from) return undefined;
    this.pending.delete(token);
    return pending.resolve;
  }

  /** Fails every pending request with `closed`. */
  rejectAll(): void {
    for (const pending of this.pending.values()) {
      pending.reject(new TransportError("closed", "transport closed"));
    }
    this.pending.clear();
  }
}
