/** One complete event of a `text/event-stream`: its `id:` (if any), `event:` name and data. */
export interface SplitEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/** Splits Server-Sent Events text into events (HTML standard, "event stream interpretation"). */
export class SseSplitter {
  private buffer = "";
  /** The last piece ended with `\r`: a `\n` starting the next one is the rest of a `\r\n`. */
  private skipLf = false;

  /** Adds received text (any piece of the stream); returns the events it completed. */
  push(text: string): SplitEvent[] {
    let raw = text;
    if (this.skipLf && raw !== "") {
      if (raw.startsWith("\n")) raw = raw.slice(1);
      this.skipLf = false;
    }
    if (raw !== "") this.skipLf = raw.endsWith("\r");
    this.buffer += raw.replace(/\r\n?/g, "\n");
    const out: SplitEvent[] = [];
    for (let end = this.buffer.indexOf("\n\n"); end !== -1; end = this.buffer.indexOf("\n\n")) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | undefined;
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line === "" || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
        else if (field === "id") id = value;
      }
      if (data.length > 0) out.push({ id, event, data: data.join("\n") });
    }
    return out;
  }
}
