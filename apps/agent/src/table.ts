/**
 * Formats rows as a plain-text table: columns padded to their widest cell, separated by two
 * spaces, header first. The last column is not padded (no trailing spaces).
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) =>
    Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ""))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) =>
        i === cells.length - 1 ? c : c + " ".repeat((widths[i] ?? 0) - visibleLength(c)),
      )
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** Length of text as shown on a terminal: ANSI colour codes take no room. */
export function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences
  return text.replace(/\u001b\[[0-9;]*m/g, "").length;
}
