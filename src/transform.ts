/**
 * The only source rewrite hotload makes: one statement on line 1 that gives a hot module its
 * `import.meta.hot`. No line ever moves, so stack traces need no source map. Columns stay put
 * too wherever that is possible:
 * - a shebang line is replaced (it holds no code);
 * - a first line that holds only static imports (the common case), or simple complete statements
 *   that do not use import.meta, gets the statement at its end;
 * - otherwise the statement goes first and only tokens on line 1 shift right.
 */
import { mentionsImportMeta } from "./source/import-meta-check.js";

/** The global slot through which transformed modules reach the runtime (same thread). */
export const RUNTIME_SLOT = "hotload.runtime";

/** What a transformed module calls on line 1, before any of its own code runs. */
export interface RuntimeSlot {
  /** Returns an ES module's `import.meta.hot`; also marks the start of its evaluation. */
  hot(meta: ImportMeta): unknown;
  /** Returns a CommonJS module's `module.hot` (webpack's name, a getter on Module.prototype). */
  hotCjs(module: NodeJS.Module): unknown;
  /** What an update's gate module awaits (see gate.ts). */
  gate(id: number): Promise<void>;
}

/** The binding line 1 calls: imported, so no declaration of the module can shadow it. */
const BINDING = "__hotload$hot";

/** The statement injected on line 1 of an ES module. */
export const INJECTION: string = `import.meta.hot=${BINDING}(import.meta);`;

/**
 * The import that gives line 1 its binding, appended after the module's last line (no line
 * moves). Imports are bound before any code runs, so `globalThis` or `Symbol` declared by the
 * module itself cannot get in the way, as they would if the statement named them.
 */
export const INJECTION_IMPORT: string = `import{hot as ${BINDING}}from${JSON.stringify(
  `data:text/javascript,${encodeURIComponent(`export const hot=(meta)=>globalThis[Symbol.for(${JSON.stringify(RUNTIME_SLOT)})].hot(meta);`)}`,
)};`;

/** Where on line 1 the statement went: `column` is where user code on that line now starts. */
export interface Injected {
  readonly code: string;
  /** How many columns user tokens on line 1 moved right (0 when nothing moved). */
  readonly shift: number;
}

/** Adds `statement` to an ES module's source given as bytes (UTF-8), as Node's own loader reads it. */
export function injectHotBytes(source: Uint8Array, statement: string = INJECTION, first = false): Injected {
  // Only modules that mention import.meta get here (see runtime.ts): decoding them whole costs
  // what Node would spend anyway, and gives exactly what injectHot gives.
  return injectHot(Buffer.from(source.buffer, source.byteOffset, source.byteLength).toString("utf8"), statement, first);
}

/**
 * Adds `statement` (default: `import.meta.hot` for an ES module) to line 1 of `source`. `first`:
 * the statement must run before any code of line 1 (an update's gate, see gate.ts).
 */
export function injectHot(source: string, statement: string = INJECTION, first = false): Injected {
  const usesHot = first || (statement === INJECTION ? mentionsImportMeta(source) : source.includes(usageOf(statement)));
  return place(source, statement, usesHot, true);
}

/** What a module's code would use before line 1's statement runs: `import.meta` or `module.hot`. */
function usageOf(statement: string): string {
  return statement === INJECTION ? "import.meta" : "module.hot";
}

// JavaScript ends a line at any of these, not only at \n.
const LINE_END = /[\n\r\u2028\u2029]/;

/**
 * `usesHot`: the module mentions import.meta (or module.hot) somewhere. Code on line 1 may call a
 * function declared below that reads it, so the statement must then run before line 1's code.
 * `whole`: `source` is the whole module, not just its head.
 */
function place(source: string, statement: string, usesHot: boolean, whole: boolean): Injected {
  const bom = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  const found = source.slice(bom).search(LINE_END);
  const lineEnd = found < 0 ? source.length : bom + found;
  const line = source.slice(bom, lineEnd);

  if (line.startsWith("#!")) {
    return { code: source.slice(0, bom) + statement + source.slice(lineEnd), shift: 0 };
  }
  if (continues(source.slice(lineEnd), whole)) {
    return { code: source.slice(0, bom) + statement + source.slice(bom), shift: statement.length };
  }
  if (onlyImports(line) || (!usesHot && simpleStatements(line))) {
    const needsSemi = line.trim() !== "" && !/;\s*$/.test(line);
    return { code: source.slice(0, lineEnd) + (needsSemi ? ";" : "") + statement + source.slice(lineEnd), shift: 0 };
  }
  return { code: source.slice(0, bom) + statement + source.slice(bom), shift: statement.length };
}

/**
 * Whether line 1's last statement may go on below: an import can take its attributes on a later
 * line (`with { type: "json" }`), past blank and comment lines. Unsure (a block comment, or the
 * head ended first) counts as yes.
 */
function continues(rest: string, whole: boolean): boolean {
  for (const raw of rest.split(LINE_END)) {
    const text = raw.trim();
    if (text === "" || text.startsWith("//")) continue;
    if (text.startsWith("/*")) return true;
    return /^(?:with|assert)\b/.test(text);
  }
  return !whole;
}

// Statements after which nothing on the next line can continue them, and that do not use
// import.meta.hot before the injected statement (placed after them) has run.
const CONTINUING = /\b(?:if|else|do|while|for|with|try|catch|finally|switch|case|default)\b|import\s*\.\s*meta|\bmodule\b/;

/**
 * True when `line` is one or more complete statements: it ends with `;` at bracket depth 0, and
 * holds no comment, regular expression, template, escape or statement that continues on the next
 * line. Conservative: a "no" only costs line 1 its columns.
 */
function simpleStatements(line: string): boolean {
  if (!/;\s*$/.test(line)) return false;
  let depth = 0;
  let quote = "";
  let outside = "";
  for (const ch of line) {
    // An escape could hide a closing quote; a slash or backtick may open a comment, a regular
    // expression or a template: too much to follow on one line, so say no.
    if (ch === "\\") return false;
    if (quote) {
      if (ch === quote) quote = "";
      continue;
    }
    if (ch === "/" || ch === "`") return false;
    if (ch === '"' || ch === "'") {
      quote = ch;
      outside += " ";
      continue;
    }
    outside += ch;
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if ((ch === ")" || ch === "]" || ch === "}") && --depth < 0) return false;
  }
  return quote === "" && depth === 0 && !CONTINUING.test(outside);
}

// One complete static import or re-export, written on one line, with no comment or template
// inside: deliberately narrow, since a false "yes" would put the statement inside user code.
const STRING = String.raw`(?:"[^"\\\n]*"|'[^'\\\n]*')`;
const NAMES = String.raw`\{[^{}'"\x60/]*\}`;
const ATTRIBUTES = String.raw`(?:\s*with\s*\{[^{}'"\x60/]*(?:${STRING}[^{}'"\x60/]*)*\})?`;
const IMPORT = String.raw`import\s*(?:[\w$]+\s*(?:,\s*)?)?(?:${NAMES}|\*\s*as\s+[\w$]+)?\s*(?:from\s*)?${STRING}`;
const REEXPORT = String.raw`export\s*(?:type\s*)?(?:\*(?:\s*as\s+[\w$]+)?|${NAMES})\s*from\s*${STRING}`;
// Sticky: matched statement by statement, so a long line costs linear time (one regex over the
// whole line with optional separators backtracks exponentially).
const ONE_IMPORT = new RegExp(String.raw`\s*(?:${IMPORT}|${REEXPORT})${ATTRIBUTES}\s*;?`, "y");

/** True when `line` holds nothing but complete static import/re-export statements (or nothing). */
function onlyImports(line: string): boolean {
  let at = 0;
  for (;;) {
    ONE_IMPORT.lastIndex = at;
    if (!ONE_IMPORT.test(line)) return line.slice(at).trim() === "";
    at = ONE_IMPORT.lastIndex;
  }
}
