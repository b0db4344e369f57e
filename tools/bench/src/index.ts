export { measure, report } from "./measure.js";
export { type Summary, summarize } from "./summary.js";
