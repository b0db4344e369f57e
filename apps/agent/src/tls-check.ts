import { createPrivateKey, X509Certificate } from "node:crypto";
import { UsageError } from "./errors.js";

/**
 * Checks a TLS certificate and key before they are used, so that a bad file gives one clear line
 * at start-up rather than a handshake failure later: the certificate must parse, be valid at
 * `now` (not expired, not yet valid) and match the private key.
 *
 * @param labels how to name the certificate and key settings in errors (default `--tls-cert`,
 *   `--tls-key`, the `wss://` ones).
 */
export function checkCertificate(
  certPem: Buffer,
  keyPem: Buffer | undefined,
  certPath: string,
  now: Date = new Date(),
  labels: { readonly cert: string; readonly key: string } = {
    cert: "--tls-cert",
    key: "--tls-key",
  },
): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new UsageError(`${labels.cert} ${certPath}: not a PEM certificate`);
  }
  if (now.getTime() > Date.parse(cert.validTo)) {
    throw new UsageError(`${labels.cert} ${certPath}: certificate expired on ${cert.validTo}`);
  }
  if (now.getTime() < Date.parse(cert.validFrom)) {
    throw new UsageError(
      `${labels.cert} ${certPath}: certificate not valid before ${cert.validFrom}`,
    );
  }
  if (keyPem !== undefined) {
    let matches: boolean;
    try {
      matches = cert.checkPrivateKey(createPrivateKey(keyPem));
    } catch {
      throw new UsageError(`${labels.key}: not a PEM private key`);
    }
    if (!matches)
      throw new UsageError(`${labels.key} does not match the certificate in ${certPath}`);
  }
}
