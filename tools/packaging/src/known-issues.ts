/**
 * Packaging problems that are known, tracked elsewhere, and tolerated until then: package name →
 * problem ids (as the checks report them). A listed problem that no longer occurs fails the tests
 * too, so that its entry is deleted as soon as the fix lands.
 */
export const KNOWN_ISSUES: Readonly<Record<string, readonly string[]>> = {};

/** Splits problems into the unexpected ones and the known ids that did not occur. */
export function againstKnownIssues(
  name: string,
  problems: readonly { readonly id: string; readonly detail: string }[],
  checked: (id: string) => boolean,
): { unexpected: string[]; fixed: string[] } {
  const known = KNOWN_ISSUES[name] ?? [];
  const unexpected = problems
    .filter((p) => !known.includes(p.id))
    .map((p) => `${p.id}: ${p.detail}`);
  const fixed = known.filter((id) => checked(id) && !problems.some((p) => p.id === id));
  return { unexpected, fixed };
}
