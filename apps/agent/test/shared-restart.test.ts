/**
 * Cluster-scoped keys in the agent's snapshot: a key acknowledged by `config set` survives a
 * SIGKILL, and the agent restarted alone (no peer to learn it from) still has it. Real agent
 * processes on loopback.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSnapshot } from "../src/snapshot.js";
import { runCliInProcess } from "./helpers/cli-in-process.js";
import { AgentHandle, killAll } from "./helpers/cli-process.js";

const LOCAL = ["--bind", "udp://127.0.0.1:0", "--http", "127.0.0.1:0", "--preset", "local"];

const cli = (args: string[]) => runCliInProcess(args);

afterAll(() => killAll());

describe("cluster-scoped keys across a restart", () => {
  it("an acknowledged config set survives SIGKILL and is there after a restart with no peer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grapevine-shared-"));
    const args = ["--name", "sr-a", ...LOCAL, "--data-dir", dir];
    const first = await new AgentHandle(args).ready();
    expect(
      await cli(["config", "set", "flags/checkout", "on", "--http", first.httpAddress]),
    ).toMatchObject({ code: 0 });
    expect(
      await cli(["config", "set", "flags/gone", "x", "--http", first.httpAddress]),
    ).toMatchObject({ code: 0 });
    expect(
      await cli(["config", "delete", "flags/gone", "--http", first.httpAddress]),
    ).toMatchObject({ code: 0 });
    first.kill("SIGKILL");
    await first.exit();
    const saved = readSnapshot(dir);
    expect(saved.kind).toBe("ok");
    if (saved.kind === "ok") {
      expect(saved.snapshot.shared?.entries.map((e) => [e.key, e.tombstone]).sort()).toEqual([
        ["flags/checkout", false],
        ["flags/gone", true],
      ]);
    }

    const second = await new AgentHandle(args).ready();
    await second.waitLog(/cluster config restored from the snapshot/);
    const get = await cli(["config", "get", "flags/checkout", "--http", second.httpAddress]);
    expect(get).toMatchObject({ code: 0, stdout: "on\n" });
    const gone = await cli(["config", "get", "flags/gone", "--http", second.httpAddress]);
    expect(gone.code).toBe(1);
    // The restarted agent's own write wins over the one it made before the restart.
    await cli(["config", "set", "flags/checkout", "off", "--http", second.httpAddress]);
    const after = await cli(["config", "get", "flags/checkout", "--http", second.httpAddress]);
    expect(after.stdout).toBe("off\n");
    second.kill("SIGTERM");
    expect((await second.exit()).code).toBe(0);
  }, 60_000);
});
