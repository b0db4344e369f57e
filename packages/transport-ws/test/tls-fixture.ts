import { readFileSync } from "node:fs";
import type { WsTlsOptions } from "../src/index.js";

const here = new URL("./fixtures/", import.meta.url);

/** The test-only self-signed certificate (localhost, 127.0.0.1, ::1) and its key. */
export const testTls: WsTlsOptions = {
  cert: readFileSync(new URL("cert.pem", here)),
  key: readFileSync(new URL("key.pem", here)),
  ca: readFileSync(new URL("cert.pem", here)),
};
