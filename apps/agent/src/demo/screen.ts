import type { Io } from "../io.js";

/**
 * The demo's output. On a terminal: log lines scroll above a live block that is redrawn in
 * place. Elsewhere (pipes, CI logs): log lines only, plus whatever `note` lines the caller
 * writes for changes, appended.
 */
export class Screen {
  private liveLines = 0;
  private live: readonly string[] = [];

  constructor(
    private readonly io: Io,
    /** Redraw in place (stdout is a terminal). */
    readonly interactive: boolean,
  ) {}

  /** Prints a line that stays (above the live block on a terminal). */
  log(line: string): void {
    this.erase();
    this.io.stdout.write(`${line}\n`);
    this.draw();
  }

  /** Replaces the live block (terminal only; ignored otherwise). */
  setLive(lines: readonly string[]): void {
    if (!this.interactive) return;
    this.erase();
    this.live = lines;
    this.draw();
  }

  /** Leaves the live block on screen as ordinary output and stops redrawing it. */
  freeze(): void {
    this.liveLines = 0;
    this.live = [];
  }

  private erase(): void {
    if (!this.interactive || this.liveLines === 0) return;
    this.io.stdout.write(`\u001b[${this.liveLines}A\u001b[J`);
    this.liveLines = 0;
  }

  private draw(): void {
    if (!this.interactive || this.live.length === 0) return;
    this.io.stdout.write(`${this.live.join("\n")}\n`);
    this.liveLines = this.live.length;
  }
}
