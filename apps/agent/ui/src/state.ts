import { useEffect, useRef, useState } from "preact/hooks";
import {
  AuthRequired,
  type ConfigEntry,
  getJson,
  type KvEntry,
  type MemberRow,
  type Overview,
} from "./api.js";
import { followEvents, type StreamEvent, type StreamState } from "./event-stream.js";
import type { Sample } from "./rates.js";

/** How often the overview (members, health, counters) is read, ms. */
export const POLL_MS = 1000;
/** Samples kept for the rate charts: one a poll, a minute of them. */
export const SAMPLES = 60;
/** How far back the timeline reaches, ms. */
export const TIMELINE_MS = 15 * 60_000;
/** Transitions kept at most. */
const TIMELINE_MAX = 500;

/** One membership transition, as the timeline shows it. */
export interface Transition {
  readonly index: string;
  readonly time: string;
  readonly member: string;
  readonly from: string | undefined;
  readonly to: string;
  /** A suspect member proved alive (SWIM's refutation). */
  readonly refuted: boolean;
}

/** Everything the dashboard shows, kept up to date. */
export interface Dashboard {
  readonly overview: Overview | undefined;
  /** Browser time of the last overview, ms: with `overview.time`, the agent's clock now. */
  readonly fetchedAt: number;
  readonly members: readonly MemberRow[];
  readonly timeline: readonly Transition[];
  readonly kv: readonly KvEntry[];
  readonly config: readonly ConfigEntry[];
  readonly samples: readonly Sample[];
  readonly stream: StreamState;
  readonly error: string | undefined;
  readonly needsToken: boolean;
  readonly badToken: boolean;
}

const STATUS_EVENTS: Readonly<Record<string, MemberRow["status"]>> = {
  "member-joined": "alive",
  "member-alive": "alive",
  "member-suspect": "suspect",
  "member-dead": "dead",
  "member-left": "left",
};

const kvId = (node: string, key: string) => `${node}\u0000${key}`;

/**
 * The dashboard's live state: the overview read every second (members, health, counters), the
 * event stream for what happens in between (member transitions at once, the timeline, key
 * changes), and the key and config lists read once and then kept current by the stream.
 * `session` changes when a token is entered: everything starts again with it.
 */
export function useDashboard(session: number): Dashboard {
  const [overview, setOverview] = useState<Overview>();
  const [fetchedAt, setFetchedAt] = useState(0);
  const [members, setMembers] = useState<Map<string, MemberRow>>(new Map());
  const [timeline, setTimeline] = useState<Transition[]>([]);
  const [kv, setKv] = useState<Map<string, KvEntry>>(new Map());
  const [config, setConfig] = useState<Map<string, ConfigEntry>>(new Map());
  const [samples, setSamples] = useState<Sample[]>([]);
  const [stream, setStream] = useState<StreamState>("connecting");
  const [error, setError] = useState<string>();
  const [auth, setAuth] = useState<AuthRequired>();
  const lastStatus = useRef(new Map<string, string>());

  useEffect(() => {
    let stopped = false;
    // A new session replays the agent's history from the start: the timeline is rebuilt from it.
    setTimeline([]);
    lastStatus.current.clear();
    const failed = (err: unknown) => {
      if (stopped) return;
      if (err instanceof AuthRequired) setAuth(err);
      else setError(err instanceof Error ? err.message : String(err));
    };
    const loadLists = () => {
      getJson<{ entries: KvEntry[] }>("/v1/kv")
        .then(({ entries }) => {
          // Entries seen on the stream meanwhile are newer when their version is higher.
          setKv((old) => {
            const next = new Map(entries.map((e) => [kvId(e.node, e.key), e]));
            for (const [id, e] of old)
              if ((next.get(id)?.version ?? -1) < e.version) next.set(id, e);
            return next;
          });
        })
        .catch(failed);
      getJson<{ entries: ConfigEntry[] }>("/v1/config")
        .then(({ entries }) => setConfig(new Map(entries.map((e) => [e.key, e]))))
        .catch(failed);
    };
    const poll = async () => {
      try {
        const o = await getJson<Overview>("/v1/overview");
        if (stopped) return;
        const now = Date.now();
        setOverview(o);
        setFetchedAt(now);
        setError(undefined);
        setAuth(undefined);
        setMembers((old) => {
          const next = new Map<string, MemberRow>();
          for (const m of o.members) {
            // A transition streamed after this read was answered is newer than the read.
            const held = old.get(m.name);
            next.set(m.name, held !== undefined && held.since > o.time ? held : m);
          }
          return next;
        });
        setSamples((old) => [...old.slice(-(SAMPLES - 1)), { at: now, counters: o.counters }]);
      } catch (err) {
        failed(err);
      }
    };
    const onEvent = (e: StreamEvent) => {
      if (e.type === "reset") {
        loadLists();
        return;
      }
      const time = String(e.data.time ?? "");
      if (e.type === "key-changed") {
        const entry = e.data as unknown as KvEntry;
        setKv((old) => {
          const id = kvId(entry.node, entry.key);
          if ((old.get(id)?.version ?? -1) > entry.version) return old;
          const next = new Map(old);
          next.set(id, entry);
          return next;
        });
        return;
      }
      if (e.type === "shared-changed") {
        const entry = e.data as unknown as ConfigEntry & { deleted?: boolean };
        setConfig((old) => {
          const next = new Map(old);
          if (entry.deleted) next.delete(entry.key);
          else
            next.set(entry.key, {
              key: entry.key,
              value: entry.value,
              ...(entry.encoding ? { encoding: entry.encoding } : {}),
            });
          return next;
        });
        return;
      }
      const to = STATUS_EVENTS[e.type];
      const member = e.data.member as Omit<MemberRow, "since" | "rttMs"> | undefined;
      if (to === undefined || member === undefined) return;
      const from = lastStatus.current.get(member.name);
      lastStatus.current.set(member.name, to);
      if (from !== to) {
        const transition: Transition = {
          index: e.id ?? `${time}/${member.name}`,
          time,
          member: member.name,
          from,
          to,
          refuted: from === "suspect" && to === "alive",
        };
        setTimeline((old) => [transition, ...old].slice(0, TIMELINE_MAX));
      }
      setMembers((old) => {
        const held = old.get(member.name);
        // Replayed history older than what the overview said is already reflected there.
        if (held !== undefined && held.since > time) return old;
        const next = new Map(old);
        next.set(member.name, { rttMs: null, ...held, ...member, status: to, since: time });
        return next;
      });
    };
    const stop = followEvents(onEvent, (s) => {
      if (!stopped) setStream(s);
      if (s === "unauthorized") failed(new AuthRequired(false));
      if (s === "live") loadLists();
    });
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
      stop();
    };
  }, [session]);

  return {
    overview,
    fetchedAt,
    members: [...members.values()],
    timeline,
    kv: [...kv.values()],
    config: [...config.values()],
    samples,
    stream,
    error,
    needsToken: auth !== undefined,
    badToken: auth?.invalid ?? false,
  };
}
