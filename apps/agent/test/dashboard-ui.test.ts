import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rates } from "../ui/src/rates.js";
import { type SplitEvent, SseSplitter } from "../ui/src/sse-splitter.js";

/** One event as the agent writes it (src/sse.ts), with a comment line before it. */
function written(e: SplitEvent, eol: string): string {
  const id = e.id === undefined ? "" : `id: ${e.id}${eol}`;
  const data = e.data
    .split("\n")
    .map((line) => `data: ${line}${eol}`)
    .join("");
  return `: heartbeat${eol}${eol}${id}event: ${e.event}${eol}${data}${eol}`;
}

const eventArb: fc.Arbitrary<SplitEvent> = fc.record({
  id: fc.option(fc.nat().map(String), { nil: undefined }),
  event: fc.stringMatching(/^[a-z][a-z-]{0,15}$/),
  data: fc
    .array(
      fc.string({ unit: "grapheme" }).map((s) => s.replace(/[\r\n]/g, " ")),
      {
        minLength: 1,
        maxLength: 3,
      },
    )
    .map((lines) => lines.join("\n")),
});

describe("the dashboard's event-stream splitter", () => {
  it("finds the same events however the stream is cut into pieces, LF or CRLF", () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 8 }),
        fc.constantFrom("\n", "\r\n", "\r"),
        fc.array(fc.nat(), { maxLength: 12 }),
        (events, eol, cuts) => {
          const text = events.map((e) => written(e, eol)).join("");
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const splitter = new SseSplitter();
          const seen: SplitEvent[] = [];
          let from = 0;
          for (const at of [...points, text.length]) {
            seen.push(...splitter.push(text.slice(from, at)));
            from = at;
          }
          expect(seen).toEqual(events);
        },
      ),
      { seed: 20, numRuns: 300 },
    );
  });

  it("keeps an unfinished event until its blank line arrives", () => {
    const splitter = new SseSplitter();
    expect(splitter.push('id: 7\nevent: member-dead\ndata: {"a":1}\n')).toEqual([]);
    expect(splitter.push("\n")).toEqual([{ id: "7", event: "member-dead", data: '{"a":1}' }]);
  });
});

describe("the dashboard's rates", () => {
  it("are per second between consecutive reads, never negative, skipping reads out of order", () => {
    const at = (ms: number, packetsIn: number) => ({ at: ms, counters: { packetsIn } });
    const samples = [at(0, 0), at(500, 10), at(1500, 40), at(1500, 50), at(2500, 20)];
    expect(rates(samples, (c) => c.packetsIn ?? 0)).toEqual([20, 30, 0]);
  });
});
