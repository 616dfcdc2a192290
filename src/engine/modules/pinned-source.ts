/**
 * What an update hands the rest of the load chain for a new version (the content it validated,
 * see tracker.ts's pinned()), and how it knows the chain compiled that content and not something
 * else: "updated" is said only of new code that runs.
 *
 * The content goes on as text, decoded as Node decodes a module's bytes. Bytes would reach a
 * loader on Node's hooks thread (module.register(): tsx) as a plain Uint8Array, which tsx 4.21.0
 * and older turn into the text "105,109,112,…": valid JavaScript that runs none of the new code.
 *
 * A JavaScript or TypeScript file's content gets a marker at its end, on a line of its own (no
 * line or column of the file moves): a `let` declaration named after the version. Every compiler
 * keeps a declaration, and a `let` declaration can neither end an unfinished expression (`x = 1 +`)
 * nor be the body of an unfinished statement (`if (x)`): what is a syntax error under plain node
 * stays one, in a script as in a module. A loader that hands back ES module code without
 * the marker ran something else than the saved file (a cache keyed by path, an old tsx): the
 * update fails before any old version is disposed, and says so.
 */

/** Files whose content is JavaScript or TypeScript, where the marker is valid syntax. */
const SCRIPT = /\.[cm]?[jt]sx?$/;

/** The marker's identifier for `version` (what the check looks for). */
function markerName(version: number): string {
  return `__hotload_version_${version}__`;
}

/** How Node decodes a module's bytes (a BOM is dropped, as its own TextDecoder does). */
const decoder = new TextDecoder();

/**
 * What to hand on for version `version` of the file at `path` (its URL without the query), whose
 * content the update validated is `bytes`: text with the marker for a script, text for other
 * text formats, bytes for WebAssembly.
 */
export function handOn(bytes: Buffer, path: string, version: number, format: string | undefined): string | Buffer {
  if (format === "wasm" || path.endsWith(".wasm")) return bytes;
  const text = decoder.decode(bytes);
  return format !== "json" && SCRIPT.test(path) ? `${text}\nlet ${markerName(version)};\n` : text;
}

/**
 * `text` (what the chain compiled for version `version`) without the marker {@link handOn} put in:
 * what an error's location and code frame are taken from, so that they show the file as saved.
 */
export function withoutMarker(text: string, version: number): string {
  const line = `let ${markerName(version)};`;
  return text.endsWith(`\n${line}\n`) ? text.slice(0, -(line.length + 2)) : text.replace(line, "");
}

/** Whether `path` at `version` was handed on with a marker (see {@link handOn}). */
export function marked(path: string, format: string | undefined): boolean {
  return format !== "json" && format !== "wasm" && SCRIPT.test(path);
}

/**
 * Throws when the ES module code a loader handed back for version `version` of `file` lacks the
 * marker its content was handed on with: it is not the saved file's code. A plain Error, reported
 * like the file's own load errors (`<file> Error: … — keeping the previous version`).
 */
export function assertCompiledFromPinned(source: string | Buffer, file: string, version: number): void {
  const name = markerName(version);
  if (typeof source === "string" ? source.includes(name) : source.includes(name)) return;
  throw new Error(
    `a loader after hotload handed back other code than the saved file's (it ignored or garbled the source hotload gave it for ${file}): update or fix that loader`,
  );
}
