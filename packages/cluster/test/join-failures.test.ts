/**
 * `joinDetailed()` names each seed's cause, on real sockets on loopback: nothing listening
 * (refused), a listener that never answers (timeout), another key, another label, an address
 * scheme no transport speaks, and a seed that answers. TLS and unreachable causes are sorted from
 * the errors Node reports (unit cases below), since loopback has no route to fail.
 */
import { createServer, type Server } from "node:net";
import { TransportError } from "@grapevine/transport";
import { bindUdp } from "@grapevine/transport-udp";
import { afterEach, describe, expect, it } from "vitest";
import { Cluster, type ClusterOptions, Keyring } from "../src/index.js";
import { joinFailureOf } from "../src/join-failure.js";

const started: Cluster[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.shutdown()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function member(name: string, extra: Partial<ClusterOptions> = {}): Promise<Cluster> {
  const transport = await bindUdp({ bind: "udp://127.0.0.1:0", connectTimeoutMs: 1000 });
  const c = await Cluster.start({ name, transports: [transport], preset: "local", ...extra });
  started.push(c);
  return c;
}

/** A TCP listener on loopback that accepts and never says a word. */
async function silentPort(): Promise<number> {
  const server = createServer((socket) => socket.on("error", () => undefined));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as { port: number }).port;
}

/** A loopback port with nothing listening (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe("joinDetailed on loopback", () => {
  it("names each seed's cause and still joins through the one that answers", async () => {
    const good = await member("good");
    const otherKey = await member("other-key", { keyring: new Keyring([Keyring.generateKey()]) });
    const otherLabel = await member("other-label", { label: "blue" });
    const b = await member("b");
    const refused = `udp://127.0.0.1:${await closedPort()}`;
    const silent = `udp://127.0.0.1:${await silentPort()}`;
    const seeds = [
      good.addresses[0]!,
      refused,
      silent,
      otherKey.addresses[0]!,
      otherLabel.addresses[0]!,
      "ws://127.0.0.1:1/gossip",
    ];
    const report = await b.joinDetailed(seeds, { timeoutMs: 1500 });
    expect(report.joined).toBe(1);
    const codes = report.seeds.map((s) => [s.seed, s.failure?.code]);
    expect(codes).toEqual([
      [seeds[0], undefined],
      [refused, "refused"],
      [silent, "timeout"],
      [seeds[3], "key-mismatch"],
      [seeds[4], "label-mismatch"],
      ["ws://127.0.0.1:1/gossip", "scheme-unsupported"],
    ]);
    expect(report.seeds[1]?.failure?.message).toMatch(/ECONNREFUSED/);
    expect(b.member("good")?.status).toBe("alive");
    // The refused seeds learned nothing about b, and b nothing about them.
    expect(b.member("other-key")).toBeUndefined();
    expect(b.member("other-label")).toBeUndefined();
    // join() keeps its answer: the number of seeds that answered.
    expect(await b.join(seeds, { timeoutMs: 1500 })).toBe(1);
  });

  it("a sealed member refused by a plaintext seed, and the other way round, is a key mismatch", async () => {
    const key = Keyring.generateKey();
    const sealed = await member("sealed", { keyring: new Keyring([key]) });
    const plain = await member("plain");
    const a = await plain.joinDetailed(sealed.addresses, { timeoutMs: 1500 });
    const b = await sealed.joinDetailed(plain.addresses, { timeoutMs: 1500 });
    expect(a.seeds[0]?.failure?.code).toBe("key-mismatch");
    expect(b.seeds[0]?.failure?.code).toBe("key-mismatch");
    // The refusal is a fixed frame: it says the request could not be opened, nothing more.
    expect(a.seeds[0]?.failure?.message).not.toContain(Buffer.from(key).toString("base64"));
  });
});

describe("joinFailureOf sorts what Node reports", () => {
  const sys = (code: string, message: string) => Object.assign(new Error(message), { code });
  it.each([
    [sys("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1"), "refused"],
    [sys("EHOSTUNREACH", "connect EHOSTUNREACH 10.0.0.1:1"), "unreachable"],
    [sys("ENOTFOUND", "getaddrinfo ENOTFOUND seed.example"), "unreachable"],
    [sys("ETIMEDOUT", "connect ETIMEDOUT"), "timeout"],
    [sys("CERT_HAS_EXPIRED", "certificate has expired"), "tls"],
    [sys("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"), "tls"],
    [sys("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match"), "tls"],
    [new TransportError("timeout", "stream to x: no answer within 5 ms"), "timeout"],
    [new TransportError("reset", "peer went away"), "no-answer"],
    [
      new TransportError("unreachable", "dial: unable to verify", {
        cause: sys("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate"),
      }),
      "tls",
    ],
  ])("%s → %s", (err, code) => {
    const failure = joinFailureOf(err);
    expect(failure.code).toBe(code);
    expect(failure.message).toBe((err as Error).message);
  });
});
