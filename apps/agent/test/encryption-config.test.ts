import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { Keyring } from "@grapevine/cluster";
import { describe, expect, it } from "vitest";
import { flagsLayer } from "../src/commands/agent.js";
import { keyListText, keyOpText } from "../src/commands/keys.js";
import { resolveConfig } from "../src/config.js";
import { UsageError } from "../src/errors.js";
import type { KeyOpReport } from "../src/key-ops.js";
import { loadKeyring, writeKeyringFile } from "../src/keyring-file.js";
import type { AgentLogger } from "../src/logger.js";

const base = { flags: {}, env: {}, hostname: "host-a" };
const key = () => Buffer.from(Keyring.generateKey()).toString("base64");

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "grapevine-keyring-"));
}

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error("expected a UsageError");
}

/** A logger that keeps what it was given, as one line per call. */
function memoryLogger(): { logger: AgentLogger; lines: string[] } {
  const lines: string[] = [];
  const log = (a: unknown, b?: unknown) => lines.push(JSON.stringify([a, b]));
  return { logger: { info: log, warn: log } as unknown as AgentLogger, lines };
}

describe("encryption settings", () => {
  it("are off without a key, and required by default with one", () => {
    const off = resolveConfig(base);
    expect(off.encryption).toBe("off");
    expect(off.encryptKey).toBeUndefined();
    const k = key();
    const on = resolveConfig({ ...base, flags: flagsLayer({ encrypt: k }) });
    expect(on.encryption).toBe("required");
    expect(on.encryptKey?.primary).toBe(Keyring.fingerprint(k));
    // The configuration never prints the key.
    expect(inspect(on, { depth: 5 })).not.toContain(k);
    expect(JSON.stringify(on)).not.toContain(k);
  });

  it("come from flags over environment over config file", () => {
    const [kFlag, kEnv, kFile] = [key(), key(), key()];
    const file = {
      path: "agent.yaml",
      data: { encrypt: kFile, keyring: "/f", encryption: "open-only" },
    };
    const fromFile = resolveConfig({ ...base, file });
    expect(fromFile).toMatchObject({ keyringFile: "/f", encryption: "open-only" });
    expect(fromFile.encryptKey?.primary).toBe(Keyring.fingerprint(kFile));
    const env = {
      GRAPEVINE_ENCRYPT: kEnv,
      GRAPEVINE_KEYRING: "/e",
      GRAPEVINE_ENCRYPTION: "accept-plaintext",
    };
    const fromEnv = resolveConfig({ ...base, env, file });
    expect(fromEnv).toMatchObject({ keyringFile: "/e", encryption: "accept-plaintext" });
    expect(fromEnv.encryptKey?.primary).toBe(Keyring.fingerprint(kEnv));
    const fromFlags = resolveConfig({
      ...base,
      env,
      file,
      flags: flagsLayer({ encrypt: kFlag, encryption: "required" }),
    });
    expect(fromFlags.encryption).toBe("required");
    expect(fromFlags.encryptKey?.primary).toBe(Keyring.fingerprint(kFlag));
    // A keyring file alone turns encryption on too.
    expect(resolveConfig({ ...base, flags: flagsLayer({ keyring: "/k" }) }).encryption).toBe(
      "required",
    );
  });

  it("reject bad keys and modes without quoting them", () => {
    const short = Buffer.from(Keyring.generateKey()).subarray(0, 20).toString("base64");
    const m1 = usageError(() => resolveConfig({ ...base, flags: { encrypt: short } }));
    expect(m1).toMatch(/^--encrypt: the key is 20 bytes; a key is 16, 24 or 32 bytes/);
    expect(m1).not.toContain(short);
    const junk = `${key()}!`;
    const m2 = usageError(() => resolveConfig({ ...base, env: { GRAPEVINE_ENCRYPT: junk } }));
    expect(m2).toMatch(/^GRAPEVINE_ENCRYPT: the key is not standard base64/);
    expect(m2).not.toContain(junk.slice(0, 20));
    // A key given to --encryption by mistake is not echoed either.
    const k = key();
    const m3 = usageError(() => resolveConfig({ ...base, flags: { encrypt: k, encryption: k } }));
    expect(m3).toBe("--encryption: expected one of open-only, accept-plaintext, required");
    expect(usageError(() => resolveConfig({ ...base, flags: { encryption: "required" } }))).toMatch(
      /^--encryption: needs a key \(--encrypt KEY or --keyring FILE\)/,
    );
    expect(
      usageError(() => resolveConfig({ ...base, file: { path: "a.yaml", data: { encrypt: 5 } } })),
    ).toMatch(/^config file a.yaml: encrypt: expected a base64 key/);
  });
});

describe("the keyring file", () => {
  it("is created from --encrypt with mode 0600, and wins over --encrypt afterwards", () => {
    const dir = tempDir();
    const path = join(dir, "keyring.json");
    const [k1, k2] = [key(), key()];
    const first = resolveConfig({ ...base, flags: flagsLayer({ encrypt: k1, keyring: path }) });
    const created = loadKeyring(first);
    expect(created.file).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ keys: [k1] });
    // Rotations change the live keyring, not the configuration's key.
    created.keyring?.install(k2);
    created.keyring?.use(k2);
    expect(first.encryptKey?.size).toBe(1);
    writeKeyringFile(path, created.keyring!);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ keys: [k2, k1] });

    // Restarted with the old --encrypt: the file (the later rotation) wins, with a warning.
    const again = loadKeyring(first);
    expect(again.keyring?.primary).toBe(Keyring.fingerprint(k2));
    const { logger, lines } = memoryLogger();
    again.log(logger);
    expect(lines.join("\n")).toMatch(/--encrypt ignored/);
    expect(lines.join("\n")).not.toContain(k1);
    expect(lines.join("\n")).not.toContain(k2);
  });

  it("refuses a missing file without a key, and a corrupt one without quoting it", () => {
    const dir = tempDir();
    const missing = resolveConfig({ ...base, flags: { keyring: join(dir, "none.json") } });
    expect(usageError(() => loadKeyring(missing))).toMatch(/no such file; give --encrypt KEY/);
    const k = key();
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ keys: [k.slice(0, 20)] }), { mode: 0o600 });
    const message = usageError(() =>
      loadKeyring(resolveConfig({ ...base, flags: { keyring: bad } })),
    );
    expect(message).toMatch(/keys\[0\]/);
    expect(message).not.toContain(k.slice(0, 20));
    writeFileSync(bad, `{"keys": ["${k}"`, { mode: 0o600 });
    expect(
      usageError(() => loadKeyring(resolveConfig({ ...base, flags: { keyring: bad } }))),
    ).toMatch(/is not valid JSON$/);
  });

  it("warns when others can read it", () => {
    const dir = tempDir();
    const path = join(dir, "open.json");
    writeFileSync(path, JSON.stringify({ keys: [key()] }), { mode: 0o644 });
    const { logger, lines } = memoryLogger();
    loadKeyring(resolveConfig({ ...base, flags: { keyring: path } })).log(logger);
    expect(lines.join("\n")).toMatch(/readable by others; chmod 600/);
  });
});

describe("keys output", () => {
  it("prints an operation's result per member", () => {
    const report: KeyOpReport = {
      op: "install",
      fingerprint: "0123456789abcdef",
      members: 3,
      acked: ["a"],
      failed: [{ name: "b", error: "boom" }],
      missing: ["c"],
      down: ["d"],
    };
    expect(keyOpText(report)).toBe(
      [
        "key 0123456789abcdef installed on 1 of 3 members",
        "",
        "MEMBER  RESULT",
        "a       ok",
        "b       failed: boom",
        "c       no answer",
        "d       down: not asked (run it again once it is back)",
      ].join("\n"),
    );
  });

  it("prints each key with its holders, and the primaries when members disagree", () => {
    const report: KeyOpReport = {
      op: "list",
      members: 3,
      acked: ["a", "b"],
      failed: [],
      missing: ["c"],
      down: [],
      keys: [
        { fingerprint: "1111111111111111", members: 2, primary: 1, primaryOn: ["a"] },
        { fingerprint: "2222222222222222", members: 2, primary: 1, primaryOn: ["b"] },
      ],
      nodes: [
        { name: "a", primary: "1111111111111111", keys: ["1111111111111111", "2222222222222222"] },
        { name: "b", primary: "2222222222222222", keys: ["2222222222222222", "1111111111111111"] },
      ],
    };
    expect(keyListText(report)).toBe(
      [
        "2 of 3 members answered",
        "",
        "KEY               HELD BY  PRIMARY ON",
        "1111111111111111  2/2      1/2",
        "2222222222222222  2/2      1/2",
        "",
        "members disagree on the primary key:",
        "MEMBER  PRIMARY",
        "a       1111111111111111",
        "b       2222222222222222",
        "",
        "c did not answer",
      ].join("\n"),
    );
  });
});
