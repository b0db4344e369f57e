export { measure, report } from "./measure.js";
export {
  type BenchClusterOptions,
  type BenchNode,
  convergedCluster,
  stopAll,
} from "./net/harness.js";
export { runSource, type SourceRun } from "./run-source.js";
export { type Summary, summarize } from "./summary.js";
