/**
 * Fuzzing the source transform (issue 6): `injectHot` on seeded random module sources (imports,
 * re-exports, statements, comments, strings, templates, regular expressions, shebang, BOM, CRLF,
 * lone CR, U+2028, mutations that break them) and on every .js/.mjs file shipped in node_modules
 * (up to 3000, in a seeded order). Each property is a test:
 * - it never throws, and never changes the number of lines (as JavaScript counts them);
 * - the result is the input with the statement inserted (or the shebang replaced by it); no token
 *   after line 1 moves; on line 1 none moves when `shift` is 0, all move right by exactly `shift`
 *   otherwise; and the statement lexes as the statement (not inside a comment, string or template);
 * - the result parses as a module (acorn, ecmaVersion latest, allowHashBang) exactly when the input
 *   does;
 * - the statement does not read a name the module declares (it reads globalThis and Symbol);
 * - injectHotBytes on the UTF-8 bytes (what the loader calls) gives the same result, for inputs that
 *   parse (es-module-lexer's result on invalid input can depend on what it lexed before).
 * HOTLOAD_STRESS_SEED replays a run (the seed is printed); HOTLOAD_FUZZ_MS sets the time budget of
 * each half (default 8000 ms) past a minimum count that is always checked.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse, tokenizer, type AnyNode, type Options, type Pattern, type Program } from "acorn";
import { injectHot, injectHotBytes } from "../../src/source/edit.js";
import { INJECTION } from "../../src/source/inject.js";
import { Random, seedFromEnv } from "./random.js";

const SEED = seedFromEnv();
const BUDGET_MS = Number(process.env["HOTLOAD_FUZZ_MS"] ?? 8000);
const MAX_FILES = 3000;
const MIN_GENERATED = 500;
const MIN_REAL = 300;
const NODE_MODULES = resolve(dirname(fileURLToPath(import.meta.url)), "../../../node_modules");
const ACORN: Options = { ecmaVersion: "latest", sourceType: "module", allowHashBang: true };

// -------------------------------------------------------------------------------------------------
// The properties.

interface Token {
  readonly start: number;
  readonly line: number;
  readonly column: number;
  readonly text: string;
}

// Node's loader drops a byte order mark before V8 sees the source (so "\uFEFF#!" is a shebang);
// acorn does not: the checks give acorn the source without it.
const unBom = (code: string): string => (code.startsWith("\uFEFF") ? code.slice(1) : code);

/** The tokens of `code` (comments left out), or undefined when it does not tokenize. */
function tokens(code: string): Token[] | undefined {
  try {
    const out: Token[] = [];
    for (const token of tokenizer(code, { ...ACORN, locations: true })) {
      out.push({
        start: token.start,
        line: token.loc!.start.line,
        column: token.loc!.start.column,
        text: code.slice(token.start, token.end),
      });
    }
    return out;
  } catch {
    return undefined;
  }
}

/** The module's syntax tree, or undefined when it does not parse. */
function program(code: string): Program | undefined {
  try {
    return parse(unBom(code), ACORN);
  } catch {
    return undefined;
  }
}

const parses = (code: string): boolean => program(code) !== undefined;

/** The free names the statement reads (globalThis, Symbol): a module must not be able to shadow them. */
const READS = [
  ...new Set(
    tokens(INJECTION)!
      .filter((t, i, all) => /^[A-Za-z_$]/.test(t.text) && all[i - 1]?.text !== "." && t.text !== "import")
      .map((t) => t.text),
  ),
];

/** Names a module declares at its top level. */
function declared(tree: Program): Set<string> {
  const names = new Set<string>();
  const bind = (pattern: Pattern | null | undefined): void => {
    if (!pattern) return;
    if (pattern.type === "Identifier") names.add(pattern.name);
    else if (pattern.type === "ObjectPattern") for (const p of pattern.properties) bind(p.type === "RestElement" ? p.argument : p.value);
    else if (pattern.type === "ArrayPattern") for (const e of pattern.elements) bind(e);
    else if (pattern.type === "RestElement") bind(pattern.argument);
    else if (pattern.type === "AssignmentPattern") bind(pattern.left);
  };
  for (const statement of tree.body) {
    let node: AnyNode = statement;
    if ((statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration") && statement.declaration)
      node = statement.declaration;
    if (node.type === "ImportDeclaration") for (const s of node.specifiers) names.add(s.local.name);
    else if (node.type === "VariableDeclaration") for (const d of node.declarations) bind(d.id);
    else if ((node.type === "FunctionDeclaration" || node.type === "ClassDeclaration") && node.id) names.add(node.id.name);
  }
  return names;
}

/** Number of lines as JavaScript counts them (terminators LF, CRLF, CR, U+2028, U+2029). */
const lineCount = (code: string): number => code.split(/\r\n|[\n\r\u2028\u2029]/).length;

const INJECTED = tokens(INJECTION)!.map((t) => t.text);

/**
 * Where the statement went: the result is the input with `added` inserted at offset `at`, or
 * (a shebang line) with the shebang, from `at` to `at + removed`, replaced by the statement.
 */
function insertion(source: string, code: string, shift: number): { at: number; added: string; removed: number } | undefined {
  const bom = source.startsWith("\uFEFF") ? 1 : 0;
  if (source.startsWith("#!", bom)) {
    const end = /[\n\r\u2028\u2029]|$/.exec(source.slice(bom))!.index + bom;
    return code === source.slice(0, bom) + INJECTION + source.slice(end) ? { at: bom, added: INJECTION, removed: end - bom } : undefined;
  }
  if (shift !== 0)
    return code === source.slice(0, bom) + INJECTION + source.slice(bom) ? { at: bom, added: INJECTION, removed: 0 } : undefined;
  let common = 0;
  while (common < source.length && code.charCodeAt(common) === source.charCodeAt(common)) common++;
  for (const added of [INJECTION, `;${INJECTION}`]) {
    for (let at = Math.max(0, common - added.length); at <= common; at++) {
      if (code === source.slice(0, at) + added + source.slice(at)) return { at, added, removed: 0 };
    }
  }
  return undefined;
}

/** The properties, each checked by its own test below. */
type Property = "lines" | "tokens" | "parse" | "shadow" | "bytes";

/** What is wrong with the transform of `source`: at most one finding per property. */
function violations(source: string): Map<Property, string> {
  const found = new Map<Property, string>();
  let result: { code: string; shift: number };
  try {
    result = injectHot(source);
  } catch (error) {
    return found.set("lines", `injectHot threw ${String(error)}`);
  }
  const { code, shift } = result;
  if (lineCount(code) !== lineCount(source) || code.split("\n").length !== source.split("\n").length) {
    found.set("lines", `the number of lines changed (${lineCount(source)} → ${lineCount(code)})`);
  }
  const tree = program(source);
  const place = insertion(source, code, shift);
  if (!place) {
    found.set("tokens", `the result is not the input with the statement added (shift ${shift}): ${JSON.stringify(code.slice(0, 300))}`);
  } else if (shift !== 0 && shift !== INJECTION.length) {
    found.set("tokens", `shift ${shift} is not the length of the statement`);
  } else if (tree) {
    // Tokens (of an input that parses: others have no tokens to speak of): each input token is
    // where it was, unless it follows the statement on its line; that happens only with a shift,
    // to every token of line 1, by exactly the shift.
    const wrong = tokensMoved(source, code, shift, place);
    if (wrong) found.set("tokens", wrong);
  }

  const is = parses(code);
  if ((tree !== undefined) !== is)
    found.set(
      "parse",
      tree ? "the input parses as a module, the result does not" : "the input does not parse as a module, the result does",
    );
  if (tree && READS.some((name) => source.includes(name))) {
    const shadowed = READS.filter((name) => declared(tree).has(name));
    if (shadowed.length > 0)
      found.set(
        "shadow",
        `the module declares ${shadowed.join(" and ")}, which the statement reads: it gets the module's binding (or a TDZ error), not the global`,
      );
  }
  // Only text that survives UTF-8 can come from a file (a lone surrogate cannot). injectHotBytes
  // lexes again: on input that is no module, es-module-lexer's result can depend on what it lexed
  // before (seed 168403636 differed in 1 of 37,568 generated modules), which hotload does not
  // control; on a module it is the same every time, so the comparison is made there. (Inside a
  // view at an offset, as Node hands sources: the decoding is what injectHotBytes adds.)
  const utf8 = Buffer.from(`\0${source}`, "utf8").subarray(1);
  const bytes = tree !== undefined && utf8.toString("utf8") === source ? injectHotBytes(utf8) : { code, shift };
  if (bytes.code !== code || bytes.shift !== shift) {
    found.set(
      "bytes",
      `injectHotBytes gives another result (shift ${bytes.shift} instead of ${shift}): ${JSON.stringify(bytes.code.slice(0, 200))}`,
    );
  }
  return found;
}

function tokensMoved(
  source: string,
  code: string,
  shift: number,
  place: { at: number; added: string; removed: number },
): string | undefined {
  const tin = tokens(unBom(source));
  if (!tin) return undefined;
  const tout = tokens(unBom(code));
  if (!tout) return "the input tokenizes, the result does not";
  const at = place.at - (source.startsWith("\uFEFF") ? 1 : 0);
  const delta = place.added.length - place.removed;
  // Keyed by start and text: an empty template chunk starts where the next token does.
  const byStart = new Map(tout.map((t) => [`${t.start}:${t.text}`, t]));
  for (const t of tin) {
    if (t.start >= at && t.start < at + place.removed) continue; // a shebang is no token anyway
    const moved = byStart.get(`${t.start < at ? t.start : t.start + delta}:${t.text}`);
    // The stand-alone tokenizer has no grammar context: after an import with no ";" it reads a "/"
    // on the next line as division, where ASI ends the import and the "/" opens a regular
    // expression; after the inserted ";" it reads the regular expression. Same program: the input's
    // tokens from that "/" to the end of the expression (`/[/]/` is five of them) are inside it.
    if (!moved && inRegExpReadAsDivision(t.start < at ? t.start : t.start + delta, tin, tout, at, delta)) continue;
    if (!moved) return `token ${JSON.stringify(t.text)} at ${t.line}:${t.column} is gone from the result`;
    if (moved.line !== t.line) return `token ${JSON.stringify(t.text)} moved from line ${t.line} to line ${moved.line}`;
    const expected = shift !== 0 && t.line === 1 ? t.column + shift : t.column;
    if (moved.column !== expected)
      return `token ${JSON.stringify(t.text)} on line ${t.line} moved from column ${t.column} to ${moved.column} (shift ${shift})`;
  }
  const statement = tout.filter((t) => t.start >= at && t.start < at + place.added.length).map((t) => t.text);
  const wanted = place.added.startsWith(";") ? [";", ...INJECTED] : INJECTED;
  if (statement.join(" ") !== wanted.join(" ")) return `the statement is not code there: its text lexes as ${JSON.stringify(statement)}`;
  return undefined;
}

/**
 * Whether `position` (in the result) is inside a regular expression of the result that starts
 * where the input has a "/" or "/=" token (read as division there, see tokensMoved).
 */
function inRegExpReadAsDivision(position: number, tin: readonly Token[], tout: readonly Token[], at: number, delta: number): boolean {
  const regexp = tout.find(
    (o) => o.text.length > 1 && o.text.startsWith("/") && o.text !== "/=" && o.start <= position && position < o.start + o.text.length,
  );
  if (!regexp) return false;
  return tin.some((t) => (t.text === "/" || t.text === "/=") && (t.start < at ? t.start : t.start + delta) === regexp.start);
}

/** What a fuzz run found: how many sources, how many parse, and the failures of each property. */
interface Run {
  checked: number;
  parsing: number;
  failures: Map<Property, { name: string; source: string; finding: string }[]>;
}

/** Checks sources until they run out, or the minimum is checked and the budget is spent. */
function fuzz(sources: Iterable<{ name: string; source: string }>, budgetMs: number, minimum: number): Run {
  const started = performance.now();
  const run: Run = { checked: 0, parsing: 0, failures: new Map() };
  for (const { name, source } of sources) {
    // The minimum is checked whatever the time (a loaded machine only makes the run longer); the
    // budget only bounds how far past it a fast machine goes.
    if (run.checked >= minimum && performance.now() - started > budgetMs) break;
    run.checked++;
    if (parses(source)) run.parsing++;
    for (const [property, finding] of violations(source)) {
      let list = run.failures.get(property);
      if (!list) run.failures.set(property, (list = []));
      list.push({ name, source, finding });
    }
  }
  return run;
}

// -------------------------------------------------------------------------------------------------
// Random modules.

/** Draws module sources: line 1 is where the variety is; the rest gives it context. */
class ModuleGenerator {
  readonly #r: Random;
  #n = 0;

  constructor(random: Random) {
    this.#r = random;
  }

  #id(prefix = "v"): string {
    return `${prefix}${++this.#n}`;
  }

  #spec(): string {
    const q = this.#r.chance(0.3) ? "'" : '"';
    return `${q}./m${this.#n}.mjs${q}`;
  }

  /** One import or re-export, mostly on one line. */
  importLike(): string {
    const r = this.#r;
    const a = this.#id("a");
    const b = this.#id("b");
    const sp = (): string => r.pick(["", " ", "  ", "\t"]);
    const forms = [
      () => `import ${a} from ${this.#spec()};`,
      () => `import {${sp()}${a}, ${b} as ${this.#id("c")}${sp()}} from ${this.#spec()};`,
      () => `import * as ${a} from ${this.#spec()}`,
      () => `import ${this.#spec()};`,
      () => `import ${a}, { ${b} } from ${this.#spec()};`,
      () => `import${sp()}{${a}}${sp()}from${sp()}${this.#spec()}`,
      () => `import ${a} from "./data.json" with { type: "json" };`,
      () => `import ${a} from "./data.json"\nwith { type: "json" };`,
      () => `import ${a} from "./data.json"\n\nwith { type: "json" };`,
      () => `import ${a} from "./data.json"\n// the attributes follow\nwith { type: "json" };`,
      () => `import ${a} from "./data.json" /* json */ with { type: "json" };`,
      () => `export * from ${this.#spec()};`,
      () => `export { ${a}, ${b} as ${this.#id("d")} } from ${this.#spec()};`,
      () => `export * as ${a} from ${this.#spec()}`,
      () => `import {\n  ${a},\n} from ${this.#spec()};`,
      () => `import { default as ${a} } from ${this.#spec()};`,
      () => `import { "string name" as ${a} } from ${this.#spec()};`,
      () => `import ${a} from "./it's.mjs";`,
      () => `import ${a} from './with "quote".mjs';`,
      () => `import ${a} from "./semi;colon.mjs"; import ${b} from "./b.mjs"`,
      () => `import ${a} from "./slash//comment.mjs";`,
      () => `import ${a} from ${this.#spec()} // a comment`,
      () => `import ${a} from ${this.#spec()}; /* a comment */`,
      () => `import ${a} from \`./template.mjs\`;`,
      () => `import ${a} from ${this.#spec()};;`,
      () => `import type ${a} from ${this.#spec()};`,
    ];
    return r.pick(forms)();
  }

  expression(depth = 0): string {
    const r = this.#r;
    const leaf = [
      () => String(r.int(1000)),
      () => `0x${r.int(255).toString(16)}`,
      () => `${r.int(9)}n`,
      () =>
        JSON.stringify(
          r.pick([
            "plain",
            "it's",
            'say "hi"',
            "import x from 'y';",
            "// not a comment",
            "/* nor this */",
            "`",
            "${x}",
            "\\",
            "\u2028",
            "é",
            "😀",
          ]),
        ),
      () => `'${r.pick(["single", "a\\'b", "slash\\\\", "tab\\t"])}'`,
      () => "`template`",
      () => "`with ${1 + 2} inside`",
      () => "`spans\nlines ${`nested ${0}`}\n`",
      () => r.pick(["/ab+c/gi", "/[/]/", "/\\/\\*x/", "/a(?<name>b)\\k<name>/u", "/[\\]/]+/v"]),
      () => "import.meta.url",
      () => "import.meta.hot?.data",
      () => r.pick(["x", "globalThis", "undefined", "null", "true", "this"]),
      () => "(() => 1)",
      () => "async () => { await 0; }",
      () => "function () { return arguments.length; }",
      () => "{ a: 1, 'b': 2, [c]: 3, ...d }",
      () => "[1, , 3, ...e]",
      () => "new.target ?? 1",
    ];
    if (depth > 2 || r.chance(0.55)) return r.pick(leaf)();
    const forms = [
      () =>
        `${this.expression(depth + 1)} ${r.pick(["+", "-", "*", "/", "%", "**", "&&", "||", "??", "===", "<", ">>>", "|", "in", "instanceof"])} ${this.expression(depth + 1)}`,
      () => `(${this.expression(depth + 1)})`,
      () => `${this.expression(depth + 1)} ? ${this.expression(depth + 1)} : ${this.expression(depth + 1)}`,
      () => `f(${this.expression(depth + 1)}, ${this.expression(depth + 1)})`,
      () => `tag\`a${"${"}${this.expression(depth + 1)}}b\``,
      () => `a / b / ${this.expression(depth + 1)}`,
      () => `typeof ${this.expression(depth + 1)}`,
      () => `await ${this.expression(depth + 1)}`,
      () => `(a,\n ${this.expression(depth + 1)})`,
    ];
    return r.pick(forms)();
  }

  /** One statement (may span lines). */
  statement(): string {
    const r = this.#r;
    const semi = r.chance(0.8) ? ";" : "";
    const forms = [
      () => `const ${this.#id()} = ${this.expression()}${semi}`,
      () => `let ${this.#id()} = ${this.expression()}${semi}`,
      () => `var ${this.#id()}${semi}`,
      () => `${this.expression()}${semi}`,
      () => `export const ${this.#id("e")} = ${this.expression()}${semi}`,
      () => `export function ${this.#id("f")}(a, b = 1, ...c) {\n  return a / b;\n}`,
      () => `export class ${this.#id("K")} { #p = 1; static s = 2; get p() { return this.#p; } }`,
      () => `function ${this.#id("g")}() { return /re/.test("x") }`,
      () => `if (${this.expression()}) ${this.#id()}()${semi}`,
      () => `if (x)\n  y()${semi}`,
      () => `for (const k of [1, 2]) {}`,
      () => `while (false) break${semi}`,
      () => `do x++; while (x < 2)`,
      () => `try { a() } catch { b() } finally { c() }`,
      () => `switch (x) { case 1: break; default: }`,
      () => `${this.#id("label")}: for (;;) break`,
      () => `// a comment with 'quotes' and /* */ and \`ticks\``,
      () => `/* a block comment */`,
      () => `/* a block comment\n   on several lines */`,
      () => `/** JSDoc\n * @param {string} x\n */`,
      () => `{ ${this.statement()} }`,
      () => `;`,
      () => ``,
      () => `const ${this.#id()} = \`a template\non two lines\`${semi}`,
      () => `const ${this.#id()} = "a\\\nline continuation"${semi}`,
      () => `import.meta.hot?.accept()${semi}`,
      () => `const hot = import.meta.hot${semi}`,
      () => `export default ${this.expression()}${semi}`,
      () => `await import(${this.#spec()})${semi}`,
      () => `const café = 1, \\u0062ar = 2${semi}`,
      () => `x\n++y`,
      () => `let ${this.#id()} = 1\n(function () {})()`,
      () => `let ${this.#id()} = 1\n[1, 2].forEach(f)`,
      () => `let ${this.#id()} = a\n/re/g.exec(b)`,
      () => `const ${this.#id()} = 1 /* c */ / 2`,
      () => (r.chance(0.2) ? "class Symbol {}" : r.chance(0.5) ? "const globalThis = {};" : "class Sym {}"),
      () => `<!-- an HTML comment, not allowed in a module`,
      () => `return 1${semi}`,
      () => `with (obj) {}`,
      () => `const ${this.#id()} = 010${semi}`,
    ];
    return r.pick(forms)();
  }

  /** A whole module. */
  module(): string {
    const r = this.#r;
    const parts: string[] = [];
    // Line 1 is where the statement goes: weight the forms that decide where.
    const head = r.weighted({ imports: 4, statement: 3, comment: 1, empty: 1, mixed: 2 });
    if (head === "imports") parts.push(Array.from({ length: r.range(1, 4) }, () => this.importLike()).join(r.pick([" ", "", "  "])));
    else if (head === "statement") parts.push(this.statement());
    else if (head === "comment")
      parts.push(r.pick(["// first line", "/* first */ line();", "/* opens here", "/* closes */ import x0 from './x.mjs';"]));
    else if (head === "mixed") parts.push(`${this.importLike()} ${this.statement()}`);
    else parts.push("");
    const rest = r.range(0, 8);
    for (let i = 0; i < rest; i++) parts.push(r.chance(0.4) ? this.importLike() : this.statement());
    let source = parts.join("\n");
    if (head === "comment" && parts[0] === "/* opens here") source += "\n*/";

    const eol = r.weighted({ lf: 6, crlf: 2, cr: 0.5, ls: 0.5, mixed: 1 });
    if (eol === "crlf") source = source.replace(/\n/g, "\r\n");
    else if (eol === "cr") source = source.replace(/\n/g, "\r");
    else if (eol === "ls") source = source.replace(/\n/g, "\u2028");
    else if (eol === "mixed") source = source.replace(/\n/g, () => r.pick(["\n", "\r\n", "\r", "\u2029"]));
    if (r.chance(0.15)) {
      const end = r.weighted({ "\n": 20, "\r\n": 5, "\r": 1, "\u2028": 1 });
      source = `#!/usr/bin/env node${r.chance(0.3) ? " --flag" : ""}${end}${source}`;
    }
    if (r.chance(0.1)) source = `\uFEFF${source}`;
    if (r.chance(0.1)) source += r.pick(["\n", "\r\n", "\n\n"]);
    // Break some: a character removed, added or doubled.
    if (r.chance(0.2)) {
      for (let i = r.range(1, 3); i > 0 && source.length > 0; i--) {
        const at = r.int(source.length);
        const what = r.pick(["delete", "insert", "double"]);
        if (what === "delete") source = source.slice(0, at) + source.slice(at + 1);
        else if (what === "insert")
          source =
            source.slice(0, at) + r.pick(["{", "}", "(", ")", "[", "'", '"', "`", "/", "*", ";", "\n", "\\", "#"]) + source.slice(at);
        else source = source.slice(0, at) + source.slice(at, at + 5) + source.slice(at);
      }
    }
    return source;
  }
}

function* generated(seed: number): Generator<{ name: string; source: string }> {
  const generator = new ModuleGenerator(new Random(seed));
  for (let i = 0; ; i++) yield { name: `generated #${i}`, source: generator.module() };
}

// -------------------------------------------------------------------------------------------------
// Real modules: every .js/.mjs file under node_modules, in a seeded order (the budget may stop
// the run before the last).

function shipped(): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      let stats;
      try {
        stats = statSync(path);
      } catch {
        continue;
      }
      if (stats.isDirectory()) {
        if (depth < 12 && name !== ".bin" && name !== ".cache") walk(path, depth + 1);
      } else if (/\.m?js$/.test(name) && stats.size <= 2_000_000) {
        out.push(path);
      }
    }
  };
  walk(NODE_MODULES, 0);
  return out.sort();
}

function* realSources(files: readonly string[]): Generator<{ name: string; source: string }> {
  for (const file of files) yield { name: relative(NODE_MODULES, file), source: readFileSync(file, "utf8") };
}

// -------------------------------------------------------------------------------------------------

/** What sets an input apart, to tell failures with different causes apart. */
function traits(source: string): string {
  const out: string[] = [];
  if (/^\uFEFF?#![^\n]*[\r\u2028\u2029]/.test(source) && !/^\uFEFF?#![^\r\n\u2028\u2029]*\r\n/.test(source))
    out.push("a shebang line ended by CR or U+2028");
  else if (/^[^\n]*\n(\s*(\/\/[^\n]*)?\n)+\s*(with|assert)\b/.test(unBom(source)))
    out.push("import attributes below a blank or comment line 2");
  else if (/^[^\n]*\n\s*(with|assert)\b/.test(unBom(source))) out.push("import attributes on line 2");
  return out.length > 0 ? ` [${out.join(", ")}]` : "";
}

/**
 * The failures of `property` in both runs, or "" when none: grouped by what went wrong, with the
 * two shortest inputs of each group.
 */
function failuresOf(property: Property): string {
  const parts: string[] = [];
  for (const [what, run] of [
    ["generated modules", generatedRun],
    ["files from node_modules", realRun],
  ] as const) {
    const list = run.failures.get(property) ?? [];
    if (list.length === 0) continue;
    const groups = new Map<string, typeof list>();
    for (const failure of list) {
      const kind =
        failure.finding
          .replace(/[:(].*$/s, "")
          .replace(/"[^"]*"/g, '"…"')
          .replace(/\d+/g, "N")
          .trim() + (property === "shadow" || property === "bytes" ? "" : traits(failure.source));
      groups.set(kind, [...(groups.get(kind) ?? []), failure]);
    }
    const shown = [...groups].map(([kind, group]) => {
      const examples = [...group]
        .sort((a, b) => a.source.length - b.source.length)
        .slice(0, 2)
        .map(
          (f) =>
            `    ${f.name}: ${f.finding}\n      input: ${JSON.stringify(f.source.length > 500 ? `${f.source.slice(0, 500)}…` : f.source)}`,
        );
      return `  ${group.length} × ${kind}\n${examples.join("\n")}`;
    });
    parts.push(`${list.length} of ${run.checked} ${what}:\n${shown.join("\n")}`);
  }
  return parts.length === 0 ? "" : `${parts.join("\n")}\n(seed ${SEED}; HOTLOAD_STRESS_SEED=${SEED} replays)`;
}

let generatedRun: Run;
let realRun: Run;
let fileCount = 0;
/** What was checked, reported as a diagnostic of the first test (not loose on stderr). */
let summary = "";

describe(`injectHot on seeded random modules (seed ${SEED}) and on every .js/.mjs file in node_modules`, () => {
  before(() => {
    generatedRun = fuzz(generated(SEED), BUDGET_MS, MIN_GENERATED);
    const files = new Random(SEED).shuffle(shipped()).slice(0, MAX_FILES);
    fileCount = files.length;
    realRun = fuzz(realSources(files), BUDGET_MS, MIN_REAL);
    summary =
      `seed ${SEED}: ${generatedRun.checked} generated modules (${generatedRun.parsing} parse as modules), ` +
      `${realRun.checked} of ${files.length} files from node_modules (${realRun.parsing} parse as modules)`;
    assert.ok(files.length > 0, `no .js/.mjs file under ${NODE_MODULES}`);
  });

  test("enough sources were checked, and enough of them parse", (t) => {
    t.diagnostic(summary);
    assert.ok(generatedRun.checked >= MIN_GENERATED, `only ${generatedRun.checked} generated modules were checked`);
    assert.ok(
      generatedRun.parsing >= generatedRun.checked * 0.2,
      `only ${generatedRun.parsing} of ${generatedRun.checked} generated modules parse: the generator is too broken to say much`,
    );
    assert.ok(realRun.checked >= Math.min(MIN_REAL, fileCount), `only ${realRun.checked} files from node_modules were checked`);
  });

  test("it never throws, and never changes the number of lines", () => {
    const found = failuresOf("lines");
    if (found) assert.fail(found);
  });

  test("no token after line 1 moves; on line 1 none moves with shift 0, all move by exactly shift otherwise; the statement is code", () => {
    const found = failuresOf("tokens");
    if (found) assert.fail(found);
  });

  test("the result parses as a module exactly when the input does", () => {
    const found = failuresOf("parse");
    if (found) assert.fail(found);
  });

  test("the statement reads no name the module declares (it reads globalThis and Symbol)", () => {
    const found = failuresOf("shadow");
    if (found) assert.fail(found);
  });

  test("injectHotBytes on the UTF-8 bytes of a module gives what injectHot gives", () => {
    const found = failuresOf("bytes");
    if (found) assert.fail(found);
  });
});
