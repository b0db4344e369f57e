// Math.random, however it is reached.
export const direct = Math.random(); // caught: Math.random
const M = Math; // caught: only direct calls of pure members
export const viaAlias = M.random();
export const viaString = Math["random"](); // caught: only direct calls of pure members
const { random } = Math; // caught: only direct calls of pure members
export const viaDestructuring = random();
export const viaReflect = Reflect.get(Math, "random"); // caught: Math
export const viaOptional = Math?.floor(1.5); // caught: only direct calls of pure members
export const viaParens = (Math).floor(1.5); // caught: only direct calls of pure members
export const viaDescriptor = Object.getOwnPropertyDescriptor(Math, "random"); // caught: Math
export function viaArgument(f: (m: unknown) => number): number {
  return f(Math); // caught: only direct calls of pure members
}
Math.floor = Math.ceil; // caught: never assign to a global
