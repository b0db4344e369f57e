import type { Transport } from "@grapevine/transport";
import { MemoryNetwork } from "@grapevine/transport-memory";
import { bindUdp } from "@grapevine/transport-udp";
import { bindWs } from "@grapevine/transport-ws";
import { type InteropNode, startNode } from "./interop-node.js";

/** The transports the interop suite runs the same scenario on. */
export type TransportKind = "udp" | "ws" | "memory";

/**
 * How to put cluster members on one kind of transport: bind a fresh transport for a node on
 * loopback (port 0) or on an in-process network, start a member on it, and crash that member the
 * way this transport allows.
 */
export interface TransportKit {
  readonly kind: TransportKind;
  /** Binds a new transport for the node called `name`. */
  bind(name: string): Promise<Transport>;
  /** Binds a transport and starts a member on it. */
  startNode(name: string): Promise<InteropNode>;
  /** Frees whatever the kit itself holds (the memory network); nodes are stopped separately. */
  dispose(): Promise<void>;
}

/** UDP datagrams + TCP streams on `127.0.0.1`, a free port each. Crash: `cluster.shutdown()`. */
export function udpKit(): TransportKit {
  const bind = (): Promise<Transport> => bindUdp({ bind: "udp://127.0.0.1:0" });
  return {
    kind: "udp",
    bind,
    startNode: async (name) => startNode({ name, transports: [await bind()] }),
    dispose: async () => undefined,
  };
}

/**
 * WebSocket listeners on `ws://127.0.0.1:<free port>/gossip`. Crash: `cluster.shutdown()`, which
 * closes the listener and every connection at once.
 */
export function wsKit(): TransportKit {
  const bind = (): Promise<Transport> => bindWs({ listen: "ws://127.0.0.1:0/gossip" });
  return {
    kind: "ws",
    bind,
    startNode: async (name) => startNode({ name, transports: [await bind()] }),
    dispose: async () => undefined,
  };
}

/**
 * An in-process {@link MemoryNetwork} on real time (`systemClock`, no latency, no loss), one
 * `mem://<name>` node per member. Crash: `network.crash(name)`, which cuts the node off at once
 * while its runtime keeps running, as a host whose network died would.
 */
export function memoryKit(): TransportKit {
  const network = new MemoryNetwork();
  const bind = (name: string): Promise<Transport> => network.bind(`mem://${name}`);
  return {
    kind: "memory",
    bind,
    startNode: async (name) =>
      startNode({
        name,
        transports: [await bind(name)],
        crash: () => network.crash(name),
      }),
    dispose: async () => network.closeAll(),
  };
}

/** A fresh kit of each kind, for `describe.each`. */
export const TRANSPORT_KITS: Readonly<Record<TransportKind, () => TransportKit>> = {
  udp: udpKit,
  ws: wsKit,
  memory: memoryKit,
};
