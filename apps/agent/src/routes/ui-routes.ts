import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { RouteContext } from "../http-api.js";
import { HttpError } from "../http-errors.js";
import { ERRORS } from "../http-schemas.js";

/**
 * Where the dashboard's built assets are: `dist/ui` of the agent package. The same relative path
 * holds from `src/routes` (run from source) and from `dist/routes` (the published package).
 */
export const UI_DIR = fileURLToPath(new URL("../../dist/ui/", import.meta.url));

/** Media types of the files the dashboard build writes. */
const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
};

/**
 * The page may load only its own scripts and styles and talk only to this agent: no inline
 * script, no other origin, no framing (clickjacking), no form posts elsewhere.
 */
export const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** One built file, held in memory (the whole dashboard is a few tens of KB). */
interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/** Reads every file under `dir` (relative paths with `/`); undefined when there is no build. */
export function readUiAssets(dir: string = UI_DIR): Map<string, Asset> | undefined {
  if (!existsSync(join(dir, "index.html"))) return undefined;
  const assets = new Map<string, Asset>();
  const walk = (sub: string) => {
    for (const name of readdirSync(join(dir, sub))) {
      const rel = sub === "" ? name : `${sub}/${name}`;
      if (statSync(join(dir, rel)).isDirectory()) walk(rel);
      else {
        const type = TYPES[extname(name)] ?? "application/octet-stream";
        assets.set(rel, { body: readFileSync(join(dir, rel)), type });
      }
    }
  };
  walk("");
  return assets;
}

/**
 * `/ui/` (the dashboard page; `/ui` redirects to it) and `/ui/*` (its scripts and styles), served
 * without a token: they hold no data, and every data call the page makes carries the caller's
 * token like any other client's. The Host and Origin checks apply as everywhere. The build is
 * read on the first request; from sources that were never built the page answers 503 saying how
 * to build it.
 */
export function registerUiRoutes({ app }: RouteContext, dir: string = UI_DIR): void {
  let assets: Map<string, Asset> | undefined;
  const load = (): Map<string, Asset> => {
    assets ??= readUiAssets(dir);
    if (assets === undefined) {
      throw new HttpError(
        503,
        "the dashboard is not built: run `pnpm --filter @grapevine/agent build` (or start the agent with --no-ui)",
      );
    }
    return assets;
  };
  const send = (reply: FastifyReply, asset: Asset, immutable: boolean) =>
    reply
      .headers({
        "content-type": asset.type,
        "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      })
      .send(asset.body);

  app.get(
    "/ui/",
    {
      schema: {
        summary: "The web dashboard (no token needed for the page; its data calls carry one)",
        tags: ["dashboard"],
        produces: ["text/html"],
        response: { 200: { type: "string" }, ...ERRORS },
      },
    },
    async (request: FastifyRequest, reply) => {
      // The router ignores trailing slashes; the page's relative links need exactly `/ui/`.
      const path = new URL(request.url, "http://agent").pathname;
      if (!path.endsWith("/")) return reply.code(301).header("location", "/ui/").send();
      const page = load().get("index.html");
      if (page === undefined) throw new HttpError(404, "no route /ui/");
      reply.headers({ "content-security-policy": UI_CSP, "x-frame-options": "DENY" });
      return send(reply, page, false);
    },
  );

  app.get(
    "/ui/*",
    {
      schema: {
        summary: "The dashboard's scripts and styles (fingerprinted names, cached for a year)",
        tags: ["dashboard"],
        produces: ["text/javascript", "text/css"],
        response: { 200: { type: "string" }, ...ERRORS },
      },
    },
    async (request, reply) => {
      const rel = (request.params as { "*"?: string })["*"] ?? "";
      const asset = rel.split("/").includes("..") ? undefined : load().get(rel);
      if (asset === undefined || rel === "index.html") {
        throw new HttpError(404, `no route /ui/${rel}`);
      }
      return send(reply, asset, rel.startsWith("assets/"));
    },
  );
}
