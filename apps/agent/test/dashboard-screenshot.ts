/**
 * Takes the dashboard screenshot of the README: five agents as `grapevine demo` runs them, with
 * keys, a cluster configuration key and an encrypted keyring; node-4 leaves and node-5 is killed
 * (`kill -9`), and the page of node-1 is captured once node-5 is dead.
 *
 *   pnpm --filter @grapevine/agent screenshot [out.png]   (default: docs/dashboard.png)
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { launchChromium } from "@grapevine/browser-testing";
import { AgentHandle, killAll, runCliProcess, waitForMember } from "./helpers/cli-process.js";
import { ensureUiBuilt } from "./helpers/ui-build.js";

const out = resolve(process.argv[2] ?? new URL("../docs/dashboard.png", import.meta.url).pathname);
const key = randomBytes(32).toString("base64");
const roles = ["api", "api", "worker", "worker", "cache"];

async function cli(...args: string[]): Promise<void> {
  const r = await runCliProcess(args);
  if (r.code !== 0) throw new Error(`grapevine ${args.join(" ")}: ${r.stderr}`);
}

async function main(): Promise<void> {
  ensureUiBuilt();
  const start = (i: number, seed?: string) =>
    new AgentHandle(
      [
        "--name",
        `node-${i}`,
        "--bind",
        "udp://127.0.0.1:0",
        "--http",
        "127.0.0.1:0",
        "--preset",
        "local",
        "--tag",
        `role=${roles[i - 1]}`,
        "--tag",
        `zone=${i % 2 === 0 ? "b" : "a"}`,
        ...(seed === undefined ? [] : ["--join", seed]),
      ],
      { GRAPEVINE_ENCRYPT: key },
    ).ready();
  const first = await start(1);
  const rest = await Promise.all([2, 3, 4, 5].map((i) => start(i, first.addresses[0])));
  const nodes = [first, ...rest];
  for (const n of rest) await waitForMember(first.http, n.name, "alive");
  await cli("set", "greeting", "hello from node-1", "--http", first.httpAddress);
  await cli("set", "service/http", "127.0.0.1:8080", "--http", nodes[1]!.httpAddress);
  await cli("set", "queue/depth", "17", "--http", nodes[2]!.httpAddress);
  await cli("config", "set", "feature/new-ui", "on", "--http", first.httpAddress);

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 960 } });
    await page.goto(`${first.http}/ui/`);
    await page.waitForSelector('[data-stream="live"]');
    await page.waitForSelector('tr[data-owner="node-3"][data-key="queue/depth"]');
    await cli("leave", "--http", nodes[3]!.httpAddress);
    await page.waitForSelector('tr[data-member="node-4"][data-status="left"]', { timeout: 15_000 });
    nodes[4]!.kill("SIGKILL");
    await page.waitForSelector('tr[data-member="node-5"][data-status="dead"]', { timeout: 30_000 });
    // A few more seconds of traffic for the rate charts.
    await page.waitForTimeout(4000);
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    console.log(`dashboard screenshot: ${out}`);
  } finally {
    await browser.close();
    killAll();
  }
}

main().catch((err) => {
  killAll();
  console.error(err);
  process.exit(1);
});
