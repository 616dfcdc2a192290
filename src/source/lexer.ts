/**
 * What a module's source says about itself, as es-module-lexer reads it: its `import.meta`
 * references (in any spelling the language allows: `import . meta`, `import\n.meta`), its static
 * imports and where they end, its export names, and the specifiers it statically accepts.
 *
 * The lexer's WebAssembly is compiled (synchronously, about 3 ms, once) the first time a module
 * needs it: a program whose modules never mention `meta` never compiles it. Its JavaScript is
 * bundled into the loader's start-up file (scripts/bundle.mjs): required from its package it cost
 * ~5 ms more (resolution, its exports map, a module through the hooks) at the first such module.
 */
import { createRequire } from "node:module";
import { parse } from "es-module-lexer";
import type * as Lexer from "es-module-lexer";
import { acceptedBy, type Accepted } from "./accepted.js";

/** One static `import … from` or `export … from` statement. */
interface StaticImport {
  readonly specifier: string;
  /** Offsets of the whole statement (without its `;`). */
  readonly start: number;
  readonly end: number;
  /** TypeScript `import type`: elided from the emitted JavaScript. */
  readonly typeOnly: boolean;
  /** Offsets of the specifier's text, inside its quotes. */
  readonly specifierStart: number;
  readonly specifierEnd: number;
}

/** What one module's source holds, by offsets into the text that was lexed. */
export interface SourceFacts {
  /** Start and end of every `import.meta` expression. */
  readonly metas: readonly (readonly [start: number, end: number])[];
  readonly imports: readonly StaticImport[];
  /** Names the module exports (`default` included; `export *` adds none). */
  readonly exports: readonly string[];
  /** The specifier of each module it exports names of (`export { a } from`, `import { a } from …; export { a }`, `export * from`). */
  readonly reExported: readonly string[];
  /** What `import.meta.hot.accept(…)` / `acceptExports(…)` calls say, read without running them. */
  readonly accepted: Accepted;
  /** The specifier of each `import()` expression (undefined when it is computed). */
  readonly dynamicImports: readonly (string | undefined)[];
}

/**
 * Lexes `source` (JavaScript or TypeScript), or returns undefined when it does not lex: a save
 * caught half-written, a syntax error Node will report itself.
 */
export function lex(source: string): SourceFacts | undefined {
  let imports: ReadonlyArray<Lexer.Import>;
  let exported: ReadonlyArray<Lexer.Export>;
  try {
    // A byte order mark is no token to the lexer: a space keeps every offset.
    [imports, exported] = parse(source.charCodeAt(0) === 0xfeff ? ` ${source.slice(1)}` : source);
  } catch {
    return undefined;
  }
  const metas: [number, number][] = [];
  const statics: StaticImport[] = [];
  const dynamicImports: (string | undefined)[] = [];
  for (const entry of imports) {
    if (entry.type === "dynamic" && !entry.probablyTypeOnly) dynamicImports.push(entry.glob ? undefined : entry.specifier);
    if (entry.type === "import-meta") metas.push([entry.start, entry.end]);
    else if (entry.type === "static" || entry.type === "reexport-star") {
      statics.push({
        specifier: entry.specifier,
        start: entry.importStart,
        end: entry.importEnd,
        typeOnly: entry.typeOnly,
        specifierStart: entry.start,
        specifierEnd: entry.end,
      });
    }
  }
  const exports = exported
    .filter((e) => e.type !== "reexport-all" && !e.typeOnly)
    .map((e) => (e as Lexer.DirectExport | Lexer.Reexport).name);
  const reExported = exported.flatMap((e) => (e.type !== "direct" && !e.typeOnly ? [e.from] : []));
  return { metas, imports: statics, exports, reExported, accepted: acceptedBy(source, metas), dynamicImports };
}

/**
 * Whether JavaScript `source`, which the lexer could not read, parses as an ES module all the same
 * (acorn, required on this rare path only): the lexer stops at what does not parse, an unclosed
 * block or string, and at very little else.
 */
export function parsesAsModule(source: string): boolean {
  const { parse: parseModule } = createRequire(import.meta.url)("acorn") as typeof import("acorn");
  try {
    parseModule(source, { ecmaVersion: "latest", sourceType: "module", allowHashBang: true });
    return true;
  } catch (error) {
    // Only a syntax error says no: anything else is acorn's, not the source's.
    return !(error instanceof SyntaxError);
  }
}

// The properties of import.meta that Node fills in and hotload leaves alone: a module that reads
// only these needs no `import.meta.hot` (and no import.meta.resolve wrapper).
const PLAIN_PROPERTY = /\s*\.\s*(?:url|filename|dirname|main)(?![\w$])/y;

/**
 * Whether the module needs `import.meta.hot` injected: it reads import.meta for anything but
 * Node's own plain properties (`hot`, `resolve`, the object as a whole, a computed key).
 */
export function needsHot(source: string, facts: SourceFacts): boolean {
  return facts.metas.some(([, end]) => {
    PLAIN_PROPERTY.lastIndex = end;
    return !PLAIN_PROPERTY.test(source);
  });
}
