/**
 * Live import bindings: the edit that makes `import { handle } from "./routes.mjs"` in a module
 * that accepts "./routes.mjs" see the dependency's new version after an accepted update.
 *
 * Only the specifier of such an import is rewritten (no line moves), to a generated `data:` module
 * that imports the dependency with the importer's own specifier (the resolve hook resolves it for
 * the importer: see {@link liveImporterOf}), re-exports the names the importer takes as `let`
 * bindings, and hands the runtime a setter for them. ES module bindings are live, so assigning
 * those `let`s is all it takes for the importer's next call of `handle` to run the new code.
 *
 * This file owns the format of that module; its URL is shared/urls.ts's (liveUrl, liveImporterOf);
 * the runtime side is engine/hot/live-bindings.ts.
 */
import { ALL, namesImportedBy } from "./bindings.js";
import type { SourceFacts } from "./lexer.js";
import { liveUrl, RUNTIME_IN_CODE } from "../shared/urls.js";

/** One name an importer takes from an accepted dependency, and where its import names it. */
export interface LiveName {
  /** The export's name in the dependency (`default` for a default import). */
  readonly name: string;
  /** The specifier of the import, as written. */
  readonly specifier: string;
  /** 1-based, in the importer's source. */
  readonly line: number;
  readonly column: number;
}

/** What the generated module hands the runtime as it evaluates (see RuntimeSlot.live). */
export type LiveSetter = (namespace: Record<string, unknown>) => void;

/** One replacement in the importer's source (offsets into the original text). */
export interface LiveEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const LINE_BREAK = /[\n\r\u2028\u2029]/;
// A name written as is (Node's hint for a CommonJS export it cannot detect reads the statement).
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * The source of the module that stands between `importer` and the dependency it imports as
 * `specifier` (with `attributes`, e.g. `with{type:"json"}`): it exports `exported` as `let`
 * bindings and registers with the runtime the setter that assigns them, with `checked`, the names
 * the importer imports by name (their absence from a new version fails the update).
 */
export function liveModuleSource(
  importer: string,
  specifier: string,
  attributes: string,
  exported: readonly string[],
  checked: readonly LiveName[],
): string {
  const spec = JSON.stringify(specifier);
  const locals = exported.map((_, i) => `$${i}`);
  const set = `const s=(n)=>{${exported.map((name, i) => `${locals[i]}=n[${JSON.stringify(name)}]`).join(";")}};`;
  // In an import cycle the dependency may not have run yet (its `let`s unset): the first read is
  // made again once the module graph has evaluated.
  const first = "try{s(n)}catch{Promise.resolve().then(()=>s(n)).catch(()=>{})}";
  const declare =
    exported.length === 0
      ? ""
      : `let ${locals.join(",")};export{${exported.map((name, i) => `${locals[i]} as ${JSON.stringify(name)}`).join(",")}};`;
  // The names the importer imports by name, imported by name here too: a name the dependency does
  // not provide stays a link error, as without hotload (a CommonJS export Node cannot detect).
  const names = [...new Set(checked.map((n) => n.name))];
  const link =
    names.length === 0
      ? ""
      : `import{${names.map((name, i) => `${IDENTIFIER.test(name) ? name : JSON.stringify(name)} as $l${i}`).join(",")}}from${spec}${attributes};`;
  return (
    `${JSON.stringify(importer)};import*as n from${spec}${attributes};${link}${declare}${set}${first}` +
    `${RUNTIME_IN_CODE}.live(${JSON.stringify(importer)},import.meta.resolve(${spec}),${JSON.stringify(checked)},s);`
  );
}

/** The URL of the module {@link liveModuleSource} describes. */
export function liveModuleUrl(
  importer: string,
  specifier: string,
  attributes: string,
  exported: readonly string[],
  checked: readonly LiveName[],
): string {
  const source = liveModuleSource(importer, specifier, attributes, exported, checked);
  // The importer first (read back by liveImporterOf), as a string statement that does nothing.
  return liveUrl(source);
}

/**
 * The edits that give `importer`'s static imports of the dependencies it statically accepts live
 * bindings. Each such import's specifier becomes a generated module's URL, and its attributes
 * (`with { type: "json" }`) move into that module: they are blanked, line breaks kept. An import
 * that is left as it was keeps plain bindings (the old ones; the callback gets the new namespace):
 * an import for side effects only, one whose names cannot be read, a re-export, and a namespace
 * import whose dependency's export names `exportsOf` cannot tell (undefined).
 */
export function liveEdits(
  text: string,
  facts: SourceFacts,
  importer: string,
  exportsOf: (specifier: string, json: boolean) => readonly string[] | undefined,
): LiveEdit[] {
  if (facts.accepted.deps.length === 0) return [];
  const accepted = new Set(facts.accepted.deps.map((specifier) => keyOf(specifier, importer)));
  const edits: LiveEdit[] = [];
  for (const entry of facts.imports) {
    if (entry.typeOnly || !accepted.has(keyOf(entry.specifier, importer))) continue;
    const statement = text.slice(entry.start, entry.end);
    if (!/^import\b/.test(statement)) continue;
    const names = namesImportedBy(statement);
    if (names === undefined || names.size === 0) continue;
    const quote = text[entry.specifierStart - 1];
    if ((quote !== '"' && quote !== "'") || text[entry.specifierEnd] !== quote) continue;
    const after = text.slice(entry.specifierEnd + 1, entry.end);
    if (!/^\s*(?:(?:with|assert)\s*\{[\s\S]*\})?\s*$/.test(after)) continue;
    const attributes = after.trim();
    const json = /\btype\s*:\s*["']json["']/.test(attributes);
    const checked = [...names]
      .filter((name) => name !== ALL)
      .map((name) => locate(text, entry.start + offsetOf(statement, name), name, entry.specifier));
    let exported = checked.map((n) => n.name);
    if (names.has(ALL)) {
      const all = exportsOf(entry.specifier, json);
      if (all === undefined) continue;
      exported = [...new Set([...exported, ...all])];
    }
    const url = liveModuleUrl(importer, entry.specifier, attributes === "" ? "" : ` ${attributes}`, exported, checked);
    edits.push({ start: entry.specifierStart - 1, end: entry.specifierEnd + 1, text: JSON.stringify(url) });
    if (attributes !== "") edits.push({ start: entry.specifierEnd + 1, end: entry.end, text: after.replace(/[^\n\r\u2028\u2029]/g, " ") });
  }
  return edits;
}

// What may follow a rewritten specifier on its line without a tool minding that it moved: the
// attributes (blanked in place), the statement's `;`, comments.
const NOTHING_TO_MAP =
  /^(?:\s*(?:with|assert)\s*\{[^}\n\r\u2028\u2029]*\})?\s*;?[^\S\n\r\u2028\u2029]*(?:\/\/[^\n\r\u2028\u2029]*|\/\*(?:(?!\*\/)[^\n\r\u2028\u2029])*\*\/[^\S\n\r\u2028\u2029]*)*(?:[\n\r\u2028\u2029]|$)/;

/**
 * Whether `edits` move code that a tool may point at: text after a rewritten specifier on its line
 * other than the attributes, the `;` and comments (`import { a } from "./a.mjs"; run(a);`). Only
 * then does the module need a source map (none is built otherwise: it costs ~1 ms at start-up).
 */
export function liveEditsMoveCode(text: string, edits: readonly LiveEdit[]): boolean {
  return edits.some((edit) => edit.text.length !== edit.end - edit.start && !NOTHING_TO_MAP.test(text.slice(edit.end)));
}

/** What an import's specifier names, for matching it against an accepted one. */
function keyOf(specifier: string, importer: string): string {
  if (!/^(?:\.{0,2}\/|file:)/.test(specifier)) return specifier;
  try {
    return new URL(specifier, importer).href;
  } catch {
    return specifier;
  }
}

/** Where in `statement` the import of export `name` is written (0: the statement itself). */
function offsetOf(statement: string, name: string): number {
  const open = statement.indexOf("{");
  if (open >= 0) {
    const close = statement.indexOf("}", open);
    const braces = statement.slice(open, close < 0 ? undefined : close);
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const found = new RegExp(`[{,\\s](${escaped}|"${escaped}"|'${escaped}')(?=[\\s,}]|$)`).exec(braces);
    if (found) return open + found.index + 1;
  }
  if (name === "default") return /^import\s*/.exec(statement)?.[0].length ?? 0;
  return 0;
}

function locate(text: string, offset: number, name: string, specifier: string): LiveName {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const ch = text[i]!;
    if (!LINE_BREAK.test(ch)) continue;
    // \r\n is one line break.
    if (ch === "\r" && text[i + 1] === "\n") i++;
    line++;
    lineStart = i + 1;
  }
  return { name, specifier, line, column: offset - lineStart + 1 };
}
