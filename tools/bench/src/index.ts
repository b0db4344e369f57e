export { measure, report } from "./measure.js";
export {
  type BenchClusterOptions,
  type BenchNode,
  convergedCluster,
  stopAll,
} from "./net/harness.js";
export { type Summary, summarize } from "./summary.js";
