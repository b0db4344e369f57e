import { TransportError } from "@grapevine/transport";
import { validatePeerAddress } from "./control.js";
import { randomHex, type WireDialer } from "./wire-socket.js";
import type { Settings, WsTransportOptions } from "./ws-options.js";
import { type WsTransport, WsTransportImpl } from "./ws-transport.js";

/** A fresh dial-only identity: `ws-client://` and 16 random hex digits. */
export function generateClientIdentity(): string {
  return `ws-client://${randomHex(8)}`;
}

/** A dial-only transport (no `listen`): it reaches others only over connections it opens. */
export function dialOnly(
  options: WsTransportOptions,
  settings: Settings,
  dial: WireDialer,
): WsTransport {
  let identity: string;
  if (options.advertise === undefined) identity = generateClientIdentity();
  else {
    identity = validatePeerAddress(options.advertise);
    if (!identity.startsWith("ws-client://")) {
      throw new TransportError(
        "invalid-address",
        `advertise address ${JSON.stringify(options.advertise)}: a node that does not listen can only advertise a ws-client://<id> identity`,
      );
    }
  }
  return new WsTransportImpl(settings, identity, { dial });
}
