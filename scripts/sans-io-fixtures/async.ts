// Entry points are synchronous: no async functions, awaits or promises.
export async function handle(): Promise<void> {} // caught: async
export const arrow = async () => 1; // caught: async
export class Node {
  async tick() {} // caught: async
}
export function* frames(): Generator<number> {
  yield 1;
}
export function waitFor(p: PromiseLike<number>): number { // caught: Promise
  return 0;
}
export const resolved = Promise.resolve(1); // caught: Promise
export const pending = new Promise<void>(() => undefined); // caught: Promise
export class Later extends Promise<number> {} // caught: Promise
export interface Source {
  next(): Promise<number>; // caught: Promise
  stream: AsyncIterable<number>; // caught: AsyncIterable
}
export function loop(source: Iterable<number>) {
  for await (const x of source) void x; // caught: for await
}
await 1; // caught: await
