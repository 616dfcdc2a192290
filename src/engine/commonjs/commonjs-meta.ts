/**
 * A TypeScript file that another loader (tsx, in a package without `"type": "module"`) compiled to
 * CommonJS: there `import.meta` does not exist (the compiler turns it into an empty object), so
 * `import.meta.hot?.accept(…)` silently does nothing, and the module's updates reach its importers
 * as if it accepted nothing. Found by trying it as a new user would (`npm init -y`, tsx, a `.ts`
 * entry written with `import.meta.hot`). hotload says so once per file, with what to do instead.
 * Asked after start-up (see tracker.ts), for TypeScript files only: in a `.js` or `.cjs` file Node
 * itself reports `import.meta` outside a module as a syntax error.
 */
import { mentionsMeta } from "../../source/edit.js";
import { lex, needsHot } from "../../source/lexer.js";

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
