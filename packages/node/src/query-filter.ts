import type { QueryTagFilter } from "@grapevine/codec";

/**
 * Whether a member named `self` with `tags` answers a query with these filters (Serf's filters):
 * its name is in `names` (when any are given) and each tag condition's pattern matches the whole
 * value of that tag (a member lacking the tag does not match). A pattern refused by
 * {@link tagPatternProblem} matches nothing and is reported through `onRefused`.
 */
export function passesQueryFilter(
  names: readonly string[],
  tagFilters: readonly QueryTagFilter[],
  self: string,
  tags: Readonly<Record<string, string>>,
  onRefused?: () => void,
): boolean {
  if (names.length > 0 && !names.includes(self)) return false;
  for (const { tag, pattern } of tagFilters) {
    const value = Object.hasOwn(tags, tag) ? tags[tag] : undefined;
    if (value === undefined) return false;
    const regex = compileTagPattern(pattern);
    if (regex === undefined) {
      onRefused?.();
      return false;
    }
    if (!regex.test(value)) return false;
  }
  return true;
}

/** Longest tag pattern accepted, UTF-16 code units. */
export const MAX_TAG_PATTERN_LENGTH = 256;

/** Why a tag pattern is refused (see {@link tagPatternProblem}). */
export type TagPatternProblem = "too-long" | "unsafe" | "invalid";

/**
 * A tag pattern that receivers would refuse to run: `code` says why. Tag patterns are regular
 * expressions from peers, run on every receiver, so only a subset that a backtracking engine runs
 * in time polynomial (in practice linear) in the value is accepted.
 */
export class TagPatternError extends RangeError {
  override readonly name = "TagPatternError";
  /** The query option at fault (as `QueryOptionError.field`). */
  readonly field = "filter.tags";

  constructor(
    readonly code: TagPatternProblem,
    readonly pattern: string,
  ) {
    super(`tag pattern ${code}: ${JSON.stringify(pattern.slice(0, 64))}`);
  }
}

/**
 * What is wrong with `pattern`, or `undefined` when it is accepted: `too-long` over
 * {@link MAX_TAG_PATTERN_LENGTH}; `unsafe` with a back-reference, a lookaround, or a quantified
 * group that itself holds a quantifier or an alternation (`(a+)+`, `(a|a)*`: the shapes of
 * catastrophic backtracking, star height above one); `invalid` when it does not compile.
 */
export function tagPatternProblem(pattern: string): TagPatternProblem | undefined {
  if (pattern.length > MAX_TAG_PATTERN_LENGTH) return "too-long";
  // Per open group: whether it holds a quantifier or an alternation.
  const groups: boolean[] = [];
  let closedRisky = false;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const quantifier = c === "*" || c === "+" || c === "?" || c === "{";
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (!inClass && (/[1-9]/.test(next) || next === "k")) return "unsafe";
      i += 1;
      closedRisky = false;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") {
      if (pattern[i + 1] === "?" && /^\(\?<?[=!]/.test(pattern.slice(i, i + 4))) return "unsafe";
      groups.push(false);
    } else if (c === ")") {
      const risky = groups.pop() ?? false;
      closedRisky = risky;
      if (risky && groups.length > 0) groups[groups.length - 1] = true;
      continue;
    } else if (c === "|") {
      if (groups.length > 0) groups[groups.length - 1] = true;
    } else if (quantifier && !(c === "?" && pattern[i - 1] === "(")) {
      if (closedRisky) return "unsafe";
      if (groups.length > 0) groups[groups.length - 1] = true;
    }
    closedRisky = false;
  }
  try {
    new RegExp(pattern, "u");
  } catch {
    return "invalid";
  }
  return undefined;
}

/**
 * A tag pattern anchored to the whole value, or `undefined` when {@link tagPatternProblem} finds
 * one (too long, unsafe or not a valid expression).
 */
export function compileTagPattern(pattern: string): RegExp | undefined {
  if (tagPatternProblem(pattern) !== undefined) return undefined;
  return new RegExp(`^(?:${pattern})$`, "u");
}
