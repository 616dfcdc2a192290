/**
 * Where an error points in the user's files, and the code frame to show for it.
 *
 * Node gives three kinds of errors from `import()` of a new version:
 * - syntax errors carry no location at all (V8 decorates only uncaught ones), so the source that
 *   was loaded is parsed again with acorn, on this error path only;
 * - link errors ("does not provide an export named") start their stack with `url:line` and a caret,
 *   as do the syntax errors of CommonJS scripts compiled by hotload, with a path;
 * - evaluation errors have the location in their first stack frame in a hot module.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { stripVersion } from "../../shared/urls.js";
import { dynamicImport } from "../../shared/dynamic-import.js";

/** A position in a file: 1-based line, 1-based column. */
export interface Location {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /**
   * What is wrong, said of the user's file, when hotload re-parsed it: V8's message may describe
   * the source as loaded (with the update's gate line), not the file.
   */
  readonly message?: string;
}

/** A module the error may come from: its URL and the source that was loaded for it. */
export interface Candidate {
  readonly url: string;
  readonly source: string | undefined;
  /** Columns user code on line 1 moved right when `import.meta.hot` was injected. */
  readonly shift?: number;
  /** The format Node loaded it as (`module`, `commonjs`, `json`, ...). */
  readonly format?: string | undefined;
}

/** Finds the location an error from loading or evaluating hot modules refers to. */
export async function locate(error: unknown, candidates: readonly Candidate[]): Promise<Location | undefined> {
  const stack = error instanceof Error && typeof error.stack === "string" ? error.stack : "";
  const byUrl = new Map(candidates.map((c) => [stripVersion(c.url), c]));
  // A CommonJS script's syntax error (see commonjs-preflight.ts) reads the same with a path.
  const linked = /^(file:\/\/[^\n]*?|\/[^\n]*?):(\d+)\n([^\n]*)\n( *)\^/.exec(stack);
  if (linked) {
    const line = Number(linked[2]);
    const shift = line === 1 ? (byUrl.get(stripVersion(linked[1]!))?.shift ?? 0) : 0;
    return { file: toPath(linked[1]!), line, column: Math.max(1, linked[4]!.length + 1 - shift) };
  }
  // A script that ends too early: V8 names the line where it ended, with no caret.
  const ended = /^(file:\/\/[^\n]*?|\/[^\n]*?):(\d+)\n([^\n]*)\n(?! *\^)/.exec(stack);
  if (ended && error instanceof SyntaxError && /end of input/.test(error.message)) {
    return { file: toPath(ended[1]!), line: Number(ended[2]), column: ended[3]!.length + 1 };
  }
  for (const frame of stack.split("\n").slice(1)) {
    // Paths may contain parentheses: anchor on the trailing ":line:column" instead. CommonJS
    // frames name a path, ES module frames a URL.
    const match = /(file:\/\/\S+?|\/[^\s]*?):(\d+):(\d+)\)?$/.exec(frame.trim().replace(/^at (?:[^(]* \()?/, ""));
    const where = match && (match[1]!.startsWith("/") ? pathToFileURL(match[1]!).href : match[1]!);
    const candidate = where ? byUrl.get(stripVersion(where)) : undefined;
    if (match && candidate) {
      const line = Number(match[2]);
      const column = Number(match[3]) - (line === 1 ? (candidate.shift ?? 0) : 0);
      return { file: toPath(where!), line, column: Math.max(1, column) };
    }
  }
  const typed = typeScriptErrorAt(error) ?? transformErrorAt(error) ?? swcErrorAt(error);
  if (typed) return typed;
  const missing = missingImportAt(error, byUrl);
  if (missing) return missing;
  if (error instanceof SyntaxError) {
    for (const candidate of candidates) {
      if (candidate.source === undefined) continue;
      const at = await syntaxErrorAt(candidate.source, candidate.url, candidate.format);
      if (at) return { file: toPath(candidate.url), ...at };
    }
  }
  return undefined;
}

type Found = { line: number; column: number; message: string };

/** The first syntax error of a module's source, if it has one (JavaScript and JSON only). */
export async function findSyntaxError(
  source: string,
  url: string,
  format: string | undefined,
): Promise<(Location & { message: string }) | undefined> {
  const at = await syntaxErrorAt(source, url, format);
  // A typeless .js file last loaded as CommonJS may now hold ES module syntax: Node then loads it
  // as an ES module (syntax detection), so what parses as one is no error.
  if (at && format === "commonjs" && /(?:\.js|\/[^./]*)$/.test(stripVersion(url)) && !(await syntaxErrorAt(source, url, "module")))
    return undefined;
  return at && { file: toPath(url), ...at };
}

/** What Node says when an import names a file or package that does not exist, or a folder. */
const NOT_FOUND =
  /^(?:Cannot find (module|package) '([^']+)'|Directory import '([^']+)' is not supported resolving ES modules) imported from (.+)$/;
/** A string that an import names: `from "x"`, `import "x"`, `import("x")`. */
const SPECIFIER = /(?:\bfrom|\bimport)\s*\(?\s*(["'])([^"'\n]+)\1/g;

/**
 * ERR_MODULE_NOT_FOUND (and ERR_UNSUPPORTED_DIR_IMPORT, a folder where a file was expected) names
 * the importer but not where in it: the import is found in the source that was loaded for the
 * importer, by the specifier that resolves to what is missing.
 */
function missingImportAt(error: unknown, byUrl: ReadonlyMap<string, Candidate>): Location | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if ((code !== "ERR_MODULE_NOT_FOUND" && code !== "ERR_UNSUPPORTED_DIR_IMPORT") || !(error instanceof Error)) return undefined;
  const said = NOT_FOUND.exec(error.message);
  if (!said) return undefined;
  const [, kind, name, folder, from] = said as unknown as [string, string | undefined, string | undefined, string | undefined, string];
  const importer = from.startsWith("file:") ? stripVersion(from) : pathToFileURL(from).href;
  const candidate = byUrl.get(importer);
  if (candidate?.source === undefined) return undefined;
  const url = (error as Error & { url?: unknown }).url;
  const target = typeof url === "string" ? stripVersion(url) : undefined;
  for (const match of candidate.source.matchAll(SPECIFIER)) {
    const specifier = match[2]!;
    const names =
      kind === "package" || target === undefined
        ? specifier === (name ?? folder) || specifier.startsWith(`${name ?? folder}/`)
        : resolvesTo(specifier, importer, target);
    if (!names) continue;
    const at = match.index + match[0].length - specifier.length - 2; // the opening quote
    const before = candidate.source.slice(0, at);
    const line = before.split("\n").length;
    const column = at - before.lastIndexOf("\n") - (line === 1 ? (candidate.shift ?? 0) : 0);
    const where = target ? ` (${toPath(target)})` : "";
    const message =
      folder !== undefined
        ? `Error: '${specifier}' is a folder, not a module${where}`
        : `Error: Cannot find ${kind} '${specifier}'${where}`;
    return { file: toPath(importer), line, column: Math.max(1, column), message };
  }
  return undefined;
}

function resolvesTo(specifier: string, base: string, target: string): boolean {
  if (!/^(\.{1,2}\/|\/|file:)/.test(specifier)) return false;
  try {
    return stripVersion(new URL(specifier, base).href) === target;
  } catch {
    return false;
  }
}

async function syntaxErrorAt(source: string, url: string, format: string | undefined): Promise<Found | undefined> {
  if (format === "json" || /\.json$/.test(stripVersion(url))) return jsonErrorAt(source);
  // TypeScript cannot be parsed as JavaScript; its errors are located by Node's type stripper.
  if (/\.[cm]?tsx?$/.test(stripVersion(url))) return undefined;
  const { parse } = (await dynamicImport("acorn")) as typeof import("acorn");
  const script = format === "commonjs";
  try {
    parse(source, {
      ecmaVersion: "latest",
      sourceType: script ? "script" : "module",
      allowHashBang: true,
      allowReturnOutsideFunction: script,
    });
  } catch (err) {
    const loc = (err as { loc?: { line: number; column: number } }).loc;
    const message = String((err as Error).message).replace(/ \(\d+:\d+\)$/, "");
    if (loc) return { line: loc.line, column: loc.column + 1, message: `SyntaxError: ${message}` };
  }
  return undefined;
}

/** JSON's own parser says where: "line L column C", or "position P". */
function jsonErrorAt(source: string): Found | undefined {
  try {
    JSON.parse(source);
    return undefined;
  } catch (err) {
    const message = String((err as Error).message);
    const lc = /line (\d+) column (\d+)/.exec(message);
    if (lc) return { line: Number(lc[1]), column: Number(lc[2]), message: `SyntaxError: ${message}` };
    const pos = /position (\d+)/.exec(message);
    if (!pos) return undefined;
    const before = source.slice(0, Number(pos[1]));
    const line = before.split("\n").length;
    return { line, column: before.length - before.lastIndexOf("\n"), message: `SyntaxError: ${message}` };
  }
}

function toPath(url: string): string {
  try {
    return fileURLToPath(stripVersion(url));
  } catch {
    return url;
  }
}

/** Up to two lines around `line`, numbered, with a caret under `column`. */
export function codeFrame(source: string, line: number, column: number): string {
  const lines = source.split(/\r?\n/);
  const first = Math.max(1, line - 2);
  const last = Math.min(lines.length, line + 2);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const gutter = `${n === line ? ">" : " "} ${String(n).padStart(width)} | `;
    out.push(`${gutter}${lines[n - 1] ?? ""}`);
    if (n === line) out.push(`${" ".repeat(gutter.length - 2)}| ${" ".repeat(Math.max(0, column - 1))}^`);
  }
  return out.join("\n");
}

/*
 * Where a TypeScript syntax error is, from Node's type stripper or from tsx's esbuild. The stripper (amaro) throws a SyntaxError
 * (ERR_INVALID_TYPESCRIPT_SYNTAX, or ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX for an enum or a
 * namespace in strip-only mode) with no line or column of its own: they are only in the stack's
 * head, which reads `<file>:<line>`, the source up to that line, and a caret line.
 */

const CODES = new Set(["ERR_INVALID_TYPESCRIPT_SYNTAX", "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX"]);

/** The location of a TypeScript syntax error from Node's type stripper, or undefined. */
export function typeScriptErrorAt(error: unknown): Location | undefined {
  if (!(error instanceof Error) || !CODES.has(String((error as { code?: unknown }).code))) return undefined;
  const lines = String(error.stack ?? "").split("\n");
  const head = /^(.+):(\d+)$/.exec(lines[0] ?? "");
  if (!head) return undefined;
  // The caret line is the first one made of spaces and carets only, before the blank line.
  const caret = lines.findIndex((line, i) => i > 0 && /^ *\^+$/.test(line));
  if (caret < 0) return undefined;
  const file = pathIn(head[1]!);
  if (file === undefined) return undefined;
  return { file, line: Number(head[2]), column: lines[caret]!.indexOf("^") + 1 };
}

/**
 * The location of an esbuild error (tsx compiles with esbuild): esbuild's own error lists each
 * problem in `errors` (`location.line` 1-based, `column` 0-based); tsx rethrows it as a
 * `TransformError` whose message holds only esbuild's text of it, `<file>:<line>:<column>: ERROR:
 * <what>` (column 0-based) under a first line. The message found is the `<what>`.
 */
function transformErrorAt(error: unknown): Location | undefined {
  const first = (error as { errors?: unknown } | null)?.errors;
  const problem = Array.isArray(first)
    ? (first[0] as { text?: unknown; location?: { file?: unknown; line?: unknown; column?: unknown } | null })
    : undefined;
  const at = problem?.location;
  if (at && typeof at.file === "string" && typeof at.line === "number" && typeof at.column === "number") {
    const file = pathIn(at.file);
    return file === undefined
      ? undefined
      : {
          file,
          line: at.line,
          column: at.column + 1,
          ...(typeof problem!.text === "string" ? { message: `SyntaxError: ${problem!.text}` } : {}),
        };
  }
  if (!(error instanceof Error) || error.name !== "TransformError") return undefined;
  const said = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m.exec(error.message);
  const file = said ? pathIn(said[1]!) : undefined;
  return file === undefined
    ? undefined
    : { file, line: Number(said![2]), column: Number(said![3]) + 1, message: `SyntaxError: ${said![4]}` };
}

/**
 * The location of an swc error (@swc-node/register compiles with swc): its message is swc's
 * report, `  x <what>`, then `,-[<file>:<line>:<column>]` (where the snippet starts), the lines
 * around the error numbered (` 5 | `), a line under the one at fault with a caret (`   :   ^`),
 * and Rust's backtrace. The message found is the `<what>`.
 */
function swcErrorAt(error: unknown): Location | undefined {
  if (!(error instanceof Error)) return undefined;
  const report = /^\s*[x×] (.+)\n\s*,-\[(.+):\d+:\d+\]\n/.exec(error.message);
  const file = report ? pathIn(report[2]!) : undefined;
  if (file === undefined) return undefined;
  const lines = error.message.slice(report!.index + report![0].length).split("\n");
  const caret = lines.findIndex((line) => /^ *: *\^/.test(line));
  const numbered = caret > 0 ? /^ *(\d+) \| /.exec(lines[caret - 1]!) : null;
  if (!numbered) return undefined;
  // The caret line's gutter (`   : `) is as wide as the numbered line's (` 5 | `).
  const column = lines[caret]!.indexOf("^") - numbered[0].length + 1;
  return { file, line: Number(numbered[1]), column: Math.max(1, column), message: `SyntaxError: ${report![1]!.trim()}` };
}

/** The path `where` (a path or a file URL) names, or undefined. */
function pathIn(where: string): string | undefined {
  if (where.startsWith("/")) return where;
  if (!where.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(stripVersion(where));
  } catch {
    return undefined;
  }
}
