import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { browserRequired, chromiumPath, launchChromium } from "@grapevine/browser-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../src/http-tokens.js";
import { AgentHandle, killAll, runCliProcess, waitForMember } from "./helpers/cli-process.js";
import { ARTIFACTS_DIR, ensureUiBuilt } from "./helpers/ui-build.js";

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser["newPage"]>>;

const missing = chromiumPath() === undefined;
if (missing && browserRequired()) {
  throw new Error("Chromium is required here (CI): apt-get install chromium");
}

const SHOTS = join(ARTIFACTS_DIR, "dashboard");

/** `grapevine agent` on loopback with the quick `local` timing. */
function startAgent(name: string, extra: readonly string[] = []): Promise<AgentHandle> {
  return new AgentHandle([
    "--name",
    name,
    "--bind",
    "udp://127.0.0.1:0",
    "--http",
    "127.0.0.1:0",
    "--preset",
    "local",
    ...extra,
  ]).ready();
}

/**
 * A loopback proxy in front of an agent that can cut the page's event streams and refuse new
 * ones, as a flaky network or a restarting proxy would. Records every `Last-Event-ID` it sees.
 */
async function streamCutter(target: string) {
  const streams = new Set<ServerResponse>();
  const lastEventIds: string[] = [];
  let down = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const isStream = (req.url ?? "").startsWith("/v1/events");
    if (isStream) {
      const id = req.headers["last-event-id"];
      if (typeof id === "string") lastEventIds.push(id);
      if (down) {
        res.writeHead(503).end();
        return;
      }
      streams.add(res);
      res.on("close", () => streams.delete(res));
    }
    const url = new URL(target);
    const upstream = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.url,
        // The page's origin is the proxy's; the agent sees its own, as without the proxy.
        headers: {
          ...req.headers,
          host: url.host,
          ...(req.headers.origin === undefined ? {} : { origin: url.origin }),
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        res.on("close", () => answer.destroy());
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lastEventIds,
    /** Cuts every open stream and refuses new ones until {@link restore}. */
    cut() {
      down = true;
      for (const res of streams) res.destroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const row = (name: string, status: string) => `tr[data-member="${name}"][data-status="${status}"]`;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

describe.skipIf(missing && !browserRequired())("the dashboard in Chromium", () => {
  let browser: Browser;
  /** Script errors and console errors of the page opened last. */
  let pageErrors: string[] = [];

  beforeAll(async () => {
    ensureUiBuilt();
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    killAll();
  });

  async function open(url: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    pageErrors = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    page.on("console", (msg) => {
      if (msg.type() === "error") pageErrors.push(msg.text());
    });
    await page.goto(url);
    return page;
  }

  it("follows three real agents live: members, a CLI key, a refuted suspicion, a kill -9 to suspect and dead", async () => {
    // A longer suspicion than `local`'s (about 6 s instead of 3 s before a suspect is dead), so
    // that a stopped agent has time to refute once it runs again, even on a busy machine.
    const dir = mkdtempSync(join(tmpdir(), "grapevine-dash-"));
    const config = join(dir, "agent.json");
    writeFileSync(config, JSON.stringify({ swim: { suspicionMult: 6 } }));
    const slow = ["--config", config];
    const a = await startAgent("dash-a", [...slow, "--tag", "role=ui"]);
    const [b, c] = await Promise.all([
      startAgent("dash-b", [...slow, "--join", a.addresses[0]!, "--tag", "role=web"]),
      startAgent("dash-c", [...slow, "--join", a.addresses[0]!, "--tag", "role=db"]),
    ]);
    await waitForMember(a.http, "dash-b", "alive");
    await waitForMember(a.http, "dash-c", "alive");

    const page = await open(`${a.http}/ui`);
    expect(new URL(page.url()).pathname).toBe("/ui/");
    for (const name of ["dash-a", "dash-b", "dash-c"]) {
      await page.waitForSelector(row(name, "alive"), { timeout: 10_000 });
    }
    await page.waitForSelector('[data-stream="live"]', { timeout: 10_000 });
    expect(await page.locator("tbody tr[data-member]").count()).toBe(3);
    await shot(page, "1-three-alive");

    // A key set on another agent through the CLI reaches this page within 2 s.
    const set = await runCliProcess(["set", "color", "teal", "--http", c.httpAddress]);
    expect(set.code, set.stderr).toBe(0);
    const started = Date.now();
    await page.waitForSelector('tr[data-owner="dash-c"][data-key="color"]', { timeout: 2000 });
    const keyMs = Date.now() - started;
    const cells = await page
      .locator('tr[data-owner="dash-c"][data-key="color"] td')
      .allTextContents();
    expect(cells).toEqual(["dash-c", "color", "teal", expect.stringMatching(/^\d+$/)]);
    console.log(`dashboard: key from the CLI shown after ${keyMs} ms`);
    await shot(page, "2-key-set");

    // The members table filters and sorts.
    await page.fill('input[aria-label="filter members"]', "role=db");
    await page.waitForFunction('document.querySelectorAll("tbody tr[data-member]").length === 1');
    expect(await page.locator("tbody tr[data-member]").getAttribute("data-member")).toBe("dash-c");
    await page.fill('input[aria-label="filter members"]', "");
    await page.click('th button:has-text("Name")');
    await page.waitForFunction(
      'document.querySelector("tbody tr[data-member]")?.getAttribute("data-member") === "dash-c"',
    );

    // The stats panel aggregates what every agent publishes (its RSS among them) and charts it.
    const rssNodes = page.locator('tr[data-stat="rss_mb"] td[data-nodes]');
    await rssNodes.filter({ hasText: /^3$/ }).waitFor({ timeout: 30_000 });
    expect(await page.locator('tr[data-stat="rss_mb"] svg.spark polyline').count()).toBe(2);

    // A stopped agent is suspected; running again, it refutes: the timeline marks the refutation.
    b.kill("SIGSTOP");
    await page.waitForSelector(row("dash-b", "suspect"), { timeout: 15_000 });
    b.kill("SIGCONT");
    await page.waitForSelector(row("dash-b", "alive"), { timeout: 15_000 });
    const refuted = page.locator('li[data-member="dash-b"][data-from="suspect"][data-to="alive"]');
    await refuted.first().waitFor({ timeout: 2000 });
    expect(await refuted.first().getAttribute("data-refuted")).toBe("true");
    expect(await refuted.first().textContent()).toContain("refuted");

    // kill -9: the row turns suspect, then dead; the timeline shows both transitions.
    const killedAt = Date.now();
    c.kill("SIGKILL");
    await page.waitForSelector(row("dash-c", "suspect"), { timeout: 15_000 });
    const suspectMs = Date.now() - killedAt;
    await shot(page, "3-suspect");
    await page.waitForSelector(row("dash-c", "dead"), { timeout: 30_000 });
    const deadMs = Date.now() - killedAt;
    await page.waitForSelector('li[data-member="dash-c"][data-to="suspect"]', { timeout: 2000 });
    await page.waitForSelector('li[data-member="dash-c"][data-from="suspect"][data-to="dead"]', {
      timeout: 2000,
    });
    console.log(`dashboard: kill -9 shown suspect after ${suspectMs} ms, dead after ${deadMs} ms`);
    await shot(page, "4-dead");
    expect(pageErrors).toEqual([]);
    await page.close();
    for (const agent of [a, b]) agent.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("reconnects by itself after the stream drops, with Last-Event-ID, and misses nothing", async () => {
    const a = await startAgent("dash-r1");
    const proxy = await streamCutter(a.http);
    try {
      const page = await open(`${proxy.url}/ui/`);
      await page.waitForSelector('[data-stream="live"]', { timeout: 10_000 });
      // An event before the drop, so the page has an event id to resume from.
      const set = await runCliProcess(["set", "before", "drop", "--http", a.httpAddress]);
      expect(set.code, set.stderr).toBe(0);
      await page.waitForSelector('tr[data-owner="dash-r1"][data-key="before"]', { timeout: 5000 });
      proxy.cut();
      await page.waitForSelector('[data-stream="retrying"]', { timeout: 5000 });
      // Joins while the page has no stream: only the replay can put it on the timeline.
      const b = await startAgent("dash-r2", ["--join", a.addresses[0]!]);
      await waitForMember(a.http, "dash-r2", "alive");
      proxy.restore();
      await page.waitForSelector('[data-stream="live"]', { timeout: 15_000 });
      await page.waitForSelector('li[data-member="dash-r2"][data-to="alive"]', { timeout: 5000 });
      expect(proxy.lastEventIds.length).toBeGreaterThan(0);
      expect(Number(proxy.lastEventIds.at(-1))).toBeGreaterThan(0);
      await shot(page, "5-reconnected");
      // The refused reconnections are logged by the browser; nothing else went wrong.
      expect(pageErrors.filter((e) => !/503|ERR_/.test(e))).toEqual([]);
      await page.close();
      b.kill("SIGKILL");
    } finally {
      await proxy.close();
      a.kill("SIGKILL");
    }
  });

  it("asks for the API token when the agent wants one, and works with it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grapevine-dash-auth-"));
    const token = randomBytes(32).toString("hex");
    const file = join(dir, "tokens.json");
    writeFileSync(
      file,
      JSON.stringify({ tokens: [{ name: "viewer", scope: "read", sha256: hashToken(token) }] }),
    );
    const agent = await startAgent("dash-locked", ["--http-token-file", file]);
    try {
      const page = await open(`${agent.http}/ui/`);
      await page.waitForSelector('input[aria-label="API token"]', { timeout: 10_000 });
      await shot(page, "6-token-form");
      await page.fill('input[aria-label="API token"]', "not-the-token");
      await page.click('button[type="submit"]');
      await page.waitForSelector("text=The token was refused", { timeout: 10_000 });
      await page.fill('input[aria-label="API token"]', token);
      await page.click('button[type="submit"]');
      await page.waitForSelector(row("dash-locked", "alive"), { timeout: 10_000 });
      await page.waitForSelector('[data-stream="live"]', { timeout: 10_000 });
      // Kept in this tab's session storage only: not in the URL, not in a cookie.
      expect(page.url()).not.toContain(token);
      expect(await page.context().cookies()).toEqual([]);
      expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
      expect(await page.content()).not.toContain(token);
      await page.close();
      expect(pageErrors.filter((e) => !/401/.test(e))).toEqual([]);
    } finally {
      agent.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
