import type { LookupOneOptions } from "node:dns";
import { describe, expect, it } from "vitest";
import { lookupLiteral } from "./bind-sockets.js";

type Answer = { err: unknown; address: string; family: number };

/** Calls the resolver; `sync` is the answer if it came before the call returned. */
function resolve(host: string, family: number) {
  const lookup = lookupLiteral();
  let sync: Answer | undefined;
  const answer = new Promise<Answer>((done) => {
    let returned = false;
    lookup(host, family as unknown as LookupOneOptions, (err, address, f) => {
      const a = { err, address, family: f };
      if (!returned) sync = a;
      done(a);
    });
    returned = true;
  });
  return { sync, answer };
}

describe("lookupLiteral (the UDP socket's resolver)", () => {
  it("answers an IP literal within the call, with its own family", () => {
    expect(resolve("127.0.0.1", 4).sync).toEqual({ err: null, address: "127.0.0.1", family: 4 });
    expect(resolve("::1", 6).sync).toEqual({ err: null, address: "::1", family: 6 });
    expect(resolve("::ffff:127.0.0.1", 6).sync?.address).toBe("::ffff:127.0.0.1");
  });

  it("still resolves a name, later, through dns.lookup", async () => {
    const { sync, answer } = resolve("localhost", 4);
    expect(sync).toBeUndefined();
    expect(await answer).toEqual({ err: null, address: "127.0.0.1", family: 4 });
  });
});
