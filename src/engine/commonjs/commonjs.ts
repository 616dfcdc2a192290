/**
 * CommonJS as the engine meets it: require.cache, an ES module made requirable, and a TypeScript
 * file another loader compiled to CommonJS.
 *
 * CommonJS modules are cached by file name in require.cache, whatever the version query says: a
 * module (or a required JSON file) loads again only when its entry is gone.
 */
import { createRequire, Module } from "node:module";
import { mentionsMeta } from "../../source/edit.js";
import { lex, needsHot } from "../../source/lexer.js";

const requireHere = createRequire(import.meta.url);

/** require.cache, shared by every require() in this process. */
export function requireCache(): NodeJS.Dict<NodeJS.Module> {
  return requireHere.cache;
}

/*
 * require() of an ES module (Node 22.12+) after an update. Node finds the module by file name in
 * require.cache, and on a miss asks its ES module loader for the plain URL, which hands back the
 * instance it loaded first: never a new version. A new version is made requirable by putting it
 * in require.cache as a loaded module, as Node itself does for a required ES module.
 */

/** A loaded require.cache entry for `file` whose exports are the ES module `namespace`. */
export function requirableModule(file: string, namespace: Record<string, unknown>): NodeJS.Module {
  const module = new Module(file);
  module.filename = file;
  // require() of an ES module gives its namespace, or its "module.exports" export when it has one.
  module.exports = Object.hasOwn(namespace, "module.exports") ? namespace["module.exports"] : namespace;
  module.loaded = true;
  return module;
}

/*
 * A TypeScript file that another loader (tsx, in a package without `"type": "module"`) compiled to
 * CommonJS: there `import.meta` does not exist (the compiler turns it into an empty object), so
 * `import.meta.hot?.accept(…)` silently does nothing, and the module's updates reach its importers
 * as if it accepted nothing. hotload says so once per file, with what to do instead.
 * Asked after start-up (see tracker.ts), for TypeScript files only: in a `.js` or `.cjs` file Node
 * itself reports `import.meta` outside a module as a syntax error.
 */

const TYPESCRIPT = /\.(?:ts|tsx|cts)$/;

/**
 * Whether `file`, running as CommonJS, is written to use `import.meta.hot` (or another part of
 * import.meta hotload provides); `read` gives its bytes, asked only for a TypeScript file.
 */
export function usesHotAsCommonJs(file: string, read: () => Buffer | undefined): boolean {
  if (!TYPESCRIPT.test(file)) return false;
  const bytes = read();
  if (bytes === undefined || !mentionsMeta(bytes)) return false;
  const text = bytes.toString();
  const facts = lex(text);
  return facts !== undefined && needsHot(text, facts);
}

/** The line that says so. */
export function hotInCommonJsMessage(shown: string): string {
  return `${shown} runs as CommonJS (another loader compiled it so), where import.meta.hot does not exist: what it asks of import.meta.hot does nothing. Use module.hot there, or make it an ES module ("type": "module" in its package.json)`;
}
