// Code built from strings reaches any global without naming it.
export const one = eval("1"); // caught: eval
export const indirect = (0, eval)("Math.random()"); // caught: eval
export const made = new Function("return Math.random()"); // caught: Function
export const called = Function("return this")(); // caught: Function
export const viaConstructor = (() => 0).constructor("return Date.now()"); // caught: .constructor
export const viaIndex = [][("constructor" as const)]; // caught: .constructor
