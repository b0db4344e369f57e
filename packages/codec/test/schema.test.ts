import { readFileSync } from "node:fs";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { readSchema } from "../scripts/codegen/model.js";
import { generate, PROTO_PATH, staleFiles } from "../scripts/generate.js";
import { FIELDS, MEMBER_STATUS_VALUE, MESSAGE_KIND } from "../src/gen/schema.js";

const source = readFileSync(PROTO_PATH, "utf8");

describe("generated code", () => {
  it("src/gen is what scripts/generate.ts produces from the current .proto", () => {
    // A plain list keeps the failure short; the fix is always `pnpm generate`.
    expect(staleFiles(), "src/gen is stale: run `pnpm generate`").toEqual([]);
  });

  it("generating twice gives the same text", () => {
    expect(generate(source)).toEqual(generate(source));
  });
});

describe("the tag table against protobufjs' own reading of the .proto", () => {
  const root = protobuf.loadSync(PROTO_PATH);
  const v1 = "grapevine.v1";

  it("every message and field: number, wire type, repeated", () => {
    const expected: Record<string, Record<string, unknown>> = {};
    for (const type of root.lookup(v1)!.toJSON().nested
      ? Object.keys(root.lookup(v1)!.toJSON().nested!)
      : []) {
      const reflected = root.lookup(`${v1}.${type}`);
      if (!(reflected instanceof protobuf.Type) || type === "Message") continue;
      const fields: Record<string, unknown> = {};
      for (const f of reflected.fieldsArray) {
        const wireType =
          ["string", "bytes"].includes(f.type) || f.resolvedType instanceof protobuf.Type ? 2 : 0;
        fields[f.name] = { number: f.id, wireType, tag: f.id * 8 + wireType, repeated: f.repeated };
      }
      expected[type] = fields;
    }
    expect(FIELDS).toEqual(expected);
  });

  it("message kinds match the Message oneof", () => {
    const oneof = root.lookupType(`${v1}.Message`).oneofs.kind!;
    const byType: Record<string, number> = {};
    for (const field of oneof.fieldsArray) {
      byType[field.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)] = field.id;
    }
    expect(MESSAGE_KIND).toEqual(byType);
  });

  it("member statuses match the MemberStatus enum", () => {
    expect(root.lookupEnum(`${v1}.MemberStatus`).values).toEqual({
      MEMBER_STATUS_UNSPECIFIED: 0,
      MEMBER_STATUS_ALIVE: MEMBER_STATUS_VALUE.alive,
      MEMBER_STATUS_SUSPECT: MEMBER_STATUS_VALUE.suspect,
      MEMBER_STATUS_DEAD: MEMBER_STATUS_VALUE.dead,
      MEMBER_STATUS_LEFT: MEMBER_STATUS_VALUE.left,
    });
  });
});

describe("the .proto is the one place a field is written", () => {
  it("one added line adds the field to the types, the decoder, the sizer and the writer", () => {
    const edited = source.replace(
      "  bytes meta = 5;\n}",
      "  bytes meta = 5;\n  string zone = 6; // Availability zone. @limit maxNameBytes\n}",
    );
    expect(edited).not.toBe(source);
    const before = generate(source);
    const after = generate(edited);
    expect(after["messages.ts"]).toContain("Availability zone.");
    expect(after["messages.ts"]).toContain("readonly zone: string;");
    expect(after["messages.ts"]).not.toBe(before["messages.ts"]);
    expect(after["decode.ts"]).toContain('zone = readString(end, "Alive.zone", "maxNameBytes");');
    expect(after["decode.ts"]).toContain("case 0x32: // string zone = 6");
    expect(after["encode.ts"]).toContain("len += sString(1, m.zone);");
    expect(after["encode.ts"]).toContain("wString(0x32, m.zone);");
    expect(after["schema.ts"]).toContain("zone: { number: 6, wireType: 2, tag: 0x32");
  });

  it("annotations are read from leading and trailing comments alike", () => {
    const schema = readSchema(source);
    const alive = schema.messages.find((m) => m.name === "Alive")!;
    const name = alive.fields.find((f) => f.name === "name")!;
    expect(name).toMatchObject({ limit: "maxNameBytes", required: true, doc: ["The member."] });
    const incarnation = alive.fields.find((f) => f.name === "incarnation")!;
    expect(incarnation.bigint).toBe(true);
  });

  const refused: [string, string, string, RegExp][] = [
    [
      "a string without a byte limit",
      "  bytes meta = 5;\n}",
      "  bytes meta = 5;\n  string zone = 6;\n}",
      /Alive.zone: needs @limit/,
    ],
    [
      "a repeated field without a count",
      "  bytes meta = 5;\n}",
      "  bytes meta = 5;\n  repeated string tags = 6; // @limit maxNameBytes\n}",
      /Alive.tags: a repeated field needs @count or @total/,
    ],
    [
      "an unsupported type",
      "  bytes meta = 5;\n}",
      "  bytes meta = 5;\n  double load = 6;\n}",
      /Alive.load: type double is not supported/,
    ],
    [
      "an unknown annotation",
      "  bytes meta = 5;\n}",
      "  bytes meta = 5;\n  uint64 load = 6; // @unbounded\n}",
      /unknown annotation @unbounded/,
    ],
    [
      "@bigint on a string",
      "  bytes meta = 5;\n}",
      "  bytes meta = 5;\n  string x = 6; // @limit maxNameBytes @bigint\n}",
      /@bigint is for uint64/,
    ],
    [
      "packed repeated scalars",
      "  bytes meta = 5;\n}",
      "  bytes meta = 5;\n  repeated uint64 xs = 6; // @count maxAddresses\n}",
      /packed/,
    ],
  ];
  for (const [what, from, to, error] of refused) {
    it(`the generator refuses ${what}`, () => {
      const edited = source.replace(from, to);
      expect(edited).not.toBe(source);
      expect(() => generate(edited)).toThrow(error);
    });
  }
});
