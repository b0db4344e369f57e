import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Keyring } from "./keyring.js";
import { associatedData, KeyringError, SEAL_OVERHEAD } from "./keyring-format.js";
import { WebCryptoKeyring } from "./web-keyring.js";

const K1 = new Uint8Array(32).fill(7);
const K2 = new Uint8Array(16).fill(9);
const AD = associatedData(1, "prod");
const bytes = (t: string) => new TextEncoder().encode(t);

describe("WebCryptoKeyring: the Node keyring's wire format on Web Crypto", () => {
  it("Node seals, Web Crypto opens, and back, for any plaintext and label (property)", async () => {
    const node = new Keyring([K1]);
    const web = await WebCryptoKeyring.create([K1]);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.string(), async (plain, label) => {
        const ad = associatedData(1, label);
        const fromNode = node.seal(plain, ad);
        const openedByWeb = await web.open(fromNode, ad);
        expect(openedByWeb.ok && [...openedByWeb.plaintext]).toEqual([...plain]);
        const fromWeb = await web.seal(plain, ad);
        expect(fromWeb.length).toBe(plain.length + SEAL_OVERHEAD);
        const openedByNode = node.open(fromWeb, ad);
        expect(openedByNode.ok && [...openedByNode.plaintext]).toEqual([...plain]);
      }),
      { seed: 20, numRuns: 100 },
    );
  });

  it("same fingerprints as the Node keyring, never the key", async () => {
    const web = await WebCryptoKeyring.create([K1, Buffer.from(K2).toString("base64")]);
    expect(web.primary).toBe(Keyring.fingerprint(K1));
    expect(web.list().map((k) => k.fingerprint)).toEqual(
      new Keyring([K1, K2]).list().map((k) => k.fingerprint),
    );
    expect(await WebCryptoKeyring.fingerprint(K2)).toBe(Keyring.fingerprint(K2));
    expect(JSON.stringify(web)).not.toContain(Buffer.from(K1).toString("base64"));
    expect(String(web)).toMatch(
      /^WebCryptoKeyring\(2 keys; primary [0-9a-f]{16}; others [0-9a-f]{16}\)$/,
    );
  });

  it("rotates: an old key still opens until removed; the primary cannot be removed", async () => {
    const web = await WebCryptoKeyring.create([K1]);
    const oldSealed = new Keyring([K1]).seal(bytes("old"), AD);
    await web.install(K2);
    await web.use(K2);
    expect(new Keyring([K2]).open(await web.seal(bytes("new"), AD), AD).ok).toBe(true);
    expect((await web.open(oldSealed, AD)).ok).toBe(true);
    await expect(web.remove(K2)).rejects.toMatchObject({ code: "remove-primary" });
    expect(await web.remove(K1)).toBe(true);
    const after = await web.open(oldSealed, AD);
    expect(after.ok || after.error.code).toBe("decrypt");
    await expect(web.use(K1)).rejects.toMatchObject({ code: "not-installed" });
  });

  it("refuses what the Node keyring refuses, with the same codes", async () => {
    const web = await WebCryptoKeyring.create([K1]);
    const sealed = await web.seal(bytes("x"), AD);
    const wrongLabel = await web.open(sealed, associatedData(1, "staging"));
    expect(wrongLabel.ok || wrongLabel.error.code).toBe("decrypt");
    const streamAd = await web.open(sealed, associatedData(1, "prod", "stream"));
    expect(streamAd.ok || streamAd.error.code).toBe("decrypt");
    const tampered = Uint8Array.from(sealed);
    tampered[20]! ^= 1;
    const t = await web.open(tampered, AD);
    expect(t.ok || t.error.code).toBe("decrypt");
    const short = await web.open(sealed.subarray(0, SEAL_OVERHEAD - 1), AD);
    expect(short.ok || short.error.code).toBe("truncated");
    const plain = await web.open(Uint8Array.from([0x08, ...new Uint8Array(40)]), AD);
    expect(plain.ok || plain.error.code).toBe("unknown-version");
    await expect(WebCryptoKeyring.create([])).rejects.toMatchObject({ code: "no-keys" });
    await expect(WebCryptoKeyring.create([new Uint8Array(10)])).rejects.toBeInstanceOf(
      KeyringError,
    );
    await expect(WebCryptoKeyring.fromBase64("not base64!")).rejects.toMatchObject({
      code: "bad-base64",
    });
  });
});
