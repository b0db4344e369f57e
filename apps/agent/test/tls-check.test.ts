import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import { checkCertificate } from "../src/tls-check.js";

const fixtures = join(import.meta.dirname, "../../../packages/transport-ws/test/fixtures");
const cert = readFileSync(join(fixtures, "cert.pem"));
const key = readFileSync(join(fixtures, "key.pem"));

describe("TLS certificate checks", () => {
  it("accepts a valid certificate with its key", () => {
    expect(() => checkCertificate(cert, key, "cert.pem")).not.toThrow();
  });

  it("rejects an expired certificate with the date, as a usage error", () => {
    const later = new Date("2200-01-01T00:00:00Z");
    expect(() => checkCertificate(cert, key, "cert.pem", later)).toThrow(UsageError);
    expect(() => checkCertificate(cert, key, "cert.pem", later)).toThrow(/expired on/);
  });

  it("rejects a certificate not yet valid", () => {
    const earlier = new Date("2000-01-01T00:00:00Z");
    expect(() => checkCertificate(cert, key, "cert.pem", earlier)).toThrow(/not valid before/);
  });

  it("rejects garbage and a key that does not match", () => {
    expect(() => checkCertificate(Buffer.from("nope"), key, "x.pem")).toThrow(
      /not a PEM certificate/,
    );
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    });
    expect(() => checkCertificate(cert, Buffer.from(other), "cert.pem")).toThrow(/does not match/);
    expect(() => checkCertificate(cert, Buffer.from("nope"), "cert.pem")).toThrow(
      /not a PEM private key/,
    );
  });
});
