/**
 * What a new version of a CommonJS or JSON module must pass before an update disposes anything.
 * Such modules cannot wait at the update's gate (require() is synchronous): their old versions are
 * disposed before the new ones load, so an error found only by loading them would stop the
 * working version. Checked here first, as an ES module's are by linking: the new content compiles
 * as Node's CommonJS loader compiles it (V8 judges, so nothing it accepts is refused), and the
 * relative files its leading `require()` statements name (which run whatever else it does) exist
 * and, when new to the program, compile too.
 */
import Module, { createRequire, stripTypeScriptTypes } from "node:module";
import { basename, dirname, extname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { compileFunction } from "node:vm";
import type { Node, Options } from "acorn";
import { readFileSync } from "../../shared/fs.js";
import { dynamicImport } from "../../shared/dynamic-import.js";
import { findSyntaxError } from "../failure/location.js";
import { isEsm } from "../modules/tracker.js";

/** The parameters of Node's CommonJS module wrapper. */
const WRAPPER = ["exports", "require", "module", "__filename", "__dirname"];
/** A file Node loads by its content when no `"type"` says otherwise (its format is left undefined). */
const TYPELESS = /(?:\.js|\/[^./]*)$/;
/** TypeScript a loader other than Node compiles (tsx): what it accepts is not known here. */
const TYPESCRIPT = /\.[cm]?tsx?$/;
/** The require() extensions Node has of its own: any other is a loader's (tsx, babel, ts-node). */
const NODE_EXTENSIONS = new Set([".js", ".json", ".node"]);

/** What the check needs to know of a module. */
interface Compiled {
  /** Its absolute path. */
  readonly file: string;
  /** The format Node last loaded it as (undefined: a typeless file, by its content). */
  readonly format: string | undefined;
}

/** What the check asks of the engine. */
export interface PreflightView {
  /** The module `id` (a URL) as last loaded; undefined for no module of the graph. */
  moduleOf(id: string): Compiled | undefined;
  /** Whether `require()` of `file` returns what is loaded (in require.cache, not re-evaluated now). */
  loaded(file: string): boolean;
  /** Runs a resolution that is not an import (no edge in the graph). */
  resolvingOnly<T>(resolve: () => T): T;
  /** Runs a compilation of a file that is no load of it (the hooks it runs record nothing). */
  compilingOnly<T>(compile: () => T): T;
}

/**
 * The CommonJS and JSON modules of `invalidated` whose old versions must be disposed before any new
 * ES version links: those a re-evaluated ES module imports (Node runs them as it links it, before
 * the gate), and those they require in turn. The others are disposed at the gate with the ES
 * modules, once every new ES version linked: a syntax or link error there leaves them running.
 */
export function disposedBeforeLinking(
  invalidated: readonly string[],
  isEsm: (id: string) => boolean,
  importers: (id: string) => Iterable<string>,
): Set<string> {
  const updated = new Set(invalidated);
  const early = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const id of invalidated) {
      if (isEsm(id) || early.has(id)) continue;
      if (![...importers(id)].some((importer) => updated.has(importer) && (isEsm(importer) || early.has(importer)))) continue;
      early.add(id);
      grew = true;
    }
  }
  return early;
}

/** A source to check: a changed module's new content, or a file it requires for the first time. */
interface Pending extends Compiled {
  readonly url: string;
  readonly text: string;
}

/**
 * Throws the first error Node would throw loading the CommonJS or JSON modules `ids` (URLs) with
 * the content an update read of them (`contents`; modules without did not change): a SyntaxError,
 * or a relative file a leading require() names that cannot be found. Its stack starts `file:line`,
 * the line and a caret, as V8 reports a script's syntax error (see location.ts). While another
 * loader compiles CommonJS (its own require() extensions), that loader compiles each file.
 */
export async function preflight(ids: readonly string[], contents: ReadonlyMap<string, Buffer>, view: PreflightView): Promise<void> {
  const extensions = (Module as unknown as { _extensions: Record<string, Compiler | undefined> })._extensions;
  // Another loader compiles CommonJS (tsx in a package without "type": "module"): what it accepts
  // is known only by asking it (see compiledByLoader).
  const loader = Object.keys(extensions).some((ext) => !NODE_EXTENSIONS.has(ext)) ? extensions : undefined;
  const pending: Pending[] = [];
  // Files checked or to be checked: a changed module that another requires is checked as changed.
  const visited = new Set<string>();
  for (const id of ids) {
    const module = view.moduleOf(id);
    const content = contents.get(id);
    if (module === undefined || content === undefined || isEsm(module.format)) continue;
    pending.push({ ...module, url: id, text: content.toString() });
    visited.add(module.file);
  }
  for (let i = 0; i < pending.length; i++) {
    const { file, text } = pending[i]!;
    const compiled = loader ? await compiledByLoader(loader, pending[i]!, view) : await compile(pending[i]!);
    if (compiled instanceof Error) throw compiled;
    // What another loader transformed is not searched: its offsets are not the file's (Node's
    // type stripping keeps every offset).
    if (compiled === undefined || (loader !== undefined && compiled !== text)) continue;
    const requireFrom = createRequire(file);
    const resolveRequired = (specifier: string): string => view.resolvingOnly(() => requireFrom.resolve(specifier));
    if (nothingNewRequired(compiled, resolveRequired, (required) => visited.has(required) || view.loaded(required))) continue;
    for (const { specifier, at } of await leadingRequires(compiled)) {
      let required: string;
      try {
        required = resolveRequired(specifier);
      } catch (error) {
        if ((error as { code?: unknown }).code === "MODULE_NOT_FOUND") throw notFound(file, text, specifier, at);
        continue;
      }
      if (!isAbsolute(required) || visited.has(required) || view.loaded(required)) continue;
      visited.add(required);
      const format = formatOf(required);
      const checked = format !== null || (loader !== undefined && extname(required) !== ".node" && loader[extname(required)] !== undefined);
      const content = checked ? readText(required) : undefined;
      if (content !== undefined)
        pending.push({ file: required, url: pathToFileURL(required).href, format: format ?? undefined, text: content });
    }
  }
}

/**
 * What another loader makes of `module`: the code its `require.extensions` entry for the file
 * (the one Node would pick: tsx's `.js` entry compiles plain JavaScript too, a `.cjs` or `.cts`
 * file has none of its own) hands to `module._compile()`, captured and not run, with hotload's
 * hooks out of the way should that entry be Node's own; or the error it would throw.
 */
async function compiledByLoader(
  extensions: Record<string, Compiler | undefined>,
  { file, url, text }: Pending,
  view: PreflightView,
): Promise<string | Error | undefined> {
  const ext = extname(file);
  if (ext === ".node") return undefined;
  if (ext === ".json") return jsonError(file, text);
  const compiler = compilerOf(extensions, file);
  if (compiler === undefined) return undefined;
  const compiled = view.compilingOnly(() => compiledBy(compiler, file, text));
  // Node's own entry hands on a typeless file's ES module syntax as it is: Node loads it as one.
  if (compiled instanceof SyntaxError && TYPELESS.test(file) && (await findSyntaxError(text, url, "commonjs")) === undefined)
    return undefined;
  return compiled;
}

/**
 * The source Node compiles for `module` (undefined for JSON, or what is not checked here), or the
 * SyntaxError Node would throw.
 */
async function compile({ file, url, format, text }: Pending): Promise<string | SyntaxError | undefined> {
  if (format === "json") return jsonError(file, text);
  let source = text;
  if (format === "commonjs-typescript") {
    const stripped = strip(file, text);
    if (stripped === undefined || stripped instanceof SyntaxError) return stripped;
    source = stripped;
  } else if (!(format === "commonjs" || (format === undefined && TYPELESS.test(file))) || TYPESCRIPT.test(file)) return undefined;
  try {
    compileFunction(source, WRAPPER, { filename: file });
    return source;
  } catch (error) {
    if (!(error instanceof SyntaxError)) return undefined;
    // A typeless .js file that is no CommonJS may be an ES module: Node loads it as one (syntax
    // detection), and then it waits at the gate like any other.
    if (format !== "commonjs-typescript" && (await findSyntaxError(text, url, "commonjs")) === undefined) return undefined;
    return error;
  }
}

/** A `require.extensions` entry: it compiles `module` from `filename` through `module._compile()`. */
type Compiler = (module: Module, filename: string) => void;

/** The `require.extensions` entry Node picks for `file`: of its longest registered extension, else `.js`'s. */
function compilerOf(extensions: Record<string, Compiler | undefined>, file: string): Compiler | undefined {
  const name = basename(file);
  // A dot at 0 starts a dotfile's name, not an extension.
  for (let at = name.indexOf(".", 1); at !== -1; at = name.indexOf(".", at + 1)) {
    const compiler = extensions[name.slice(at)];
    if (compiler !== undefined) return compiler;
  }
  return extensions[".js"];
}

/**
 * The code another loader's `require.extensions` entry (`compiler`) hands to `module._compile()`
 * for `file` (captured, not run), the error it throws, or the SyntaxError of that code. Its entry
 * reads the file itself: unchecked (undefined) unless the file still holds `text`, or when the
 * code is an ES module's.
 */
function compiledBy(compiler: Compiler, file: string, text: string): string | Error | undefined {
  if (readText(file) !== text) return undefined;
  const module = new Module(file);
  module.filename = file;
  module.paths = (Module as unknown as { _nodeModulePaths(from: string): string[] })._nodeModulePaths(dirname(file));
  let compiled: string | undefined;
  let format: string | undefined;
  (module as unknown as { _compile(code: string, filename: string, format?: string): void })._compile = (code, _filename, as) => {
    compiled = code;
    format = as;
  };
  try {
    compiler(module, file);
  } catch (error) {
    // What the loader throws, the update's load would throw, after the old versions were disposed.
    return error instanceof Error ? error : undefined;
  }
  if (typeof compiled !== "string" || isEsm(format)) return undefined;
  // Node's own entry hands on a `.cts` file's TypeScript, which its _compile() strips.
  const source = format === "commonjs-typescript" ? strip(file, compiled) : compiled;
  if (typeof source !== "string") return source;
  try {
    compileFunction(source, WRAPPER, { filename: file });
    return compiled;
  } catch (error) {
    return error instanceof SyntaxError ? error : undefined;
  }
}

/** The format a file new to the program would load as: null when it is not checked here. */
function formatOf(file: string): string | undefined | null {
  switch (extname(file)) {
    case ".json":
      return "json";
    case ".cjs":
      return "commonjs";
    case ".js":
    case "":
      return undefined;
    default:
      return null;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file).toString();
  } catch {
    return undefined;
  }
}

/** A JSON module parses as Node's CommonJS loader parses it (without a byte order mark). */
function jsonError(file: string, text: string): SyntaxError | undefined {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    JSON.parse(json);
    return undefined;
  } catch (error) {
    if (!(error instanceof SyntaxError)) return undefined;
    // The stack says where, as for a script (the end for JSON cut short).
    const position = /position (\d+)/.exec(error.message);
    return located(
      new SyntaxError(error.message),
      file,
      text,
      position ? Number(position[1]) + text.length - json.length : text.trimEnd().length,
    );
  }
}

/** Node's error for a require() of what cannot be found, at `at` in `text`, the source of `file`. */
function notFound(file: string, text: string, specifier: string, at: number): Error {
  const error = new Error(`Cannot find module '${specifier}'`) as Error & { code: string; url: string };
  // As an ES import of a missing file reads: creating the file is worth another try.
  error.code = "ERR_MODULE_NOT_FOUND";
  const target = resolve(dirname(file), specifier);
  error.url = pathToFileURL(extname(target) === "" ? `${target}.js` : target).href;
  return located(error, file, text, at);
}

/** `error` with its stack starting as V8 starts a script's syntax error: `file:line`, the line, a caret. */
function located<E extends Error>(error: E, file: string, text: string, at: number): E {
  const before = text.slice(0, at);
  const start = before.lastIndexOf("\n") + 1;
  const end = text.indexOf("\n", at);
  const line = text.slice(start, end < 0 ? undefined : end).replace(/\r$/, "");
  error.stack = `${file}:${before.split("\n").length}\n${line}\n${" ".repeat(at - start)}^\n\n${error.name}: ${error.message}`;
  return error;
}

/** Every `require` of a source that may call Node's: not a property (`x.require`), not part of a longer name. */
const REQUIRE_WORD = /(?<![\w$.])require(?![\w$])/g;
/** `require("…")` as most code writes it: no comment in it, no escape or quote in its string. */
const PLAIN_REQUIRE = /(?<![\w$.])require\s*\(\s*(["'])([^"'\\\n]*)\1\s*\)/g;
/** A specifier require() resolves against the requiring file. */
const RELATIVE = /^\.{0,2}\//;
/** Past this many relative require() calls, resolving each costs more than parsing the leading ones. */
const MOST_RESOLVED = 8;

/**
 * The specifiers of every require() call of `source`, when each `require` in it is a plain call
 * (see {@link PLAIN_REQUIRE}); undefined when one is something else (a comment in the call, an
 * escape, a computed specifier, `require.resolve`, the word in a comment; any `\u` escape). What it finds, in code,
 * comments and strings alike, is a superset of what {@link leadingRequires} finds.
 */
function plainRequires(source: string): string[] | undefined {
  // `requir\u0065(…)` calls require() too, and no pattern here sees it.
  if (source.includes("\\u")) return undefined;
  const words = source.match(REQUIRE_WORD)?.length ?? 0;
  const specifiers = Array.from(source.matchAll(PLAIN_REQUIRE), (match) => match[2]!);
  return specifiers.length === words ? specifiers : undefined;
}

/**
 * Whether `source` can require nothing that the check must look at, known without parsing it: each
 * of its require() calls is plain, and each relative one resolves (`resolve`) to a file that is
 * `known` (loaded, or checked already) or to no file (a built-in). Most saves of a module change
 * its code, not what it requires: they are answered here, without acorn's parse of the leading
 * statements (0.3 ms of a 2 ms update of an Express route, measured). Any doubt: false.
 */
function nothingNewRequired(source: string, resolve: (specifier: string) => string, known: (file: string) => boolean): boolean {
  const relative = plainRequires(source)?.filter((specifier) => RELATIVE.test(specifier));
  if (relative === undefined || relative.length > MOST_RESOLVED) return false;
  for (const specifier of relative) {
    let required: string;
    try {
      required = resolve(specifier);
    } catch {
      // Not found: the parse tells whether it is one the module starts with (an error) or not.
      return false;
    }
    if (isAbsolute(required) && !known(required)) return false;
  }
  return true;
}

/**
 * The relative specifiers of the require() statements a CommonJS module starts with (after its
 * directives), with where each is: they run whatever the module does next, in order. The first
 * statement of another kind ends them (it may return, or change what resolves). Parsed one
 * statement at a time, only as far as they go: a whole parse of a large module takes long.
 */
async function leadingRequires(source: string): Promise<{ specifier: string; at: number }[]> {
  // Most saves need no parse at all: no relative require() anywhere.
  if (!/\brequire\s*\(\s*["'`]\.{0,2}\//.test(source)) return [];
  const { Parser } = (await dynamicImport("acorn")) as typeof import("acorn");
  const found: { specifier: string; at: number }[] = [];
  try {
    // acorn's statement parser, as its plugins use it (not in its types).
    const Statements = Parser as unknown as new (options: Options, input: string) => StatementParser;
    const parser = new Statements(
      { ecmaVersion: "latest", sourceType: "script", allowHashBang: true, allowReturnOutsideFunction: true },
      source,
    );
    parser.nextToken();
    while (parser.type.label !== "eof") {
      const statement = parser.parseStatement(null, true);
      const expression =
        statement.type === "ExpressionStatement"
          ? (statement as Node & { expression: Node & { right?: Node; value?: unknown } }).expression
          : undefined;
      if (expression?.type === "Literal" && typeof expression.value === "string") continue;
      const values =
        statement.type === "VariableDeclaration"
          ? (statement as Node & { declarations: { init: Node | null }[] }).declarations.map((d) => d.init)
          : [expression?.type === "AssignmentExpression" ? expression.right : expression];
      const calls = values.map(requireCall);
      if (calls.some((call) => call === undefined)) break;
      for (const call of calls) if (/^\.{0,2}\//.test(call!.specifier)) found.push(call!);
    }
  } catch {
    // Not a script (an ES module in a typeless file): Node says what it is.
  }
  return found;
}

/** The part of acorn's Parser that reads one statement at a time. */
interface StatementParser {
  nextToken(): void;
  readonly type: { readonly label: string };
  parseStatement(context: null, topLevel: boolean): Node;
}

/** `require("x")`, or a property of it: its specifier and where it is. */
function requireCall(node: Node | null | undefined): { specifier: string; at: number } | undefined {
  const n = node as
    | (Node & { object?: Node; computed?: boolean; callee?: Node & { name?: string }; arguments?: (Node & { value?: unknown })[] })
    | null
    | undefined;
  if (n?.type === "MemberExpression" && n.computed === false) return requireCall(n.object);
  if (n?.type !== "CallExpression" || n.callee?.type !== "Identifier" || n.callee.name !== "require" || n.arguments?.length !== 1)
    return undefined;
  const argument = n.arguments[0]!;
  return argument.type === "Literal" && typeof argument.value === "string" ? { specifier: argument.value, at: argument.start } : undefined;
}

/**
 * `text` with its types stripped as Node strips a `.cts` file, or the SyntaxError that stops it
 * (its stack head, which names no file, is made to name `file`, as Node's own load would), or
 * undefined when the stripper fails otherwise (then Node's own load says why).
 */
function strip(file: string, text: string): string | SyntaxError | undefined {
  const typescript = (process.features as { typescript?: string | false }).typescript;
  // The check is hotload's, not the program's: no "stripTypeScriptTypes is an experimental
  // feature" warning on its behalf (Node emits it through process.emitWarning, once).
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning).startsWith("stripTypeScriptTypes")) (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return stripTypeScriptTypes(text, { mode: typescript === "transform" ? "transform" : "strip" });
  } catch (error) {
    if (!(error instanceof SyntaxError)) return undefined;
    if (typeof error.stack === "string" && error.stack.startsWith(":")) error.stack = `${file}${error.stack}`;
    return error;
  } finally {
    process.emitWarning = emitWarning;
  }
}
