import { fileURLToPath } from "node:url";
import { buildPage } from "./bundle.js";

// `pnpm --filter @grapevine/browser-member page`: builds the example page into page/.
const out = fileURLToPath(new URL("../page", import.meta.url));
await buildPage(out);
console.log(`built ${out}/index.html and member.js`);
