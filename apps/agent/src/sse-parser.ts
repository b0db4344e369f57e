/** One Server-Sent Event: its `event:` name (default `message`) and its `data:` text. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * Incremental Server-Sent Events parser: feed it text as it arrives, get back the events that
 * are complete. Comment lines (`:`) are skipped; multi-line `data:` is joined with `\n`.
 */
export class SseParser {
  private buffer = "";

  /** Adds received text; returns the events completed by it. */
  push(text: string): SseEvent[] {
    this.buffer += text.replace(/\r\n?/g, "\n");
    const events: SseEvent[] = [];
    for (;;) {
      const end = this.buffer.indexOf("\n\n");
      if (end === -1) break;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line === "" || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      if (data.length > 0) events.push({ event, data: data.join("\n") });
    }
    return events;
  }
}
