import { describe, expect, it } from "vitest";
import { membersTable } from "../src/commands/members.js";
import { watchLine } from "../src/commands/watch.js";
import { parseReadyLine } from "../src/demo/agent-process.js";
import { MembershipView } from "../src/demo/membership-view.js";
import { humanLine } from "../src/logger.js";
import { SseParser } from "../src/sse-parser.js";
import { formatTable } from "../src/table.js";

describe("output formats", () => {
  it("parses Server-Sent Events split anywhere", () => {
    const text =
      ': hello\n\nevent: a\ndata: {"x":1}\n\nevent: b\ndata: line1\ndata: line2\r\n\r\ndata: tail';
    const parser = new SseParser();
    const events = [...text].flatMap((ch) => parser.push(ch));
    expect(events).toEqual([
      { event: "a", data: '{"x":1}' },
      { event: "b", data: "line1\nline2" },
    ]);
    expect(parser.push("\n\n")).toEqual([{ event: "message", data: "tail" }]);
  });

  it("formats log records as human lines", () => {
    const line = humanLine(
      JSON.stringify({
        level: 40,
        time: Date.UTC(2026, 0, 5, 10, 0, 1, 234),
        msg: "member dead",
        member: "n5",
        n: 2,
      }),
    );
    expect(line).toBe("10:00:01.234 WARN  member dead member=n5 n=2");
    expect(humanLine("not json\n")).toBe("not json");
  });

  it("pads table columns and leaves no trailing spaces", () => {
    expect(
      formatTable(
        ["A", "LONGER", "C"],
        [
          ["xx", "y", ""],
          ["z", "w", "last"],
        ],
      ),
    ).toBe(["A   LONGER  C", "xx  y", "z   w       last"].join("\n"));
  });

  it("formats members and events for people", () => {
    const table = membersTable([
      {
        name: "n1",
        status: "alive",
        addresses: ["udp://127.0.0.1:1"],
        tags: { role: "web" },
        incarnation: 0,
        generation: 1,
        local: true,
      },
      {
        name: "n2",
        status: "dead",
        addresses: [],
        tags: {},
        incarnation: 3,
        generation: 1,
        local: false,
      },
    ]);
    expect(table.split("\n")).toEqual([
      "NAME             STATUS  ADDRESS            TAGS",
      "n1 (this agent)  alive   udp://127.0.0.1:1  role=web",
      "n2               dead    -                  -",
    ]);
    expect(
      watchLine({
        type: "key-changed",
        time: "2026-01-05T10:00:01.020Z",
        node: "n1",
        key: "k",
        value: "v",
        version: 3,
      }),
    ).toBe('10:00:01.020 key-changed    n1 k = "v" (version 3)');
    expect(
      watchLine({
        type: "member-dead",
        time: "2026-01-05T10:00:02.000Z",
        member: { name: "n2", status: "dead", addresses: ["udp://127.0.0.1:2"] },
      }),
    ).toBe("10:00:02.000 member-dead    n2 dead udp://127.0.0.1:2");
  });

  it("reads the agent's ready line", () => {
    expect(
      parseReadyLine(
        "agent n1 listening on udp://127.0.0.1:7946, ws://127.0.0.1:7947/g, http http://127.0.0.1:7950",
      ),
    ).toEqual({
      name: "n1",
      addresses: ["udp://127.0.0.1:7946", "ws://127.0.0.1:7947/g"],
      http: "http://127.0.0.1:7950",
    });
    expect(
      parseReadyLine("agent n1 listening on udp://127.0.0.1:7946, http http://127.0.0.1:79"),
    ).toMatchObject({
      http: "http://127.0.0.1:79",
    });
    expect(parseReadyLine("something else")).toBeUndefined();
  });

  it("draws the demo's membership matrix", () => {
    const view = new MembershipView(["n1", "n2"]);
    view.matrix.set(
      "n1",
      new Map([
        ["n1", "alive"],
        ["n2", "suspect"],
      ]),
    );
    expect(view.render(false)).toEqual([
      "sees →    n1        n2",
      "n1        alive     suspect",
      "n2        (not running)",
    ]);
    expect(view.allSee(["n1"], "n2", ["suspect", "dead"])).toBe(true);
    expect(view.render(true)[1]).toContain("\u001b[33msuspect");
  });
});
