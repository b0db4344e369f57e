import type { SharedEntry } from "./wire.js";

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function mix(hash: number, unit: number): number {
  return Math.imul(hash ^ unit, FNV_PRIME) >>> 0;
}

function mixText(hash: number, text: string): number {
  let h = mix(hash, text.length & 0xffff);
  for (let i = 0; i < text.length; i++) h = mix(h, text.charCodeAt(i));
  return h;
}

/**
 * FNV-1a (32-bit) of everything that makes an entry what it is: key, timestamp, writer, tombstone
 * and value. Two nodes holding the same entry compute the same number.
 */
export function sharedEntryHash(e: SharedEntry): number {
  let h = mixText(FNV_OFFSET, e.key);
  h = mix(h, e.wall % 0x1_0000_0000);
  h = mix(h, Math.floor(e.wall / 0x1_0000_0000));
  h = mix(h, e.logical);
  h = mixText(h, e.writer);
  h = mix(h, e.tombstone ? 1 : 0);
  h = mix(h, e.value.length);
  for (let i = 0; i < e.value.length; i++) h = mix(h, e.value[i]!);
  return h;
}

/**
 * The keyspace digest is the sum (mod 2^32) of its entries' hashes: independent of order, and
 * updated in O(1) when one entry replaces another. Two replicas with equal digest and count hold
 * the same entries except with probability about 2^-32 per comparison.
 */
export function addHash(total: number, entryHash: number): number {
  return (total + entryHash) >>> 0;
}

/** Removes an entry's hash from a digest sum. */
export function subtractHash(total: number, entryHash: number): number {
  return (total - entryHash) >>> 0;
}
