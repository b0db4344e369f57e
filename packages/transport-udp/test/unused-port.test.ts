import { connect, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { bindUdp } from "../src/index.js";
import { rejectionCode } from "./helpers.js";
import { unusedPort } from "./unused-port.js";

/** The error code of listening on `port`, or "listening" if it worked. */
async function listenOn(port: number, host: string): Promise<string> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
    server.listen(port, host, () => server.close(() => resolve("listening")));
  });
}

describe("unusedPort (test helper)", () => {
  it("holds a port nobody listens on and nobody can bind, until released", async () => {
    const held = await unusedPort();
    try {
      expect(await listenOn(held.port, "127.0.0.1")).toBe("EADDRINUSE");
      expect(await rejectionCode(bindUdp({ bind: `udp://127.0.0.1:${held.port}` }))).toBe(
        "address-in-use",
      );
      const refused = await new Promise<string>((resolve) => {
        const s = connect(held.port, "127.0.0.1");
        s.once("connect", () => {
          s.destroy();
          resolve("connected");
        });
        s.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
      });
      expect(refused).toBe("ECONNREFUSED");
    } finally {
      held.release();
    }
  });
});
