/**
 * Every edit hotload makes to a module's source, made with magic-string: the statement that gives
 * it `import.meta.hot` (placed by inject.ts), the import of that statement's binding, and the
 * lines an update appends (its gate). No line ever moves; a source map is produced only when a
 * column on line 1 did, composed with the module's own.
 */
import { basename } from "node:path";
// Imported, not required on first use: scripts/bundle.mjs puts magic-string (minified) into the
// loader's start-up file, where it costs well under a millisecond; required from its package it
// cost 10-40 ms (resolution, two modules, through the hooks) when the first module needed an edit.
import MagicString from "magic-string";
import { INJECTION, INJECTION_IMPORT, place, type Placement } from "./inject.js";
import { lex, needsHot, parsesAsModule, type SourceFacts } from "./lexer.js";
import { liveEdits, liveEditsMoveCode, type LiveEdit } from "./live.js";
import { inlineMap, mapComment, mapOf, mentionsInlineMap } from "./sourcemap.js";
import { sourceUrlComment } from "../shared/urls.js";

/** What hotload appends to or does with a module's source. */
interface EditOptions {
  /** The module's file path (names the source in a map). */
  readonly file: string;
  /** Lines appended after the last one (an update's gate import), each starting with "\n". */
  readonly tail?: string;
  /**
   * For a version loaded under another URL than the file's (`?hotload=N`): the file's URL, named
   * by a `//# sourceURL=` comment so that stack traces, debuggers, profilers and coverage see the
   * file on disk. Left out for a module that carries its own source map (tsx) while source maps
   * are on: tools follow that map to the file already, and Node would key the map of every version
   * by the one URL.
   */
  readonly sourceUrl?: string;
  /**
   * The URL of this version, when the static imports of the dependencies the module accepts get
   * live bindings (see live.ts); with `exportsOf`, the export names of a dependency it imports as
   * a namespace (undefined: that import keeps today's bindings). Only modules that accept a
   * dependency by name are edited so.
   */
  readonly importer?: string;
  readonly exportsOf?: (specifier: string, importer: string, json: boolean) => readonly string[] | undefined;
}

/** A module's source as hotload hands it to Node. */
interface Edited {
  readonly code: string;
  /** How many columns code on line 1 moved right (error columns on line 1 are corrected by it). */
  readonly shift: number;
  /** What the lexer found, when the module mentions `meta` (undefined otherwise: never lexed). */
  readonly facts: SourceFacts | undefined;
}

const META = Buffer.from("meta");
/** TypeScript, which acorn does not parse (Node's stripper or another loader reports its errors). */
const TYPESCRIPT = /\.[cm]?tsx?$/;

/** Whether `source` may use import.meta at all: the lexer runs only for those that do. */
export function mentionsMeta(source: string | Buffer): boolean {
  return typeof source === "string" ? source.includes("meta") : source.includes(META);
}

/**
 * The source of an ES module as hotload runs it, or undefined when it needs no edit: it reads
 * nothing of import.meta but Node's own properties, and nothing is appended.
 */
export function editModule(source: string | Buffer, options: EditOptions): Edited | undefined {
  const tail = (options.tail ?? "") + (options.sourceUrl === undefined ? "" : identity(source, options.sourceUrl));
  if (!mentionsMeta(source))
    return tail === "" ? undefined : { code: edit(source.toString(), tail).toString(), shift: 0, facts: undefined };
  const text = source.toString();
  const facts = lex(text);
  // A module that does not parse gets nothing to run: no statement on line 1 and no import of its
  // binding, so that Node's error shows its lines as written (only what an update appends follows).
  if (facts === undefined && !TYPESCRIPT.test(options.file) && !parsesAsModule(text))
    return tail === "" ? undefined : { code: edit(text, tail).toString(), shift: 0, facts };
  // A version under another URL than its file's gets line 1's statement whenever it reads
  // import.meta at all: the statement makes its `url` the file's (see engine/hot/contexts.ts).
  const renamed = options.sourceUrl !== undefined && facts !== undefined && facts.metas.length > 0;
  if (facts !== undefined && !renamed && !needsHot(text, facts))
    return tail === "" ? undefined : { code: edit(text, tail).toString(), shift: 0, facts };
  const { importer, exportsOf } = options;
  const live =
    importer !== undefined && facts !== undefined && facts.accepted.deps.length > 0
      ? liveEdits(text, facts, importer, (specifier, json) => exportsOf?.(specifier, importer, json))
      : [];
  const { edited, placement } = inject(text, facts, live);
  edited.append(`\n${INJECTION_IMPORT}${tail}`);
  // A rewritten specifier moves what follows it on its line: a map keeps columns right for tools
  // when that is code (usually it is only the statement's `;`).
  if (placement.codeMoved || liveEditsMoveCode(text, live)) {
    // A column moved: tools that read source maps (--enable-source-maps, debuggers) get one.
    const own = inlineMap(text);
    const map = mapOf(edited, basename(options.file), own?.map);
    if (own) edited.overwrite(own.start, text.trimEnd().length, mapComment(map));
    else edited.append(`\n${mapComment(map)}`);
  }
  return { code: edited.toString(), shift: placement.shift, facts };
}

/** The comment that names a version by its file's URL (see {@link EditOptions.sourceUrl}). */
function identity(source: string | Buffer, url: string): string {
  // With source maps off (@swc-node/register's ES module loader does not turn them on, tsx does),
  // Node keeps no map to key by the one URL, and stack traces would name `?hotload=N`.
  if (mentionsInlineMap(source) && process.sourceMapsEnabled) return "";
  return sourceUrlComment(url);
}

/** Where line 1's statement went: `shift` is how far user code on line 1 moved right. */
export interface Injected {
  readonly code: string;
  readonly shift: number;
}

/** `source` with the statement that gives it `import.meta.hot` on line 1 (nothing appended). */
export function injectHot(source: string): Injected {
  const { edited, placement } = inject(source, lex(source));
  return { code: edited.toString(), shift: placement.shift };
}

/** {@link injectHot} on a source given as UTF-8 bytes, as Node's own loader reads it. */
export function injectHotBytes(source: Uint8Array): Injected {
  return injectHot(Buffer.from(source.buffer, source.byteOffset, source.byteLength).toString("utf8"));
}

function inject(
  text: string,
  facts: SourceFacts | undefined,
  live: readonly LiveEdit[] = [],
): { edited: MagicString; placement: Placement } {
  const placement = place(text, facts);
  const edited = magic(text);
  // Before the statement goes in: an overwrite would drop text inserted at its edge.
  for (const { start, end, text: replacement } of live) edited.overwrite(start, end, replacement);
  const statement = placement.before + INJECTION;
  if (placement.end > placement.at) edited.overwrite(placement.at, placement.end, statement);
  else if (placement.shift > 0) edited.prependRight(placement.at, statement);
  else edited.appendLeft(placement.at, statement);
  return { edited, placement };
}

function edit(text: string, tail: string): MagicString {
  return magic(text).append(tail);
}

function magic(text: string): MagicString {
  return new MagicString(text);
}
