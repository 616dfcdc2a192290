/**
 * Where on line 1 the statement that gives a module its `import.meta.hot` goes. No line ever
 * moves (the statement's binding is imported after the last line), and code on line 1 stays at
 * its column wherever that is safe:
 * - a shebang is replaced (it holds no code);
 * - after the static imports that line 1 holds, when nothing else on it is code (comments after
 *   them move, which no tool minds);
 * - at the end of line 1 when its code cannot call anything (`const PORT = 3000;`);
 * - otherwise first, and every token on line 1 moves right by the statement's length: code on
 *   line 1 may call a function declared below that reads `import.meta.hot`.
 * The places are found with es-module-lexer (where line 1's imports end); the edit itself is made
 * by edit.ts with magic-string.
 */
import type { SourceFacts } from "./lexer.js";
import type { LiveName, LiveSetter } from "./live.js";
import { HOT_BINDING_URL } from "../shared/urls.js";

/** What a transformed module calls on line 1 through RUNTIME_SLOT (shared/urls.ts), before any of its own code runs. */
export interface RuntimeSlot {
  /** Returns an ES module's `import.meta.hot`; also marks the start of its evaluation. */
  hot(meta: ImportMeta): unknown;
  /** Returns a CommonJS module's `module.hot` (webpack's name, a getter on Module.prototype). */
  hotCjs(module: NodeJS.Module): unknown;
  /** What an update's gate module awaits (see gate.ts). */
  gate(id: number): Promise<void>;
  /** A live-binding module of `importer` hands over the setter of its bindings of `dep` (see live.ts). */
  live(importer: string, dep: string, names: readonly LiveName[], set: LiveSetter): void;
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
export const INJECTION_IMPORT: string = `import{hot as ${BINDING}}from${JSON.stringify(HOT_BINDING_URL)};`;

/** Where the statement goes in a source. */
export interface Placement {
  /** Offset the statement is inserted at (or the shebang that it replaces starts at). */
  readonly at: number;
  /** The shebang's end when it is replaced, else `at`. */
  readonly end: number;
  /** Text inserted before the statement (a `;` that ends line 1's last import). */
  readonly before: string;
  /** How many columns code on line 1 moved right (0 when none did). */
  readonly shift: number;
  /** Whether line 1 holds code that moved: only then does the module need a source map. */
  readonly codeMoved: boolean;
}

// JavaScript ends a line at any of these, not only at \n.
const LINE_END = /[\n\r\u2028\u2029]/;

/** Where {@link INJECTION} goes in `source`, given what the lexer found (undefined: it did not lex). */
export function place(source: string, facts: SourceFacts | undefined): Placement {
  const bom = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  const found = source.slice(bom).search(LINE_END);
  const lineEnd = found < 0 ? source.length : bom + found;
  const first = (codeMoved: boolean): Placement => ({ at: bom, end: bom, before: "", shift: INJECTION.length, codeMoved });

  if (source.startsWith("#!", bom)) return { at: bom, end: lineEnd, before: "", shift: 0, codeMoved: false };
  if (facts === undefined) return first(true);
  // Line 1 with its static imports (and their `;`) blanked out: what else it holds.
  let code = "";
  let at = bom;
  let lastImportEnd = -1;
  let needsSemi = false;
  for (const entry of facts.imports) {
    if (entry.start >= lineEnd) break;
    // An import that goes on below line 1 (its attributes on line 2): nothing can go after it.
    if (entry.end > lineEnd) return first(true);
    const semi = /^[ \t]*;/.exec(source.slice(entry.end, lineEnd));
    code += source.slice(at, entry.start) + " ";
    at = lastImportEnd = semi ? entry.end + semi[0].length : entry.end;
    needsSemi = !semi;
  }
  code += source.slice(at, lineEnd);
  const semi = needsSemi && /^\s*$/.test(source.slice(at, lineEnd)) ? ";" : "";
  // An import ending line 1 without `;` may take its attributes from a later line, which the
  // lexer misses when the line ends with U+2028 or U+2029.
  if (needsSemi && isTrivia(source.slice(at, lineEnd)) && attributesBelow(source.slice(lineEnd))) return first(true);
  if (isTrivia(code)) {
    const rest = source.slice(Math.max(at, lastImportEnd), lineEnd);
    const comment = rest.search(/\/[/*]/);
    // Imports, `;` and whitespace only: at the end of the line.
    if (comment < 0) return { at: lineEnd, end: lineEnd, before: needsSemi ? ";" : "", shift: 0, codeMoved: false };
    // Then comments (and maybe `;`): after the last `;`, so that only comments move.
    if (lastImportEnd >= 0) {
      const base = Math.max(at, lastImportEnd);
      const semiAfter = lastSemicolonOutsideComments(rest);
      if (semiAfter > comment) return { at: base + semiAfter, end: base + semiAfter, before: "", shift: 0, codeMoved: false };
      const before = needsSemi && !rest.slice(0, comment).includes(";") ? ";" : "";
      return { at: at + comment, end: at + comment, before, shift: 0, codeMoved: false };
    }
    // Nothing but a comment: first, moving only the comment.
    return first(false);
  }
  if (inert(code)) return { at: lineEnd, end: lineEnd, before: semi, shift: 0, codeMoved: false };
  return first(true);
}

/** Whether the next token below line 1, past blank and comment lines, is `with` or `assert`. */
function attributesBelow(rest: string): boolean {
  const next = rest.replace(/^(?:\s+|\/\/[^\n\r\u2028\u2029]*|\/\*[\s\S]*?\*\/)*/, "");
  return /^(?:with|assert)\b/.test(next) || next.startsWith("/*");
}

/** The offset just past the last `;` of `text` that is not inside a comment (-1: none). */
function lastSemicolonOutsideComments(text: string): number {
  let last = -1;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) break;
      i = end + 1;
    } else if (text.startsWith("//", i)) break;
    else if (text[i] === ";") last = i + 1;
  }
  return last;
}

/** Whitespace, `;` and comments only (a block comment may stay open: nothing follows it here). */
function isTrivia(text: string): boolean {
  const rest = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$|\/\*.*$/g, "");
  return /^[\s;]*$/.test(rest);
}

// A word that may run code, or that continues a statement on the next line.
const NOT_INERT =
  /\b(?:new|import|module|await|yield|delete|instanceof|in|of|class|function|if|else|do|while|for|with|try|catch|finally|switch|case|default)\b/;

/**
 * True when `line` is one or more complete declarations (`const`, `let`, `var`, exported or not)
 * that call nothing: no parenthesis, template, decorator, comment, regular expression or escape,
 * balanced brackets and quotes, ending with `;`. Nothing on it can reach a function declared
 * below that reads `import.meta.hot` before the statement after it has run. Conservative: a "no"
 * only costs line 1 its columns.
 */
function inert(line: string): boolean {
  if (!/;\s*$/.test(line)) return false;
  let depth = 0;
  let quote = "";
  let outside = "";
  for (const ch of line) {
    if (ch === "\\") return false;
    if (quote) {
      if (ch === quote) quote = "";
      continue;
    }
    if (ch === "/" || ch === "`" || ch === "(" || ch === "@") return false;
    if (ch === '"' || ch === "'") {
      quote = ch;
      outside += " ";
      continue;
    }
    outside += ch;
    if (ch === "[" || ch === "{") depth++;
    else if ((ch === "]" || ch === "}") && --depth < 0) return false;
  }
  if (quote !== "" || depth !== 0 || NOT_INERT.test(outside)) return false;
  // Every statement is a declaration.
  return outside
    .split(";")
    .filter((s) => s.trim() !== "")
    .every((s) => /^\s*(?:export\s+)?(?:const|let|var)\s/.test(s));
}
