/** Placeholder replaced below. */
export async function runReport(_argv: string[]): Promise<number> {
  return 0;
}
