export { parseOptions, type SimOptions, UsageError } from "./options.js";
export { renderSvg } from "./plot.js";
export { runSimulation, type SimResult, toJson, toText } from "./run.js";
