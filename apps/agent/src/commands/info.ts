import type { Io } from "../io.js";
import { formatTable } from "../table.js";
import { type ClientOptions, clientFor } from "./client-options.js";

interface Info {
  name: string;
  version: string;
  status: string;
  generation: number;
  addresses: string[];
  http: string;
  uptimeMs: number;
  health: number;
  members: Record<string, number>;
  tags: Record<string, string>;
  keys: number;
  keyring?: { primary: string; installed: string[] } | null;
  config: {
    preset: string;
    /** Absent from agents older than the wire setting: their wire is Grapevine's. */
    wire?: string;
    dataDir: string | null;
    label: string | null;
    encryption?: string;
    keyringFile?: string | null;
  };
  counters: {
    cluster: Record<string, unknown> & { drops: Record<string, number> };
    swim: Record<string, number>;
  };
}

/** `required, 2 keys (primary 0123456789abcdef), keyring /path`: fingerprints only. */
function encryptionText(info: Info): string {
  const k = info.keyring;
  if (!k) return "off";
  const n = k.installed.length;
  const file = info.config.keyringFile ? `keyring ${info.config.keyringFile}` : "no keyring file";
  return `${info.config.encryption ?? "on"}, ${n} key${n === 1 ? "" : "s"} (primary ${k.primary}), ${file}`;
}

/** Formats `GET /v1/info` for people. */
export function infoText(info: Info): string {
  const c = info.counters.cluster;
  const s = info.counters.swim;
  const drops = Object.values(c.drops).reduce((a, b) => a + b, 0);
  const rows: [string, string][] = [
    ["name", info.name],
    ["status", info.status],
    ["version", info.version],
    ["generation", String(info.generation)],
    ["addresses", info.addresses.join(", ")],
    ["http", info.http],
    ["preset", info.config.preset],
    ["wire", info.config.wire ?? "grapevine"],
    ["label", info.config.label ?? "-"],
    ["encryption", encryptionText(info)],
    ["data dir", info.config.dataDir ?? "- (no snapshots)"],
    ["uptime", `${Math.round(info.uptimeMs / 1000)}s`],
    ["health score", `${info.health}${info.health === 0 ? " (healthy)" : " (degraded)"}`],
    [
      "members",
      Object.entries(info.members)
        .map(([k, v]) => `${v} ${k}`)
        .join(", "),
    ],
    [
      "tags",
      Object.entries(info.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(",") || "-",
    ],
    ["own keys", String(info.keys)],
    ["packets in/out", `${c.packetsIn} / ${c.packetsOut}`],
    ["bytes in/out", `${c.bytesIn} / ${c.bytesOut}`],
    ["dropped", String(drops)],
    ["probes acked/failed", `${s.probesAcked} / ${s.probesFailed}`],
    ["suspicions raised", String(s.suspicionsRaised)],
    ["refutations", String(s.refutations)],
    ["push-pulls", `${c.pushPulls} (${c.pushPullFailures} failed)`],
  ];
  return formatTable(["", ""], rows).split("\n").slice(1).join("\n");
}

/** `grapevine info`: the agent's configuration, counters and health score. */
export async function infoCommand(
  options: ClientOptions & { json?: boolean },
  io: Io,
): Promise<number> {
  const { body } = await clientFor(options, io).request("GET", "/v1/info");
  io.stdout.write(
    options.json ? `${JSON.stringify(body, null, 2)}\n` : `${infoText(body as Info)}\n`,
  );
  return 0;
}
