// The global object under each of its names, and the clock, timer and process globals.
export const a = globalThis.setTimeout; // caught: globalThis
export const b = window.setTimeout; // caught: window
export const c = self.Date; // caught: self
export const d = global.process; // caught: global
export const e = globalThis["Math"]; // caught: globalThis
setTimeout(() => undefined, 10); // caught: timers
setInterval(() => undefined, 10); // caught: timers
setImmediate(() => undefined); // caught: timers
clearTimeout(undefined); // caught: timers
queueMicrotask(() => undefined); // caught: queueMicrotask
export const bytes = crypto.getRandomValues(new Uint8Array(8)); // caught: crypto
export const started = performance.now(); // caught: performance
export const now = Date.now(); // caught: Date
export const today = new Date(); // caught: Date
const D = Date; // caught: Date
export const later = D.now();
export const { now: dateNow } = Date; // caught: Date
export const pid = process.pid; // caught: process
export const buffer = Buffer.from("x"); // caught: Buffer
export const logged = console.log("x"); // caught: console
export const fetched = fetch("http://example.invalid/"); // caught: fetch
export const zone = Intl.DateTimeFormat().resolvedOptions(); // caught: Intl
export const weak = new WeakRef({}); // caught: WeakRef
export const shorthand = { Date }; // caught: Date
export { Math as AlsoMath }; // caught: only direct calls of pure members
