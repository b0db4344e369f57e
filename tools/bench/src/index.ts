export { measure, report } from "./measure.js";
