/**
 * A seed behind `wss://` whose certificate the joiner does not trust: `joinDetailed` names the
 * cause `tls` with the certificate's reason; with the CA it joins.
 */
import { readFileSync } from "node:fs";
import { Cluster } from "@grapevine/cluster";
import { bindWs } from "@grapevine/transport-ws";
import { afterAll, describe, expect, it } from "vitest";

const fixtures = new URL("../../../packages/transport-ws/test/fixtures/", import.meta.url);
const cert = readFileSync(new URL("cert.pem", fixtures));
const key = readFileSync(new URL("key.pem", fixtures));

const started: Cluster[] = [];
afterAll(async () => {
  await Promise.all(started.map((c) => c.shutdown()));
});

async function member(name: string, transport: Awaited<ReturnType<typeof bindWs>>) {
  const c = await Cluster.start({ name, transports: [transport], preset: "local" });
  started.push(c);
  return c;
}

describe("join causes over wss://", () => {
  it("an untrusted certificate is a tls failure with its reason; the right CA joins", async () => {
    const seed = await member(
      "seed",
      await bindWs({ listen: "wss://127.0.0.1:0/gossip", tls: { cert, key } }),
    );
    const stranger = await member("stranger", await bindWs({}));
    const report = await stranger.joinDetailed(seed.addresses, { timeoutMs: 3000 });
    expect(report.joined).toBe(0);
    expect(report.seeds[0]?.failure?.code).toBe("tls");
    expect(report.seeds[0]?.failure?.message).toMatch(/self[- ]signed/i);

    const trusting = await member("trusting", await bindWs({ tls: { ca: cert } }));
    const ok = await trusting.joinDetailed(seed.addresses, { timeoutMs: 3000 });
    expect(ok).toEqual({ joined: 1, seeds: [{ seed: seed.addresses[0] }] });
  });
});
