/**
 * A column of small non-negative integers (member slots, record ids + 1, list positions + 1):
 * 2 bytes a value while every value stored fits in 16 bits, 4 bytes from the first one that does
 * not. A member table holds several such columns per entry, so in a simulator of 10,000 nodes,
 * each holding 10,000 members, every byte saved per entry is 100 MB not allocated (and its pages
 * not faulted in); a production node with fewer than 65,536 members never widens.
 */
export type IndexColumn = Uint16Array<ArrayBuffer> | Int32Array<ArrayBuffer>;

/** Growth factor of a full column or list: modest, so a full one wastes at most a third. */
export const GROWTH = 1.5;

/** The capacity a full table of `capacity` entries grows to (at least 8). */
export function grownCapacity(capacity: number): number {
  return Math.max(8, Math.ceil(capacity * GROWTH));
}

/** The largest value a narrow (16-bit) column holds. */
export const NARROW_MAX = 0xffff;

/** Allocates a zeroed narrow column (from an arena, say). */
export type NarrowAllocator = (length: number) => Uint16Array<ArrayBuffer>;

/** A zeroed narrow column of `length` values. */
export const narrowColumn: NarrowAllocator = (length) => new Uint16Array(length);

/** Whether `column` already holds 4-byte values. */
export function isWide(column: IndexColumn): boolean {
  return column.BYTES_PER_ELEMENT === 4;
}

/**
 * `column` if it can hold `value`, else a 4-byte copy of it (store `value` into the result): a
 * negative value widens too, so nothing stored is ever silently wrapped. Values are never
 * narrowed back: a column that once needed 4 bytes keeps them.
 */
export function fitting(column: IndexColumn, value: number): IndexColumn {
  if (value >>> 0 <= NARROW_MAX || column.BYTES_PER_ELEMENT === 4) return column;
  const wide = new Int32Array(column.length);
  wide.set(column);
  return wide;
}

/**
 * A zeroed column of `length` values as wide as `like` (narrow ones from `allocate`), holding a
 * copy of `like`'s values at the front.
 */
export function grownColumn(
  like: IndexColumn,
  length: number,
  allocate: NarrowAllocator = narrowColumn,
): IndexColumn {
  const fresh: IndexColumn = isWide(like) ? new Int32Array(length) : allocate(length);
  fresh.set(like);
  return fresh;
}
