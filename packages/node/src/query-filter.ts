import type { QueryTagFilter } from "@grapevine/codec";

/**
 * Whether a member named `self` with `tags` answers a query with these filters (Serf's filters):
 * its name is in `names` (when any are given) and each tag condition's pattern matches the whole
 * value of that tag (a member lacking the tag does not match). A pattern that is not a valid
 * regular expression matches nothing.
 */
export function passesQueryFilter(
  names: readonly string[],
  tagFilters: readonly QueryTagFilter[],
  self: string,
  tags: Readonly<Record<string, string>>,
): boolean {
  if (names.length > 0 && !names.includes(self)) return false;
  for (const { tag, pattern } of tagFilters) {
    const value = Object.hasOwn(tags, tag) ? tags[tag] : undefined;
    if (value === undefined) return false;
    const regex = compileTagPattern(pattern);
    if (regex === undefined || !regex.test(value)) return false;
  }
  return true;
}

/** A tag pattern anchored to the whole value, or `undefined` when it is not a valid expression. */
export function compileTagPattern(pattern: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`, "u");
  } catch {
    return undefined;
  }
}
