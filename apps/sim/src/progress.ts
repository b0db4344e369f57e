/** A one-line progress bar on stderr, redrawn at most a few times a second. */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  private readonly startedAt = performance.now();

  constructor(
    private readonly label: string,
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Updates the bar; `fraction` in [0, 1]. */
  update(fraction: number, detail = ""): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 200 || now - this.startedAt < 2000) return;
    this.lastDraw = now;
    const width = 30;
    const f = Math.max(0, Math.min(1, fraction));
    const filled = Math.round(f * width);
    const bar = `${"#".repeat(filled)}${".".repeat(width - filled)}`;
    const elapsed = ((now - this.startedAt) / 1000).toFixed(0);
    this.stream.write(
      `\r${this.label} [${bar}] ${(f * 100).toFixed(0)}% ${elapsed}s ${detail}\x1b[K`,
    );
    this.drawn = true;
  }

  /** Clears the line. */
  done(): void {
    if (this.enabled && this.drawn) this.stream.write("\r\x1b[K");
  }
}
