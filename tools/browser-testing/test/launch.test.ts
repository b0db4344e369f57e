import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserRequired, chromiumPath, launchChromium } from "../src/index.js";

const missing = chromiumPath() === undefined;
if (missing && browserRequired()) {
  throw new Error("Chromium is required here (CI): apt-get install chromium");
}

describe.skipIf(missing)("launchChromium", () => {
  const server = createServer((_req, res) => {
    res.setHeader("content-type", "text/html");
    res.end("<!doctype html><button id=b onclick=\"this.textContent='clicked'\">go</button>");
  });
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("renders a loopback page and clicks in it", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.click("#b");
      expect(await page.textContent("#b")).toBe("clicked");
    } finally {
      await browser.close();
    }
  });
});
