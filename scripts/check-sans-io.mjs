#!/usr/bin/env node
// The sans-IO rule (STYLE.md): the protocol cores never read a clock, draw randomness from a
// global, start a timer, await anything or touch I/O. This check reads the syntax tree (the
// TypeScript compiler API, not regexes) and resolves every name, so aliases do not hide a global:
// `const M = Math; M.random()`, `Math["random"]`, `globalThis.setTimeout`, `const { now } = Date`
// and a side-effect `import "node:dgram"` are all reported.
//
// The rule is an allowlist, so a global nobody thought of is refused rather than let through:
// - a value reference to a global (a name with no runtime binding in its own file) must be one of
//   the pure ECMAScript globals below; `Math` only as `Math.<pure member>`;
// - imports are relative or `@grapevine/*`; no Node built-ins, no dynamic `import()`, no
//   `import.meta`, no `require`;
// - no `async`, `await`, `for await`, `with`, and no `.constructor` (it reaches `Function`).
//
// Usage: node scripts/check-sans-io.mjs [file-or-folder ...]   (default: SANS_IO_ROOTS)
import { existsSync, readdirSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const repoRoot = resolve(fileURLToPath(new URL("..", import.meta.url)));

/**
 * Source folders held to the rule. A missing folder is skipped, so a package can be listed
 * before it exists.
 */
export const SANS_IO_ROOTS = [
  "packages/swim/src",
  "packages/state/src",
  "packages/node/src",
  "packages/protocol/src",
];

/** Globals a sans-IO module may read: pure ECMAScript (plus pure text/URL helpers). */
const ALLOWED_GLOBALS = new Set([
  "AggregateError",
  "Array",
  "ArrayBuffer",
  "BigInt",
  "BigInt64Array",
  "BigUint64Array",
  "Boolean",
  "DataView",
  "Error",
  "EvalError",
  "Float32Array",
  "Float64Array",
  "Infinity",
  "Int16Array",
  "Int32Array",
  "Int8Array",
  "JSON",
  "Map",
  "Math",
  "NaN",
  "Number",
  "Object",
  "RangeError",
  "ReferenceError",
  "RegExp",
  "Set",
  "String",
  "Symbol",
  "SyntaxError",
  "TextDecoder",
  "TextEncoder",
  "TypeError",
  "URIError",
  "URL",
  "Uint16Array",
  "Uint32Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "WeakMap",
  "WeakSet",
  "arguments",
  "decodeURI",
  "decodeURIComponent",
  "encodeURI",
  "encodeURIComponent",
  "isFinite",
  "isNaN",
  "parseFloat",
  "parseInt",
  "undefined",
]);

/** `Math` members that are pure functions of their arguments, or constants. */
const PURE_MATH = new Set([
  "abs",
  "acos",
  "acosh",
  "asin",
  "asinh",
  "atan",
  "atan2",
  "atanh",
  "cbrt",
  "ceil",
  "clz32",
  "cos",
  "cosh",
  "exp",
  "expm1",
  "floor",
  "fround",
  "hypot",
  "imul",
  "log",
  "log10",
  "log1p",
  "log2",
  "max",
  "min",
  "pow",
  "round",
  "sign",
  "sin",
  "sinh",
  "sqrt",
  "tan",
  "tanh",
  "trunc",
  "E",
  "LN10",
  "LN2",
  "LOG10E",
  "LOG2E",
  "PI",
  "SQRT1_2",
  "SQRT2",
]);

/** Types that make an API asynchronous or tie it to Node: refused in type positions too. */
const BANNED_TYPES = new Set([
  "AsyncGenerator",
  "AsyncIterable",
  "AsyncIterableIterator",
  "AsyncIterator",
  "Buffer",
  "NodeJS",
  "Promise",
  "PromiseLike",
]);

/** Why the usual offenders are refused (any other global gets a generic reason). */
const REASONS = {
  Date: "Date: take `now` as an argument",
  performance: "performance: take `now` as an argument",
  setTimeout: "timers: return the next wake time instead",
  setInterval: "timers: return the next wake time instead",
  setImmediate: "timers: return the next wake time instead",
  clearTimeout: "timers: return the next wake time instead",
  clearInterval: "timers: return the next wake time instead",
  clearImmediate: "timers: return the next wake time instead",
  queueMicrotask: "queueMicrotask: entry points are synchronous",
  Promise: "Promise: entry points are synchronous",
  process: "process: no process access",
  Buffer: "Buffer: use Uint8Array",
  crypto: "crypto: use the injected seeded RNG",
  require: "require: no module loading at run time",
  eval: "eval: no code from strings",
  Function: "Function: no code from strings",
  globalThis: "globalThis: reaches every global; name what you need",
  window: "window: reaches every global; name what you need",
  self: "self: reaches every global; name what you need",
  global: "global: reaches every global; name what you need",
};

const nodeBuiltins = new Set(builtinModules.map((m) => m.replace(/^node:/, "")));

/** Why importing `specifier` is refused, or undefined if it is allowed. */
function importProblem(specifier) {
  if (specifier.startsWith(".") || specifier.startsWith("@grapevine/")) return undefined;
  const bare = specifier.replace(/^node:/, "");
  if (specifier.startsWith("node:") || nodeBuiltins.has(bare.split("/")[0])) {
    return `import "${specifier}": Node built-ins do I/O`;
  }
  return `import "${specifier}": only relative and @grapevine/* imports`;
}

/**
 * True when `id` declares a binding, or names a member or a label, rather than referring to a
 * binding in scope.
 */
function isNotAReference(id) {
  const p = id.parent;
  if (!p) return false;
  if (
    "name" in p &&
    p.name === id &&
    (ts.isVariableDeclaration(p) ||
      ts.isParameter(p) ||
      ts.isBindingElement(p) ||
      ts.isFunctionDeclaration(p) ||
      ts.isFunctionExpression(p) ||
      ts.isClassLike(p) ||
      ts.isInterfaceDeclaration(p) ||
      ts.isTypeAliasDeclaration(p) ||
      ts.isTypeParameterDeclaration(p) ||
      ts.isEnumDeclaration(p) ||
      ts.isModuleDeclaration(p) ||
      ts.isImportClause(p) ||
      ts.isNamespaceImport(p) ||
      ts.isImportSpecifier(p) ||
      ts.isImportEqualsDeclaration(p) ||
      ts.isNamespaceExport(p))
  ) {
    return true;
  }
  if (ts.isPropertyAccessExpression(p) && p.name === id) return true;
  if (ts.isQualifiedName(p) && p.right === id) return true;
  if (
    (ts.isPropertyAssignment(p) ||
      ts.isPropertyDeclaration(p) ||
      ts.isPropertySignature(p) ||
      ts.isMethodDeclaration(p) ||
      ts.isMethodSignature(p) ||
      ts.isGetAccessorDeclaration(p) ||
      ts.isSetAccessorDeclaration(p) ||
      ts.isEnumMember(p)) &&
    p.name === id
  ) {
    return true;
  }
  if (ts.isBindingElement(p) && p.propertyName === id) return true;
  if (ts.isImportSpecifier(p) && p.propertyName === id) return true;
  // `export { a as b } from "./m"` names the other module's bindings, not this one's.
  if (ts.isExportSpecifier(p) && p.parent.parent.moduleSpecifier) return true;
  if (ts.isMetaProperty(p)) return true;
  if (
    (ts.isLabeledStatement(p) || ts.isBreakStatement(p) || ts.isContinueStatement(p)) &&
    p.label === id
  ) {
    return true;
  }
  if (ts.isNamedTupleMember(p) && p.name === id) return true;
  return false;
}

/** True when `node` sits inside a type (erased at run time). A class's `extends` is a value. */
function inTypePosition(node) {
  for (let n = node; n.parent; n = n.parent) {
    if (ts.isExpressionWithTypeArguments(n)) {
      const clause = n.parent;
      if (
        ts.isHeritageClause(clause) &&
        clause.token === ts.SyntaxKind.ExtendsKeyword &&
        ts.isClassLike(clause.parent)
      ) {
        return false;
      }
      return true;
    }
    if (ts.isTypeNode(n)) return true;
    if (
      ts.isInterfaceDeclaration(n) ||
      ts.isTypeAliasDeclaration(n) ||
      ts.isTypeParameterDeclaration(n)
    ) {
      return true;
    }
  }
  return false;
}

/**
 * True when `symbol` is a runtime binding declared in `file` itself (an import, a parameter, a
 * local): then a name like `setTimeout` is the module's own and not the global. An ambient
 * declaration (`declare const Date: ...`) binds nothing at run time, so it does not count.
 */
function isOwnBinding(symbol, file) {
  if (!symbol?.declarations) return false;
  return symbol.declarations.some(
    (d) => d.getSourceFile() === file && (d.flags & ts.NodeFlags.Ambient) === 0,
  );
}

/** The text of a string literal (parentheses ignored), or undefined for any other expression. */
function literalText(node) {
  let inner = node;
  while (
    ts.isParenthesizedExpression(inner) ||
    ts.isAsExpression(inner) ||
    ts.isSatisfiesExpression(inner) ||
    ts.isNonNullExpression(inner) ||
    ts.isTypeAssertionExpression(inner)
  ) {
    inner = inner.expression;
  }
  return ts.isStringLiteralLike(inner) ? inner.text : undefined;
}

const compilerOptions = {
  // No lib and no resolution: every name not bound in its own file resolves to nothing, which is
  // exactly "a global".
  noLib: true,
  noResolve: true,
  types: [],
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  allowJs: false,
};

/**
 * Checks `files` against the sans-IO rule. Returns one problem per offending node, with 1-based
 * line and column, in file order. `sources` supplies the text of files that are not on disk.
 */
export function checkSansIo(files, sources = new Map()) {
  const host = ts.createCompilerHost(compilerOptions);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, ...rest) =>
    sources.has(name)
      ? ts.createSourceFile(name, sources.get(name), ts.ScriptTarget.ES2022, true)
      : getSourceFile.call(host, name, ...rest);
  host.fileExists = (name) => sources.has(name) || fileExists.call(host, name);
  host.readFile = (name) => sources.get(name) ?? readFile.call(host, name);
  const program = ts.createProgram({ rootNames: files, options: compilerOptions, host });
  const checker = program.getTypeChecker();
  const problems = [];

  for (const fileName of files) {
    const file = program.getSourceFile(fileName);
    if (!file) {
      problems.push({ file: fileName, line: 1, column: 1, message: "cannot read file" });
      continue;
    }
    const report = (node, message) => {
      const { line, character } = file.getLineAndCharacterOfPosition(node.getStart(file));
      problems.push({ file: fileName, line: line + 1, column: character + 1, message });
    };

    const visit = (node) => {
      // Imports of every shape: static, side-effect, re-export, import-equals, dynamic.
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
        const problem = importProblem(literalText(node.moduleSpecifier) ?? "");
        if (problem) report(node, problem);
      } else if (
        ts.isImportEqualsDeclaration(node) &&
        ts.isExternalModuleReference(node.moduleReference)
      ) {
        const problem = importProblem(literalText(node.moduleReference.expression) ?? "");
        if (problem) report(node, problem);
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword
      ) {
        report(node, "import(): no module loading at run time");
      } else if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
        report(node, "import.meta: no access to the module's environment");
      } else if (ts.isAwaitExpression(node)) {
        report(node, "await: entry points are synchronous");
      } else if (ts.isForOfStatement(node) && node.awaitModifier) {
        report(node, "for await: entry points are synchronous");
      } else if (ts.isWithStatement(node)) {
        report(node, "with: hides which names are globals");
      } else if (
        (ts.isPropertyAccessExpression(node) && node.name.text === "constructor") ||
        (ts.isElementAccessExpression(node) &&
          literalText(node.argumentExpression) === "constructor")
      ) {
        report(node, ".constructor: reaches the Function constructor");
      }
      if (ts.canHaveModifiers(node)) {
        for (const m of ts.getModifiers(node) ?? []) {
          if (m.kind === ts.SyntaxKind.AsyncKeyword)
            report(m, "async: entry points are synchronous");
        }
      }
      if (ts.isIdentifier(node)) checkIdentifier(node);
      ts.forEachChild(node, visit);
    };

    const checkIdentifier = (id) => {
      if (isNotAReference(id)) return;
      const shorthand = id.parent && ts.isShorthandPropertyAssignment(id.parent);
      const symbol = shorthand
        ? checker.getShorthandAssignmentValueSymbol(id.parent)
        : checker.getSymbolAtLocation(id);
      if (isOwnBinding(symbol, file)) return;
      const name = id.text;
      if (inTypePosition(id)) {
        if (BANNED_TYPES.has(name)) report(id, REASONS[name] ?? `${name}: not in a sans-IO API`);
        return;
      }
      if (!ALLOWED_GLOBALS.has(name)) {
        report(id, REASONS[name] ?? `${name}: a global outside the sans-IO allowlist`);
        return;
      }
      if (name === "Math") {
        const p = id.parent;
        const direct =
          ts.isPropertyAccessExpression(p) &&
          p.expression === id &&
          !p.questionDotToken &&
          PURE_MATH.has(p.name.text);
        if (!direct) {
          const member = ts.isPropertyAccessExpression(p) && p.expression === id;
          report(
            id,
            member && p.name.text === "random"
              ? "Math.random: use the injected seeded RNG"
              : "Math: only direct calls of pure members (Math.floor, Math.max, ...)",
          );
        } else if (isAssignmentTarget(p)) {
          report(id, "Math: never assign to a global");
        }
      }
    };

    visit(file);
  }
  return problems;
}

function isAssignmentTarget(node) {
  const p = node.parent;
  return (
    (ts.isBinaryExpression(p) &&
      p.left === node &&
      p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      p.operatorToken.kind <= ts.SyntaxKind.LastAssignment) ||
    ((ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) &&
      (p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken))
  );
}

/** The .ts sources under `paths` (files or folders), tests excluded. Missing paths are skipped. */
export function sansIoFiles(paths) {
  const out = [];
  const walk = (p) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) walk(join(p, name));
    } else if (p.endsWith(".ts") && !p.endsWith(".test.ts") && !p.endsWith(".d.ts")) {
      out.push(p);
    }
  };
  for (const p of paths) walk(p);
  return out;
}

function main(args) {
  const paths = args.length > 0 ? args : SANS_IO_ROOTS.map((r) => join(repoRoot, r));
  const files = sansIoFiles(paths);
  const problems = checkSansIo(files);
  for (const p of problems) {
    console.error(`${relative(process.cwd(), p.file)}:${p.line}:${p.column}: ${p.message}`);
  }
  if (problems.length > 0) {
    console.error(`sans-IO check: ${problems.length} problem(s) in ${files.length} file(s)`);
    process.exit(1);
  }
  console.log(`sans-IO check: ok (${files.length} files)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2));
}
