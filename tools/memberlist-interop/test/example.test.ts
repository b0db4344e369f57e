/**
 * The README's example of joining a Go cluster (examples/join-go-cluster.ts), run as it is
 * against 3 Go memberlist nodes.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  buildGoTool,
  childEnv,
  GoCluster,
  goMissing,
  goRequired,
  joinGoNodes,
  REPO_ROOT,
  TS_NODE_ARGS,
} from "../src/index.js";

const run = goMissing() === undefined || goRequired();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe.skipIf(!run)("examples/join-go-cluster.ts", () => {
  it("joins a Go cluster, says hello to the Go nodes, and leaves on SIGTERM", async () => {
    const go = await GoCluster.start(buildGoTool(), { nodes: 3 });
    cleanups.push(() => go.stop());
    await joinGoNodes(go, 3);
    const example = fileURLToPath(new URL("../examples/join-go-cluster.ts", import.meta.url));
    const child = spawn(process.execPath, [...TS_NODE_ARGS, example], {
      cwd: REPO_ROOT,
      env: { ...childEnv(), MEMBERLIST_SEED: `udp://${go.addresses[0]}` },
      stdio: "pipe",
    });
    cleanups.push(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no join line within 20 s: ${lines.join(" | ")}`)),
        20_000,
      );
      createInterface({ input: child.stdout }).on("line", (line) => {
        lines.push(line);
        if (line === "1 seed answered; 4 members alive") {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    for (const name of ["go-0", "go-1", "go-2"]) expect(lines).toContain(`joined: ${name}`);
    await go.waitFor((e) => e.event === "user" && e.payload === "hello from Node.js", 5_000);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    await go.waitFor((e) => e.event === "leave" && e.member === "node-service-1", 5_000);
  }, 60_000);
});
