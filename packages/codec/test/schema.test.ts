import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { MEMBER_STATUS_VALUE, MESSAGE_KIND } from "../src/wire-schema.js";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const protoPath = join(packageDir, "proto", "grapevine.proto");

describe("generated code", () => {
  it("src/gen is what scripts/generate.mjs produces from the current .proto", () => {
    const out = mkdtempSync(join(tmpdir(), "grapevine-gen-"));
    try {
      execFileSync(process.execPath, [join(packageDir, "scripts", "generate.mjs"), out], {
        stdio: "pipe",
      });
      const committed = join(packageDir, "src", "gen");
      expect(readdirSync(out).sort()).toEqual(readdirSync(committed).sort());
      for (const file of readdirSync(out)) {
        const fresh = readFileSync(join(out, file), "utf8");
        const stale = readFileSync(join(committed, file), "utf8");
        // A plain boolean keeps the failure short; the fix is always `pnpm generate`.
        expect(fresh === stale, `src/gen/${file} is stale: run \`pnpm generate\``).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 30_000);
});

describe("field numbers used by the hand-written codec", () => {
  const root = protobuf.loadSync(protoPath);
  const v1 = "grapevine.v1";

  it("message kinds match the Message oneof", () => {
    const message = root.lookupType(`${v1}.Message`);
    const oneof = message.oneofs.kind!;
    const byName: Record<string, number> = {};
    for (const field of oneof.fieldsArray) byName[field.name] = field.id;
    expect(byName).toEqual({
      ping: MESSAGE_KIND.ping,
      pingReq: MESSAGE_KIND["ping-req"],
      ack: MESSAGE_KIND.ack,
      nack: MESSAGE_KIND.nack,
      alive: MESSAGE_KIND.alive,
      suspect: MESSAGE_KIND.suspect,
      dead: MESSAGE_KIND.dead,
      stateSyn: MESSAGE_KIND["state-syn"],
      stateSynAck: MESSAGE_KIND["state-syn-ack"],
      stateAck: MESSAGE_KIND["state-ack"],
      stateDelta: MESSAGE_KIND["state-delta"],
      pushPull: MESSAGE_KIND["push-pull"],
      user: MESSAGE_KIND.user,
    });
  });

  it("member statuses match the MemberStatus enum", () => {
    const values = root.lookupEnum(`${v1}.MemberStatus`).values;
    expect(values).toEqual({
      MEMBER_STATUS_UNSPECIFIED: 0,
      MEMBER_STATUS_ALIVE: MEMBER_STATUS_VALUE.alive,
      MEMBER_STATUS_SUSPECT: MEMBER_STATUS_VALUE.suspect,
      MEMBER_STATUS_DEAD: MEMBER_STATUS_VALUE.dead,
      MEMBER_STATUS_LEFT: MEMBER_STATUS_VALUE.left,
    });
  });

  it("every field number fits a one-byte tag and fields are numbered 1..n", () => {
    // The decoder treats field numbers 1..n as known and above n as unknown; that needs each
    // message's fields to be numbered densely from 1.
    for (const type of Object.values(root.lookup(v1)!.toJSON().nested ?? {})) {
      const fields = (type as { fields?: Record<string, { id: number }> }).fields;
      if (fields === undefined) continue;
      const ids = Object.values(fields)
        .map((f) => f.id)
        .sort((a, b) => a - b);
      expect(ids).toEqual(ids.map((_, i) => i + 1));
      expect(Math.max(...ids)).toBeLessThanOrEqual(15);
    }
  });
});
