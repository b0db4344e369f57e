import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import {
  browserRequired,
  CHROMIUM_ARGS,
  chromiumPath,
  launchChromium,
} from "@grapevine/browser-testing";
import { associatedData, Keyring } from "@grapevine/cluster";
import { WIRE_VERSION } from "@grapevine/codec";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AgentHandle,
  killAll,
  runCliProcess,
} from "../../../apps/agent/test/helpers/cli-process.js";
import { buildPage } from "../src/bundle.js";
import type { MemberPage } from "../src/member-api.js";

/*
 * A Chromium tab joins a cluster of three real agents (separate processes, encrypted, `local`
 * preset) over ws:// and over wss:// (the agents' certificate is from a test CA; Chromium is told
 * to accept that certificate's key), shows up in every agent's `grapevine members`, sets a key every agent sees,
 * sees a key an agent sets, and once the tab is closed is declared dead (or left) by every agent.
 */

const missing = chromiumPath() === undefined;
if (missing && browserRequired()) {
  throw new Error("Chromium is required here (CI): apt-get install chromium");
}

// The agents' test PKI (apps/agent/test/fixtures/http-tls/make.sh): a CA and a certificate for
// 127.0.0.1 signed by it.
const PKI = new URL("../../../apps/agent/test/fixtures/http-tls/", import.meta.url).pathname;
const KEY = randomBytes(32).toString("base64");

// What the page's functions, run by Playwright inside the tab, see there.
declare const window: { grapevineMember: MemberPage };
declare const document: { querySelectorAll(selector: string): { length: number } };

/**
 * Worst case to declare a silent member dead with the `local` preset and four members: every
 * agent has probed the tab within one round of the member list (3 × 1 s) plus a period, and the
 * Lifeguard suspicion timeout is at most 6 × 3 s (before any confirmation). Measured times are
 * printed (they are typically a few seconds).
 */
const DETECTION_BOUND_MS = 3 * 1000 + 1000 + 6 * 3000;

/**
 * SHA-256 of a certificate's public key, base64, for `--ignore-certificate-errors-spki-list`.
 * Chromium has no flag that adds a root CA (on Linux it reads roots from an NSS database), and
 * the flag matches the server's own key, not its issuer's: so the tab is told to accept exactly
 * the agents' certificate (issued by the test CA, which the agents trust among themselves).
 */
function spkiHash(pemFile: string): string {
  const der = new X509Certificate(readFileSync(pemFile)).publicKey.export({
    type: "spki",
    format: "der",
  });
  return createHash("sha256").update(der).digest("base64");
}

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".map": "application/json",
};

async function servePage(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const file = path === "/" ? "index.html" : path.slice(1);
    if (!/^[\w.-]+$/.test(file)) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(dir, file)).then(
      (body) =>
        res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "text/plain" }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

async function members(agent: AgentHandle): Promise<Array<{ name: string; status: string }>> {
  const res = await fetch(`${agent.http}/v1/members`);
  return ((await res.json()) as { members: Array<{ name: string; status: string }> }).members;
}

async function statusAt(agent: AgentHandle, name: string): Promise<string | undefined> {
  return (await members(agent)).find((m) => m.name === name)?.status;
}

/**
 * Polls `check` every 50 ms until it is true; fails after `timeoutMs`, with `seen()` (what was
 * last observed) in the message when given. Resolves the ms taken.
 */
async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  seen?: () => string,
) {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) {
      const last = seen === undefined ? "" : ` (last seen: ${seen()})`;
      throw new Error(`timed out waiting for ${what}${last}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return performance.now() - started;
}

/** Whether every agent lists `name` with `status`; `last` keeps what each listed, for a failure. */
async function everyAgentLists(
  agents: readonly AgentHandle[],
  name: string,
  status: string,
  last: Map<string, string | undefined>,
): Promise<boolean> {
  const statuses = await Promise.all(agents.map((a) => statusAt(a, name)));
  for (const [i, agent] of agents.entries()) last.set(agent.name, statuses[i]);
  return statuses.every((s) => s === status);
}

/** `last` as `agent: status, …`. */
function listed(last: Map<string, string | undefined>): string {
  return [...last].map(([agent, status]) => `${agent}: ${status ?? "not listed"}`).join(", ");
}

async function cli(agent: AgentHandle, args: readonly string[]): Promise<string> {
  const r = await runCliProcess([...args, "--http", agent.httpAddress]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe.skipIf(missing)("a browser tab as a cluster member, against real agents", () => {
  let pageDir = "";
  let site: { server: Server; url: string };
  const detection: string[] = [];

  beforeAll(async () => {
    pageDir = await mkdtemp(join(tmpdir(), "grapevine-browser-member-"));
    await buildPage(pageDir);
    site = await servePage(pageDir);
  });

  afterAll(async () => {
    killAll();
    await new Promise<void>((resolve) => site?.server.close(() => resolve()));
    if (detection.length > 0) console.log(detection.join("\n"));
  });

  for (const scheme of ["ws", "wss"] as const) {
    it(`over ${scheme}://: joins, is listed by every agent, shares keys both ways, and its closing is detected`, async () => {
      // No --tls-ca: with it the agent requires client certificates (mutual TLS), which a
      // browser tab cannot present. The agents trust the test CA for each other through Node's
      // NODE_EXTRA_CA_CERTS instead.
      const tls =
        scheme === "wss" ? ["--tls-cert", `${PKI}server.pem`, "--tls-key", `${PKI}server.key`] : [];
      const env: Record<string, string> =
        scheme === "wss" ? { NODE_EXTRA_CA_CERTS: `${PKI}ca.pem` } : {};
      const agents: AgentHandle[] = [];
      let browser: Browser | undefined;
      try {
        for (const n of [1, 2, 3]) {
          const seed = agents[0]?.addresses.find((a) => a.startsWith(`${scheme}://`));
          const agent = new AgentHandle(
            [
              "--name",
              `${scheme}-agent-${n}`,
              "--bind",
              `${scheme}://127.0.0.1:0/gossip`,
              "--http",
              "127.0.0.1:0",
              "--preset",
              "local",
              "--encrypt",
              KEY,
              ...tls,
              ...(seed ? ["--join", seed] : []),
            ],
            env,
          );
          agents.push(await agent.ready());
        }
        const seed = agents[0]!.addresses.find((a) => a.startsWith(`${scheme}://`))!;
        // wss: launchChromium's flags plus the agents' certificate key (see spkiHash).
        browser =
          scheme === "ws"
            ? await launchChromium()
            : await chromium.launch({
                executablePath: chromiumPath()!,
                headless: true,
                args: [
                  ...CHROMIUM_ARGS,
                  `--ignore-certificate-errors-spki-list=${spkiHash(`${PKI}server.pem`)}`,
                ],
              });
        const page: Page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        const tab = `tab-${scheme}`;
        const fragment = new URLSearchParams({ seed, name: tab, key: KEY, preset: "local" });
        await page.goto(`${site.url}#${fragment}`);
        const joined = await page.evaluate(() => window.grapevineMember.ready);
        expect(joined, errors.join("\n")).toBe(1);

        // Listed alive by every agent, through the CLI.
        await until(
          `every agent to list ${tab} alive`,
          async () =>
            (await Promise.all(agents.map((a) => statusAt(a, tab)))).every((s) => s === "alive"),
          15_000,
        );
        for (const agent of agents) {
          const listed = JSON.parse(await cli(agent, ["members", "--json"])) as Array<{
            name: string;
            status: string;
            addresses: string[];
          }>;
          const row = listed.find((m) => m.name === tab);
          expect(row?.status).toBe("alive");
          expect(row?.addresses[0]).toMatch(/^ws-client:\/\/[0-9a-f]{16}$/);
        }
        // The page shows every agent alive too.
        await page.waitForFunction(
          (n) => document.querySelectorAll('tr[data-status="alive"]').length === n,
          4,
          { timeout: 15_000 },
        );

        // A key set in the tab reaches every agent; a key set by an agent reaches the tab.
        await page.evaluate(() => window.grapevineMember.set("greeting", "hello from the tab"));
        for (const agent of agents) {
          await until(
            `${agent.name} to hold the tab's key`,
            async () => {
              const r = await fetch(`${agent.http}/v1/kv/greeting?owner=${tab}`);
              return (
                r.ok && ((await r.json()) as { value?: string }).value === "hello from the tab"
              );
            },
            10_000,
          );
        }
        expect((await cli(agents[2]!, ["get", tab, "greeting"])).trim()).toBe("hello from the tab");
        await cli(agents[1]!, ["set", "motd", `agent says hi over ${scheme}`]);
        const agentName = agents[1]!.name;
        await page.waitForFunction(
          ([owner, value]) => window.grapevineMember.getText("motd", owner!) === value,
          [agentName, `agent says hi over ${scheme}`],
          { timeout: 10_000 },
        );
        expect(errors).toEqual([]);

        // The keyring, explicitly: Node seals, Chromium's Web Crypto opens, and back.
        const node = new Keyring([KEY]);
        const ad = associatedData(WIRE_VERSION, "");
        const fromNode = Buffer.from(node.seal(Buffer.from("sealed in Node"), ad)).toString(
          "base64",
        );
        expect(await page.evaluate((s) => window.grapevineMember.open(s), fromNode)).toBe(
          "sealed in Node",
        );
        const fromTab = await page.evaluate(() =>
          window.grapevineMember.seal("sealed in Chromium"),
        );
        const opened = node.open(Buffer.from(fromTab, "base64"), ad);
        expect(opened.ok && Buffer.from(opened.plaintext).toString()).toBe("sealed in Chromium");
        const tampered = Buffer.from(fromNode, "base64");
        tampered[20]! ^= 1;
        expect(
          await page.evaluate((s) => window.grapevineMember.open(s), tampered.toString("base64")),
        ).toBeUndefined();

        // A second tab that leaves: every agent lists it left.
        const second = await browser.newPage();
        const leaver = `${tab}-leaves`;
        const leaverFragment = new URLSearchParams({
          seed,
          name: leaver,
          key: KEY,
          preset: "local",
        });
        await second.goto(`${site.url}#${leaverFragment}`);
        expect(await second.evaluate(() => window.grapevineMember.ready)).toBe(1);
        const last = new Map<string, string | undefined>();
        await until(
          `every agent to list ${leaver} alive`,
          () => everyAgentLists(agents, leaver, "alive", last),
          15_000,
          () => listed(last),
        );
        const leftAt = performance.now();
        await second.evaluate(() => window.grapevineMember.leave());
        await until(
          `every agent to list ${leaver} left`,
          () => everyAgentLists(agents, leaver, "left", last),
          10_000,
          () => listed(last),
        );
        detection.push(
          `${scheme}: leave() → left at every agent ${((performance.now() - leftAt) / 1000).toFixed(1)} s after the call`,
        );
        await second.close();

        // Close the tab: every agent declares it dead (or left) within the detection bound.
        const closedAt = performance.now();
        await page.close();
        const times = await Promise.all(
          agents.map(async (agent) => {
            await until(
              `${agent.name} to declare ${tab} dead`,
              async () => {
                const s = await statusAt(agent, tab);
                return s === "dead" || s === "left";
              },
              DETECTION_BOUND_MS + 5_000,
            );
            return {
              agent: agent.name,
              ms: performance.now() - closedAt,
              status: await statusAt(agent, tab),
            };
          }),
        );
        detection.push(
          `${scheme}: tab closed → ${times.map((t) => `${t.agent} ${t.status} after ${(t.ms / 1000).toFixed(1)} s`).join(", ")}`,
        );
        for (const t of times) expect(t.ms).toBeLessThanOrEqual(DETECTION_BOUND_MS);
        for (const agent of agents) {
          const listed = JSON.parse(await cli(agent, ["members", "--json"])) as Array<{
            name: string;
            status: string;
          }>;
          expect(["dead", "left"]).toContain(listed.find((m) => m.name === tab)?.status);
        }
      } finally {
        await browser?.close();
        for (const a of agents) a.child.kill("SIGKILL");
      }
    });
  }
});
