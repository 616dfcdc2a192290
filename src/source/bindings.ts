/**
 * Which exports of a module an importer uses, read from its static import statements (the text
 * es-module-lexer delimits): what Vite calls `importedBindings`, for `acceptExports`.
 */
import { lex, type SourceFacts } from "./lexer.js";
import { evaluatedCode } from "./top-level.js";

/** The namespace: every export (`import * as ns`, `export * from`). */
export const ALL = "*";

/**
 * The export names one static import or re-export statement uses: `default`, named imports by
 * the name they have in the exporting module, {@link ALL} for a namespace. Empty for an import
 * for side effects only; undefined when the statement cannot be read.
 */
export function namesImportedBy(statement: string): Set<string> | undefined {
  const names = new Set<string>();
  if (/^import\s*["']/.test(statement)) return names;
  const match = /^(import|export)([\s\S]*?)\bfrom\s*["']/.exec(statement);
  if (!match) return undefined;
  let clause = match[2]!.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, " ").trim();
  if (/^type\s/.test(clause) && !/^type\s*(?:,|from\b)/.test(clause)) return names;
  const braces = /\{([^}]*)\}/.exec(clause);
  if (braces) {
    for (const part of braces[1]!.split(",")) {
      const spec = part.trim();
      if (spec === "" || /^type\s+\S/.test(spec)) continue;
      const imported = /^("[^"]*"|'[^']*'|[\w$\u0080-\uffff]+)/.exec(spec)?.[1];
      if (imported === undefined) return undefined;
      names.add(/^["']/.test(imported) ? imported.slice(1, -1) : imported);
    }
    clause = clause.replace(braces[0], "");
  }
  if (/\*/.test(clause)) names.add(ALL);
  // A default import: a name before the braces or the namespace (`import d, { a }`), not in a re-export.
  if (match[1] === "import" && /^[\w$\u0080-\uffff]+\s*(?:,|$)/.test(clause.trim())) names.add("default");
  return names;
}

/**
 * The export names `source` (lexed as `facts`) imports from the module `dep`, by its static
 * imports whose specifier `resolve` turns into `dep`. Undefined when some import of it cannot be
 * read. A dynamic import (of `dep`, or with a computed specifier) uses the namespace: {@link ALL}.
 */
function namesImportedFrom(
  source: string,
  facts: SourceFacts,
  dep: string,
  resolve: (specifier: string) => string | undefined,
): Set<string> | undefined {
  const names = new Set<string>();
  let found = false;
  for (const entry of facts.imports) {
    if (entry.typeOnly || resolve(entry.specifier) !== dep) continue;
    found = true;
    const used = namesImportedBy(source.slice(entry.start, entry.end));
    if (used === undefined) return undefined;
    for (const name of used) names.add(name);
  }
  // import() resolves to the namespace: every export, as in Vite (a computed specifier may be `dep`).
  if (facts.dynamicImports.some((specifier) => specifier === undefined || resolve(specifier) === dep)) {
    found = true;
    names.add(ALL);
  }
  return found ? names : undefined;
}

/**
 * Whether the module whose source is `importerSource` (at `importer`) imports `dep` only for its
 * side effects: an ES module statically, with no name (`import "./routes/users.mjs"`), and never
 * dynamically; a CommonJS module with a `require("./routes/users")` that is a statement of its
 * own. Specifiers are resolved as in {@link importsOnlyAccepted}.
 */
export function importedForSideEffects(importerSource: string | Buffer | undefined, importer: string, dep: string): boolean {
  if (importerSource === undefined) return false;
  const text = importerSource.toString();
  const facts = lex(text);
  if (facts === undefined) return false;
  const resolve = resolverFor(importer, dep);
  const names = namesImportedFrom(text, facts, dep, resolve);
  if (names !== undefined || facts.imports.length > 0) return names?.size === 0;
  for (const [, , specifier] of text.matchAll(BARE_REQUIRE)) if (resolve(specifier!) === dep) return true;
  return false;
}

/**
 * Whether the module whose source is `importerSource` (at `importer`) registers something on what
 * it gets from `dep` as it evaluates: at its top level (not in a function it defines), it calls a
 * binding it imports from `dep`, or a method of one, with a function, a class or a new object among
 * the arguments (`app.get("/", …)`, `app.use(routes)`, `app.listen(port, () => …)`,
 * `register(handler)`, `registry.add(new Handler())`), or a method that changes an array, a Map or
 * a Set in place (`routes.push("/")`, `cache.set(key, value)`), or assigns to a property of one
 * (`app.locals.title = …`, `state.count += 1`, `state.count++`); statically imported or bound to a
 * `require()`. Calls that only use the
 * binding (`pool.query(sql)`, `await db.migrate()`) do not count, nor listener methods (`on`,
 * `once`…), whose listeners in-place updates retire by themselves (inplace/resources.ts).
 */
export function mutatesImport(importerSource: string | Buffer | undefined, importer: string, dep: string): boolean {
  if (importerSource === undefined) return false;
  const text = importerSource.toString();
  const facts = lex(text);
  const resolve = resolverFor(importer, dep);
  const locals: string[] = [];
  /** Names that may hold a function: what the module imports from its own files, and declares as one. */
  const functions = new Set<string>();
  for (const entry of facts?.imports ?? []) {
    if (entry.typeOnly) continue;
    const names = localNamesOf(text.slice(entry.start, entry.end));
    if (resolve(entry.specifier) === dep) locals.push(...names);
    else if (/^\.{0,2}\//.test(entry.specifier)) names.forEach((name) => functions.add(name));
  }
  for (const [, names, , specifier] of text.matchAll(BOUND_REQUIRE)) {
    const bound = localNamesOf(`import ${names} from`);
    if (resolve(specifier!) === dep) locals.push(...bound);
    else if (/^\.{0,2}\//.test(specifier!)) bound.forEach((name) => functions.add(name));
  }
  if (locals.length === 0) return false;
  for (const declared of text.matchAll(FUNCTION_DECLARED)) functions.add((declared[1] ?? declared[2] ?? declared[3])!);
  const evaluated = evaluatedCode(text);
  const names = locals.map((name) => name.replace(/\$/g, "\\$")).join("|");
  for (const match of text.matchAll(
    new RegExp(`(?<![\\w$.])(?:${names})((?:\\s*\\??\\.\\s*([\\w$]+)|\\s*\\[[^\\]\\n]*\\])*)\\s*(\\(|${ASSIGNS})`, "g"),
  )) {
    if (evaluated[match.index] !== 1) continue;
    // The binding itself cannot be assigned (an import): only what it holds.
    if (match[3] !== "(") {
      if (match[1] !== "") return true;
      continue;
    }
    if (LISTENER_METHODS.has(match[2] ?? "")) continue;
    if (match[1] !== "" && MUTATORS.has(match[2] ?? "")) return true;
    const args = argumentsAt(text, match.index + match[0].length - 1);
    if (
      /=>|\bfunction\b|\bclass\b|\bnew\s/.test(args) ||
      [...args.matchAll(/(?<![\w$.])[\w$]+(?![\w$]*\s*[:(])/g)].some(([word]) => functions.has(word))
    )
      return true;
  }
  return false;
}

/** The methods that change an array, a Map or a Set in place (`routes.push(…)`, `cache.set(…)`). */
const MUTATORS: ReadonlySet<string> = new Set([
  "push",
  "unshift",
  "splice",
  "pop",
  "shift",
  "sort",
  "reverse",
  "fill",
  "copyWithin",
  "set",
  "add",
  "delete",
  "clear",
]);

/** After a property: an assignment (`=`, `+=`, `??=`…, not `==` or `=>`), or an update (`count++`). */
const ASSIGNS = String.raw`(?:\*\*|<<|>>>?|&&|\|\||\?\?|[-+*/%&|^])?=(?![=>])|\+\+|--`;

/**
 * Whether the module whose source is `importerSource` (at `importer`) re-exports from `dep`
 * (`export * from "./reg.mjs"`, `export { routes } from "./reg.mjs"`, or `import { routes } from
 * "./reg.mjs"` and then `export { routes }`): what is changed through it lives in `dep`.
 */
export function reExports(importerSource: string | Buffer | undefined, importer: string, dep: string): boolean {
  if (importerSource === undefined) return false;
  const text = importerSource.toString();
  const facts = lex(text);
  if (!facts) return false;
  const resolve = resolverFor(importer, dep);
  if (facts.reExported.some((specifier) => resolve(specifier) === dep)) return true;
  // `import registry from "./registry.mjs"; export default registry;` (the lexer names no local there).
  const name = /\bexport\s+default\s+([\w$]+)\s*(?:;|$)/m.exec(text)?.[1];
  return (
    name !== undefined &&
    facts.imports.some(
      (entry) => !entry.typeOnly && resolve(entry.specifier) === dep && importedNames(text.slice(entry.start, entry.end)).includes(name),
    )
  );
}

/** The local names an import statement binds: `a, { b, c as d }` → a, b, d; `* as ns` → ns. */
function importedNames(statement: string): string[] {
  const clause = /^import\s+([\s\S]*?)\s*\bfrom\s*["'`]/.exec(statement)?.[1] ?? "";
  const names = [...clause.replace(/\{[^}]*\}/, "").matchAll(/(?:\*\s*as\s+)?([\w$]+)/g)].map((m) => m[1]!);
  for (const part of /\{([^}]*)\}/.exec(clause)?.[1]?.split(",") ?? []) names.push(part.trim().split(/\s+/).at(-1) ?? "");
  return names;
}

/** The methods that add or remove listeners, or emit: what they register goes with its version by itself. */
const LISTENER_METHODS: ReadonlySet<string> = new Set([
  "on",
  "once",
  "addListener",
  "prependListener",
  "prependOnceListener",
  "off",
  "removeListener",
  "removeAllListeners",
  "emit",
]);

/** `function name(`, `class Name`, `const name = (…) =>`, `const name = async function`. */
const FUNCTION_DECLARED =
  /\bfunction\s*\*?\s*([\w$]+)\s*\(|\bclass\s+([\w$]+)|\b(?:const|let|var)\s+([\w$]+)\s*=\s*(?:async\s+)?(?:function\b|class\b|(?:\([^()]*\)|[\w$]+)\s*=>)/g;

/** The text between the `(` at `open` and its `)` (strings inside are skipped roughly). */
function argumentsAt(text: string, open: number): string {
  let depth = 0;
  for (let at = open; at < text.length; at++) {
    const c = text[at]!;
    if (c === '"' || c === "'" || c === "`") {
      for (at++; at < text.length && text[at] !== c; at += text[at] === "\\" ? 2 : 1);
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return text.slice(open + 1, at);
  }
  return text.slice(open + 1);
}

/** `const app = require("./app")`, `const { app, db: pool } = require("./app")`. */
const BOUND_REQUIRE = /\b(?:const|let|var)\s+([\w$]+|\{[^}]*\})\s*=\s*require\(\s*(["'])([^"'\n]+)\2\s*\)/g;

/** The local names an import statement binds (`import d, { a as b } from`: d, b; `* as ns`: ns); for `{ a: b }` (destructuring) b. */
function localNamesOf(statement: string): string[] {
  const match = /^import\s+([\s\S]*?)\s*\bfrom\b/.exec(statement);
  if (!match || /^type\s/.test(match[1]!)) return [];
  const clause = match[1]!.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, " ");
  const names: string[] = [];
  const braces = /\{([^}]*)\}/.exec(clause);
  for (const part of braces?.[1]!.split(",") ?? []) {
    const local = /(?:\bas\s+|:\s*|^\s*)([\w$]+)\s*$/.exec(part.trim())?.[1];
    if (local !== undefined && !/^type\s/.test(part.trim())) names.push(local);
  }
  const rest = braces ? clause.replace(braces[0], "") : clause;
  for (const [, name] of rest.matchAll(/(?:^|,|\bas)\s*([\w$]+)/g)) if (name !== "as") names.push(name!);
  return names;
}

/** A line that is only `require("…")` (a comment may follow). */
const BARE_REQUIRE = /^[ \t]*require\([ \t]*(["'])([^"'\n]+)\1[ \t]*\)[ \t]*;?[ \t]*(?:\/\/.*)?$/gm;
/** What require() and TypeScript loaders try after a specifier (a project file, not a package). */
const SUFFIXES = ["", ".js", ".json", ".cjs", ".mjs", ".ts", ".mts", ".cts", ".tsx", "/index.js", "/index.ts"];

/**
 * Resolves specifiers of `importer` as {@link relativeTo}, taking what a loader may add to one
 * (require()'s extensions, tsx's `./users` or `./users.js` for users.ts) to name `dep`.
 */
function resolverFor(importer: string, dep: string): (specifier: string) => string | undefined {
  const relative = relativeTo(importer);
  return (specifier) => {
    const url = relative(specifier);
    if (url === undefined) return undefined;
    const bare = url.replace(/\.[cm]?js$/, "");
    return SUFFIXES.some((suffix) => url + suffix === dep || (bare !== url && bare + suffix === dep)) ? dep : url;
  };
}

/** Resolves relative and URL specifiers against `importer` (anything else: undefined). */
function relativeTo(importer: string): (specifier: string) => string | undefined {
  return (specifier) => {
    if (!/^(?:\.{0,2}\/|file:)/.test(specifier)) return undefined;
    try {
      return new URL(specifier, importer).href;
    } catch {
      return undefined;
    }
  };
}

/** Whether every name in `used` is accepted; the namespace only when every export is. */
export function allAccepted(used: ReadonlySet<string>, accepted: ReadonlySet<string>, exports: readonly string[] | undefined): boolean {
  for (const name of used) {
    if (name === ALL ? exports === undefined || !exports.every((e) => accepted.has(e)) : !accepted.has(name)) return false;
  }
  return true;
}

/**
 * Whether the module whose source is `importerSource` (at `importer`) uses only exports of `dep`
 * in `accepted` (see {@link allAccepted}; `depSource` gives `dep`'s export names). Relative and
 * URL specifiers are resolved against `importer`; an import that resolves otherwise (a package,
 * an extension left out) is not recognised, so the importer is updated: the safe side.
 */
export function importsOnlyAccepted(
  importerSource: string | Buffer | undefined,
  importer: string,
  depSource: string | Buffer | undefined,
  dep: string,
  accepted: ReadonlySet<string>,
): boolean {
  if (importerSource === undefined) return false;
  const text = importerSource.toString();
  const facts = lex(text);
  if (facts === undefined) return false;
  const used = namesImportedFrom(text, facts, dep, relativeTo(importer));
  if (used === undefined) return false;
  const exports = depSource === undefined ? undefined : lex(depSource.toString())?.exports;
  return allAccepted(used, accepted, exports);
}
