import { createSocket, type Socket } from "node:dgram";
import { createConnection, createServer, type Server, type Socket as TcpSocket } from "node:net";
import {
  decodePacket,
  encodePacket,
  encodeStream,
  type MemberlistMessage,
  type PushNodeState,
  readStream,
  type StreamMessage,
} from "@grapevine/memberlist-compat";

const LOOPBACK = Uint8Array.of(127, 0, 0, 1);
const VSN = [1, 5, 2, 0, 0, 0];
/** memberlist's `StateLeft`. */
const STATE_LEFT = 3;

/**
 * The smallest memberlist peer that the codec alone makes: it answers pings (UDP and TCP) and
 * push-pulls, joins by push-pull, and records what it hears. It has no failure detector of its
 * own; it exists to test the wire format against Go processes, below Grapevine's node core.
 */
export class RawPeer {
  readonly heard: MemberlistMessage[] = [];
  readonly members = new Map<string, PushNodeState>();
  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly udp: Socket,
    private readonly tcp: Server,
    private readonly self: PushNodeState,
    private readonly key: Uint8Array | undefined,
  ) {}

  /** Binds UDP and TCP on one free port of 127.0.0.1. */
  static async start(name: string, meta: Uint8Array, key?: Uint8Array): Promise<RawPeer> {
    const tcp = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    const port = (tcp.address() as { port: number }).port;
    const udp = createSocket("udp4");
    await new Promise<void>((resolve) => udp.bind(port, "127.0.0.1", resolve));
    const self = { name, addr: LOOPBACK, port, meta, incarnation: 1, state: 0, vsn: VSN };
    const peer = new RawPeer(name, port, udp, tcp, self, key);
    peer.members.set(name, self);
    udp.on("message", (bytes, from) => peer.onPacket(bytes, from.port));
    tcp.on("connection", (socket) => peer.onStream(socket));
    return peer;
  }

  private get keys(): Uint8Array[] {
    return this.key ? [this.key] : [];
  }

  private sendPacket(messages: MemberlistMessage[], port: number): void {
    this.udp.send(encodePacket(messages, { key: this.key, crc: true }), port, "127.0.0.1");
  }

  private onPacket(bytes: Uint8Array, fromPort: number): void {
    const decoded = decodePacket(bytes, { keys: this.keys });
    if (!decoded.ok) return;
    for (const message of decoded.messages) {
      this.heard.push(message);
      if (message.type === "ping") {
        const port = message.sourcePort ?? fromPort;
        this.sendPacket([{ type: "ack", seqNo: message.seqNo, payload: new Uint8Array(0) }], port);
      } else if (message.type === "alive") {
        this.members.set(message.node, {
          name: message.node,
          addr: message.addr,
          port: message.port,
          meta: message.meta,
          incarnation: message.incarnation,
          state: 0,
          vsn: message.vsn,
        });
      }
    }
  }

  private onStream(socket: TcpSocket): void {
    let received = new Uint8Array(0);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const read = readStream(received, { keys: this.keys });
      if (read.status === "incomplete") return;
      if (read.status === "error") {
        socket.end(encodeStream({ type: "error", error: read.error.message }, { key: this.key }));
        return;
      }
      const message = read.message;
      if (message.type === "push-pull") {
        this.merge(message.nodes);
        socket.end(this.encodeState(false));
      } else if (message.type === "ping") {
        socket.end(
          encodeStream(
            { type: "ack", seqNo: message.seqNo, payload: new Uint8Array(0) },
            { key: this.key },
          ),
        );
      } else {
        if (message.type === "user") this.heard.push({ type: "user", payload: message.payload });
        socket.end();
      }
    });
    socket.on("error", () => {});
  }

  private merge(nodes: readonly PushNodeState[]): void {
    for (const node of nodes) if (node.name !== this.name) this.members.set(node.name, node);
  }

  private encodeState(join: boolean, selfState = this.self.state): Uint8Array {
    const nodes = [...this.members.values()].map((n) =>
      n.name === this.name ? { ...n, state: selfState } : n,
    );
    const message: StreamMessage = { type: "push-pull", join, nodes, userState: new Uint8Array(0) };
    return encodeStream(message, { key: this.key });
  }

  /** Push-pull with a Go node at 127.0.0.1:`port` (memberlist's join). Rejects on a refusal. */
  join(port: number): Promise<void> {
    return this.pushPull(port, this.encodeState(true));
  }

  /**
   * Reads a Go node's member list without becoming a member: a push-pull whose entry about this
   * peer says it has left, which memberlist ignores for a node it does not know. Nothing about the
   * observer is gossiped, so no member spends probes or gossip on it afterwards.
   */
  observe(port: number): Promise<void> {
    return this.pushPull(port, this.encodeState(false, STATE_LEFT));
  }

  private pushPull(port: number, state: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => socket.write(state));
      let received = new Uint8Array(0);
      const timer = setTimeout(() => socket.destroy(new Error("push-pull timed out")), 5_000);
      socket.on("data", (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const read = readStream(received, { keys: this.keys });
        if (read.status === "incomplete") return;
        clearTimeout(timer);
        socket.destroy();
        if (read.status === "error") reject(read.error);
        else if (read.message.type === "push-pull") {
          this.merge(read.message.nodes);
          resolve();
        } else reject(new Error(`answered with ${read.message.type}`));
      });
      socket.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.on("close", () => {
        clearTimeout(timer);
        reject(new Error("closed before an answer"));
      });
    });
  }

  /** Gossips a user message to `port` in one packet. */
  sendUser(port: number, payload: Uint8Array): void {
    this.sendPacket([{ type: "user", payload }], port);
  }

  /** A graceful leave: a dead message about itself at a higher incarnation, to `port`. */
  leave(port: number): void {
    this.sendPacket(
      [{ type: "dead", incarnation: this.self.incarnation + 1, node: this.name, from: this.name }],
      port,
    );
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }
}
