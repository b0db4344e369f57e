/**
 * Owner names in ascending JavaScript string order (UTF-16 code units): the order in which a
 * digest too large for one packet is sent in rotating slices, and in which a receiver works out
 * which owners a slice covers.
 */
export class OwnerRing {
  private readonly names: string[] = [];

  /** Number of owners. */
  get size(): number {
    return this.names.length;
  }

  /** The owner at position `index` (0 ≤ index < size). */
  at(index: number): string {
    return this.names[index]!;
  }

  /** Position of the first name not below `name` (`size` if every name is below it). */
  lowerBound(name: string): number {
    let lo = 0;
    let hi = this.names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.names[mid]! < name) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds `name` if absent. */
  insert(name: string): void {
    const at = this.lowerBound(name);
    if (this.names[at] !== name) this.names.splice(at, 0, name);
  }

  /** Removes `name` if present. */
  remove(name: string): void {
    const at = this.lowerBound(name);
    if (this.names[at] === name) this.names.splice(at, 1);
  }
}
