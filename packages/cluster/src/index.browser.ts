/**
 * `@grapevine/cluster` for browsers: the same runtime with no `node:` imports. `Cluster` takes a
 * `WebCryptoKeyring` for encryption and offers no stream compression; with `@grapevine/transport-ws`'s
 * browser entry it is a dial-only member (see the README's browser section).
 */

export { Cluster } from "./cluster.browser.js";
export * from "./common.js";
