import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { basename } from "node:path";
import type { Tarball } from "./tarball.js";

/** A package registry on loopback that serves a fixed set of packed tarballs. */
export interface LocalRegistry {
  /** `http://127.0.0.1:PORT/`, for an `.npmrc` line such as `@grapevine:registry=URL`. */
  readonly url: string;
  /** Package names requested (packument GETs), in order: what npm actually fetched from here. */
  readonly requested: readonly string[];
  close(): Promise<void>;
}

function integrity(bytes: Uint8Array): { integrity: string; shasum: string } {
  return {
    integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
    shasum: createHash("sha1").update(bytes).digest("hex"),
  };
}

/**
 * Starts a registry on `127.0.0.1` with one version of each tarball: the two requests npm makes to
 * install a package (the packument `GET /@scope%2fname` and the tarball it names) and nothing
 * else; every other name is a 404. Point a scope at it (`@grapevine:registry=...`) and npm takes
 * the scope's packages from here and everything else from its usual registry, so an install
 * resolves exactly as it will once the packages are published. Publishing, auth and search are
 * not needed for that and not implemented; `close()` stops it.
 */
export async function startLocalRegistry(tarballs: readonly Tarball[]): Promise<LocalRegistry> {
  const byName = new Map<string, Tarball>();
  const byFile = new Map<string, Tarball>();
  for (const t of tarballs) {
    byName.set(t.manifest.name, t);
    byFile.set(basename(t.file), t);
  }
  const requested: string[] = [];
  let base = "";

  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://registry").pathname);
    const send = (status: number, body: string | Uint8Array, type: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(405, JSON.stringify({ error: "read-only registry" }), "application/json");
      return;
    }
    const file = /^\/-\/tarballs\/([^/]+)$/.exec(path)?.[1];
    if (file !== undefined) {
      const t = byFile.get(file);
      if (t) send(200, t.bytes, "application/octet-stream");
      else send(404, JSON.stringify({ error: "not found" }), "application/json");
      return;
    }
    const name = path.slice(1);
    const t = byName.get(name);
    requested.push(name);
    if (t === undefined) {
      send(404, JSON.stringify({ error: "not found" }), "application/json");
      return;
    }
    const { version } = t.manifest;
    const packument = {
      name,
      "dist-tags": { latest: version },
      versions: {
        [version]: {
          ...t.manifest,
          _id: `${name}@${version}`,
          dist: { ...integrity(t.bytes), tarball: `${base}-/tarballs/${basename(t.file)}` },
        },
      },
    };
    send(200, JSON.stringify(packument), "application/json");
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}/`;
  return {
    url: base,
    requested,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
