import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import type { Manifest } from "./workspace.js";

/** One regular file of a package tarball, its path relative to the package root. */
export interface TarballFile {
  /** `dist/index.js` (the `package/` prefix removed). */
  readonly path: string;
  /** Unix permission bits, e.g. 0o644. */
  readonly mode: number;
  readonly data: Uint8Array;
}

/** A package tarball as `npm install` sees it: its files and its package.json. */
export interface Tarball {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly files: ReadonlyMap<string, TarballFile>;
  readonly manifest: Manifest;
}

const BLOCK = 512;

function field(header: Uint8Array, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return new TextDecoder().decode(end === -1 ? raw : raw.subarray(0, end));
}

function octal(header: Uint8Array, offset: number, length: number): number {
  const text = field(header, offset, length).trim();
  return text === "" ? 0 : Number.parseInt(text, 8);
}

/** The `path` record of a pax extended header, if any. */
function paxPath(data: Uint8Array): string | undefined {
  const text = new TextDecoder().decode(data);
  for (const record of text.split("\n")) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}

/**
 * Reads a gzipped ustar archive as `npm pack` and `pnpm pack` write it (regular files under
 * `package/`, pax headers for long names). Enough to check what a tarball ships; not a general tar
 * reader.
 */
export function readTarball(file: string): Tarball {
  const bytes = new Uint8Array(readFileSync(file));
  const tar = gunzipSync(bytes);
  const files = new Map<string, TarballFile>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0);
    const data = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") {
      longName = paxPath(data);
      continue;
    }
    const prefix = field(header, 345, 155);
    const name =
      longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    if (type !== "0" && type !== "\0") continue;
    const path = name.replace(/^[^/]+\//, "");
    files.set(path, { path, mode: octal(header, 100, 8) & 0o777, data: new Uint8Array(data) });
  }
  const manifestFile = files.get("package.json");
  if (manifestFile === undefined) throw new Error(`${file}: no package/package.json`);
  const manifest = JSON.parse(new TextDecoder().decode(manifestFile.data)) as Manifest;
  return { file, bytes, files, manifest };
}
