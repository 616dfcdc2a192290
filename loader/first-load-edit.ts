/**
 * The edits a module's first load needs before the engine has loaded (loader/lazy-engine.ts): the
 * statement that gives it `import.meta.hot`, its live bindings, and Node's type stripping after
 * them. A bundle of its own (with es-module-lexer and magic-string), loaded when the first module
 * that mentions `meta` loads: a program whose modules never do never loads it.
 */
import { exportsOnDisk } from "../src/engine/hot/live-bindings.js";
import { fileOf } from "../src/engine/modules/scope.js";
import { editModule } from "../src/source/edit.js";
import { stripTypes, strippingTypes } from "../src/source/typescript.js";

/** What the load hook hands Node instead of what it loaded. */
export interface LoadedSource {
  readonly source: string;
  /** The format to load it as, when not the loaded one. */
  readonly format?: "module";
}

/**
 * The source the first load of the ES module at `url` evaluates (`format`: module or
 * module-typescript), or undefined to keep `content`, as the engine's tracker edits it.
 */
export function editFirstLoad(url: string, format: string, content: string | Buffer): LoadedSource | undefined {
  const code = editModule(content, { file: fileOf(url), importer: url, exportsOf: exportsOnDisk })?.code;
  if (code === undefined) return undefined;
  if (format !== "module-typescript" || !strippingTypes()) return { source: code };
  // What Node's type stripping would do after the hooks (see source/typescript.ts).
  const js = stripTypes(code);
  if (js !== undefined) return { source: js, format: "module" };
  // The file's own syntax error: Node reports it from the file as written.
  return stripTypes(content.toString()) === undefined ? undefined : { source: code };
}
