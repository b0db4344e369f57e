import {
  Cluster,
  type ClusterEvent,
  type ClusterOptions,
  type MemberEventType,
} from "@grapevine/cluster";
import type { Transport } from "@grapevine/transport";

/**
 * Cluster options every interop node starts with: the `local` preset (probe every 1 s, probe
 * timeout 200 ms) with two overrides that keep the suite short and its assertions exact:
 *
 * - `suspicionMult: 1`: the suspicion timeout is 1 probe period (instead of 3 to 18), so a crash
 *   is declared dead within a few seconds;
 * - `gossipToTheDeadMs: 60_000`: dead and left members stay listed for a minute (instead of
 *   15 s), so the final membership of a scenario still shows them when it is compared.
 */
export const INTEROP_CLUSTER_OPTIONS = {
  preset: "local",
  swim: { suspicionMult: 1, gossipToTheDeadMs: 60_000 },
} as const satisfies Partial<ClusterOptions>;

/** One membership event as a node saw it. */
export interface MemberEventRecord {
  readonly type: MemberEventType;
  /** The member the event is about. */
  readonly member: string;
  /** Clock time of the event, ms. */
  readonly at: number;
}

/** A cluster member under test, with the transports it runs on and what it has seen. */
export interface InteropNode {
  readonly name: string;
  readonly cluster: Cluster;
  /** The transports it listens on (one, or two for a bridge). */
  readonly transports: readonly Transport[];
  /** Every membership event this node emitted, oldest first. */
  readonly events: MemberEventRecord[];
  /** Whether {@link InteropNode.crash} or a leave has taken it out of the cluster. */
  readonly gone: boolean;
  /** Stops it abruptly, telling no one, as a crashed process would. Idempotent. */
  crash(): Promise<void>;
  /** Leaves gracefully (peers see it as `left`) and stops. */
  leave(): Promise<void>;
}

/** Options of {@link startNode}. */
export interface StartNodeOptions {
  readonly name: string;
  readonly transports: readonly Transport[];
  /**
   * How to crash it; default `cluster.shutdown()` (which closes every transport at once). The
   * memory network passes `network.crash`, which cuts the node off the network.
   */
  readonly crash?: (cluster: Cluster) => Promise<void> | void;
  /** Options laid over {@link INTEROP_CLUSTER_OPTIONS}. */
  readonly options?: Partial<ClusterOptions>;
}

function isMemberEvent(event: ClusterEvent): event is Extract<ClusterEvent, { member: unknown }> {
  return event.type.startsWith("member-");
}

/** Creates and starts one cluster member on bound transports, recording its membership events. */
export async function startNode(options: StartNodeOptions): Promise<InteropNode> {
  const cluster = Cluster.create({
    ...INTEROP_CLUSTER_OPTIONS,
    ...options.options,
    name: options.name,
    transports: options.transports,
  });
  const events: MemberEventRecord[] = [];
  cluster.on("*", (event) => {
    if (isMemberEvent(event)) {
      events.push({ type: event.type, member: event.member.name, at: event.at });
    }
  });
  const crashWith = options.crash ?? ((c: Cluster) => c.shutdown());
  let gone = false;
  await cluster.start();
  return {
    name: options.name,
    cluster,
    transports: options.transports,
    events,
    get gone() {
      return gone;
    },
    async crash() {
      if (gone) return;
      gone = true;
      await crashWith(cluster);
    },
    async leave() {
      gone = true;
      await cluster.leave();
    },
  };
}

/**
 * Joins `node` through `seeds`, then has it announce itself: setting its tags (the transports it
 * listens on) makes it broadcast its own `alive`, which `Cluster.join` alone does not do (see
 * join-announcement.test.ts). Without that, news of a newcomer rests on its seed's few
 * retransmissions, and about one five-node join in seven takes more than a second to converge,
 * sometimes a whole push-pull interval (15 s). Resolves with the number of seeds that answered.
 */
export async function joinAndAnnounce(
  node: InteropNode,
  seeds: readonly string[],
): Promise<number> {
  const answered = await node.cluster.join(seeds);
  const schemes = node.cluster.addresses.map((a) => a.slice(0, a.indexOf(":")));
  node.cluster.setTags({ transports: schemes.join("+") });
  return answered;
}

/** Stops every node (whatever state it is in); for `afterAll`. */
export async function shutdownAll(nodes: Iterable<InteropNode>): Promise<void> {
  await Promise.all([...nodes].map((n) => n.cluster.shutdown()));
}
