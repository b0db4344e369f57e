import { readFileSync } from "node:fs";
import { MemberlistTransport } from "@grapevine/cluster/memberlist";
import type { Transport } from "@grapevine/transport";
import { isTransportError } from "@grapevine/transport";
import { bindUdp, type UdpTransport } from "@grapevine/transport-udp";
import { bindWs, type WsTransport } from "@grapevine/transport-ws";
import type { AgentConfig } from "./config.js";
import { RuntimeError, UsageError } from "./errors.js";
import { checkCertificate } from "./tls-check.js";

/** A transport the agent bound, with what it was asked to bind. */
export interface BoundTransport {
  /** The `--bind` URL as given. */
  readonly bind: string;
  /** The address actually listened on, with the real port (`undefined` when dial-only). */
  readonly listening: string | undefined;
  readonly transport: UdpTransport | WsTransport | MemberlistTransport;
}

function schemeOf(url: string): string {
  return url.slice(0, url.indexOf(":"));
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`${what} ${path}: cannot read (${(err as NodeJS.ErrnoException).code})`);
  }
}

async function bindOne(url: string, config: AgentConfig): Promise<BoundTransport> {
  const scheme = schemeOf(url);
  const advertise = config.advertise.find((a) => schemeOf(a) === scheme);
  if (config.wire === "memberlist") {
    const t = await MemberlistTransport.bind(url);
    return { bind: url, listening: t.boundAddress, transport: t };
  }
  if (scheme === "udp") {
    const t = await bindUdp({ bind: url, ...(advertise ? { advertise } : {}) });
    return { bind: url, listening: t.boundAddress, transport: t };
  }
  const tls = {
    ...(config.tls.cert ? { cert: readPem(config.tls.cert, "--tls-cert") } : {}),
    ...(config.tls.key ? { key: readPem(config.tls.key, "--tls-key") } : {}),
    ...(config.tls.ca ? { ca: readPem(config.tls.ca, "--tls-ca") } : {}),
    // A CA on a wss:// listener means mutual TLS: dialers must present a certificate it signed.
    ...(config.tls.ca && scheme === "wss" ? { requestCert: true } : {}),
  };
  if (tls.cert && config.tls.cert) checkCertificate(tls.cert, tls.key, config.tls.cert);
  // A dial-only node may name its identity in the bind URL (`ws-client://edge-7`).
  const identity = scheme === "ws-client" && url !== "ws-client://" ? url : advertise;
  const t = await bindWs({
    ...(scheme === "ws-client" ? {} : { listen: url }),
    ...(identity ? { advertise: identity } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
  });
  return { bind: url, listening: t.boundAddress, transport: t };
}

/**
 * Binds every `--bind` address. On any failure the ones already bound are closed again and the
 * error is mapped to one line: {@link UsageError} for an address that cannot be used as given,
 * {@link RuntimeError} for an occupied or forbidden port.
 */
export async function bindTransports(config: AgentConfig): Promise<BoundTransport[]> {
  const bound: BoundTransport[] = [];
  try {
    for (const url of config.bind) bound.push(await bindOne(url, config));
    return bound;
  } catch (err) {
    await closeTransports(bound.map((b) => b.transport));
    const url = config.bind[bound.length] ?? "";
    if (err instanceof UsageError) throw err;
    if (isTransportError(err, "address-in-use")) {
      throw new RuntimeError(`cannot bind ${url}: address already in use`);
    }
    if (isTransportError(err, "access-denied")) {
      throw new RuntimeError(`cannot bind ${url}: permission denied`);
    }
    if (isTransportError(err, "invalid-address") || err instanceof RangeError) {
      throw new UsageError(`--bind ${url}: ${err.message}`);
    }
    throw new RuntimeError(`cannot bind ${url}: ${err instanceof Error ? err.message : err}`);
  }
}

/** Closes transports, ignoring errors (they are being thrown away). */
export async function closeTransports(transports: readonly Transport[]): Promise<void> {
  await Promise.all(transports.map((t) => t.close().catch(() => undefined)));
}
