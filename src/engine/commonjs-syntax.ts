/**
 * The syntax check of a CommonJS or JSON module's new content, made before an update disposes
 * anything. Such modules cannot wait at the update's gate (require() is synchronous): their old
 * versions are disposed before the new ones load, so a syntax error found only by loading them
 * would stop the working version. Compiled here as Node's CommonJS loader compiles them (V8 is the
 * judge, so nothing it accepts is refused), the error is found while the old versions still run.
 */
import { stripTypeScriptTypes } from "node:module";
import { compileFunction } from "node:vm";
import { findSyntaxError } from "./location.js";
import { isEsm } from "./tracker.js";

/** The parameters of Node's CommonJS module wrapper. */
const WRAPPER = ["exports", "require", "module", "__filename", "__dirname"];
/** A file Node loads by its content when no `"type"` says otherwise (its format is left undefined). */
const TYPELESS = /(?:\.js|\/[^./]*)$/;
/** TypeScript a loader other than Node compiles (tsx): what it accepts is not known here. */
const TYPESCRIPT = /\.[cm]?tsx?$/;

/** What the check needs to know of a module. */
export interface Compiled {
  /** Its absolute path. */
  readonly file: string;
  /** The format Node last loaded it as (undefined: a typeless file, by its content). */
  readonly format: string | undefined;
}

/**
 * Throws the first SyntaxError Node would throw loading one of the CommonJS or JSON modules `ids`
 * (URLs) with the content an update read of it (`contents`; modules without are not changed).
 * `failed` gets the module and its content first: the source of its version, for the report.
 */
export async function compileChanged(ids: readonly string[], contents: ReadonlyMap<string, Buffer>, moduleOf: (id: string) => Compiled | undefined, failed: (id: string, source: string) => void): Promise<void> {
  for (const id of ids) {
    const module = moduleOf(id);
    const content = contents.get(id);
    if (module === undefined || content === undefined || isEsm(module.format)) continue;
    const error = await commonJsSyntaxError(module.file, id, module.format, content);
    if (error === undefined) continue;
    failed(id, content.toString());
    throw error;
  }
}

/**
 * The SyntaxError Node would throw loading `content` as the module `file` (an absolute path, at
 * `url`) in `format`, or undefined when it compiles or is not checked here (ES modules wait at the
 * gate; TypeScript another loader compiles). Its stack starts `file:line`, the line and a caret,
 * as V8 reports a script's syntax error (see location.ts).
 */
export async function commonJsSyntaxError(file: string, url: string, format: string | undefined, content: Buffer): Promise<SyntaxError | undefined> {
  const text = content.toString();
  if (format === "json") return jsonError(file, text);
  let source = text;
  if (format === "commonjs-typescript") {
    const stripped = strip(file, text);
    if (stripped === undefined || stripped instanceof SyntaxError) return stripped;
    source = stripped;
  } else if (!(format === "commonjs" || (format === undefined && TYPELESS.test(file))) || TYPESCRIPT.test(file)) return undefined;
  try {
    compileFunction(source, WRAPPER, { filename: file });
    return undefined;
  } catch (error) {
    if (!(error instanceof SyntaxError)) return undefined;
    // A typeless .js file that is no CommonJS may be an ES module: Node loads it as one (syntax
    // detection), and then it waits at the gate like any other.
    if (format !== "commonjs-typescript" && (await findSyntaxError(text, url, "commonjs")) === undefined) return undefined;
    return error;
  }
}

/** A JSON module parses as Node's CommonJS loader parses it (without a byte order mark). */
function jsonError(file: string, text: string): SyntaxError | undefined {
  try {
    JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    return undefined;
  } catch (error) {
    // Node's own message names the file.
    return error instanceof SyntaxError ? new SyntaxError(`${file}: ${error.message}`) : undefined;
  }
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
