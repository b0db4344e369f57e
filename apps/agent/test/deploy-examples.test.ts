import { readFileSync } from "node:fs";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Service } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { type AgentFlags, flagsLayer } from "../src/commands/agent.js";
import { resolveConfig } from "../src/config.js";

// The deployment examples of the README ("Run under systemd", "Run on Kubernetes") are the files
// in examples/: the README holds them verbatim, the Kubernetes objects validate against the
// Kubernetes schema, and the settings each one gives the agent resolve with the agent's own
// configuration code, as `grapevine agent` would resolve them.

const example = (name: string) =>
  readFileSync(new URL(`../examples/${name}`, import.meta.url), "utf8");
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const KEY = Buffer.alloc(32, 7).toString("base64");

/** `--flag value` / `--flag=value` words to the flags commander would hand `grapevine agent`. */
function agentFlags(words: readonly string[]): AgentFlags {
  const repeatable = new Set(["bind", "advertise", "join", "tag"]);
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? "";
    expect(word, `expected a --flag, got ${word}`).toMatch(/^--[a-z-]+/);
    const [flag, inline] = word.slice(2).split(/=(.*)/s);
    const key = (flag ?? "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = inline ?? words[++i];
    flags[key] = repeatable.has(key) ? [...((flags[key] as string[]) ?? []), value] : value;
  }
  return flags as AgentFlags;
}

/** KEY=VALUE lines (comments and blank lines skipped). */
function envFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#"))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

describe("deployment examples", () => {
  it.each(["kubernetes.yaml", "grapevine.service", "agent.env", "Dockerfile"])(
    "the README holds examples/%s verbatim",
    (name) => {
      expect(readme).toContain(`\n${example(name)}\`\`\`\n`);
    },
  );

  it("kubernetes.yaml: a headless Service and a StatefulSet valid against the Kubernetes schema", () => {
    const docs = parseAllDocuments(example("kubernetes.yaml")).map((d) => d.toJS());
    expect(docs.map((d) => `${d.apiVersion} ${d.kind}`)).toEqual([
      "v1 Service",
      "apps/v1 StatefulSet",
    ]);
    const service = new Service(docs[0]);
    const statefulSet = new StatefulSet(docs[1]);
    service.validate();
    statefulSet.validate();
    expect(service.spec?.clusterIP).toBe("None");
    expect(statefulSet.spec?.serviceName).toBe(service.metadata?.name);

    // The validator does reject what Kubernetes would.
    const broken = structuredClone(docs[1]);
    broken.spec.replicas = "three";
    expect(() => new StatefulSet(broken).validate()).toThrow(/replicas/);
  });

  it("kubernetes.yaml: the container's environment is a configuration the agent accepts", () => {
    const statefulSet = parseAllDocuments(example("kubernetes.yaml"))[1]?.toJS();
    const [container] = statefulSet.spec.template.spec.containers;
    expect(container.args).toEqual(["agent"]);
    expect(container.readinessProbe.exec.command.slice(0, 1)).toEqual(["grapevine"]);
    // What the kubelet hands the process: downward-API values, a Secret, $(VAR) expanded.
    const fieldRefs: Record<string, string> = {
      "metadata.name": "grapevine-0",
      "status.podIP": "10.1.0.7",
      "metadata.namespace": "default",
    };
    const env: Record<string, string> = {};
    for (const e of container.env) {
      const from = e.valueFrom;
      env[e.name] = from?.fieldRef
        ? (fieldRefs[from.fieldRef.fieldPath] ?? "")
        : from?.secretKeyRef
          ? KEY
          : String(e.value).replace(/\$\((\w+)\)/g, (_: string, v: string) => env[v] ?? "");
    }
    const config = resolveConfig({ flags: {}, env, hostname: "ignored" });
    expect(config).toMatchObject({
      name: "grapevine-0",
      bind: ["udp://0.0.0.0:7946"],
      advertise: ["udp://10.1.0.7:7946"],
      join: ["udp://grapevine.default.svc.cluster.local:7946"],
      joinRetryIntervalMs: 5000,
      dataDir: "/var/lib/grapevine",
      keyringFile: "/var/lib/grapevine/keyring.json",
      encryption: "required",
      http: { host: "127.0.0.1", port: 7950 },
    });
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === "data");
    expect(mount.mountPath).toBe(config.dataDir);
    const ports = container.ports.map(
      (p: { containerPort: number; protocol: string }) => `${p.containerPort}/${p.protocol}`,
    );
    expect(ports).toEqual(["7946/UDP", "7946/TCP"]);
  });

  it("grapevine.service: ExecStart and the env file are a configuration the agent accepts", () => {
    const unit = example("grapevine.service");
    const sections = [...unit.matchAll(/^\[(\w+)\]$/gm)].map((m) => m[1]);
    expect(sections).toEqual(["Unit", "Service", "Install"]);
    const value = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(unit)?.[1];
    expect(value("KillSignal")).toBe("SIGTERM");
    const [bin, command, ...words] = (value("ExecStart") ?? "").split(/\s+/);
    expect(bin).toBe("/usr/local/bin/grapevine");
    expect(command).toBe("agent");
    const env = {
      ...envFile((value("Environment") ?? "").replace(/ /g, "\n")),
      ...envFile(example("agent.env")),
    };
    const flags = agentFlags(words.map((w) => w.replace("%H", "web-1")));
    const config = resolveConfig({ flags: flagsLayer(flags), env, hostname: "ignored" });
    expect(config).toMatchObject({
      name: "web-1",
      bind: ["udp://0.0.0.0:7946"],
      advertise: ["udp://10.0.0.11:7946"],
      join: ["udp://10.0.0.12:7946", "udp://10.0.0.13:7946"],
      dataDir: "/var/lib/grapevine",
      keyringFile: "/var/lib/grapevine/keyring.json",
      label: "production",
      logJson: true,
    });
    expect(value("StateDirectory")).toBe("grapevine");
  });
});
