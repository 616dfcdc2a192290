/**
 * New versions of TypeScript files that Node's type stripping runs (issue 23, case 3). Node strips
 * the types after the load hooks and appends `//# sourceURL=` with the URL it loaded, which for a
 * new version is `dep.ts?hotload=N`: V8 takes the last such comment, so stack traces and the
 * inspector named the version, and a breakpoint set by the file's URL bound only in the first one.
 * hotload strips a new version's types itself, with Node's own stripper in the mode Node uses (it
 * keeps every line and column), and hands Node JavaScript that names the file (see edit.ts).
 */
import { stripTypeScriptTypes } from "node:module";

/**
 * `code` (TypeScript, with hotload's edits) stripped of its types, every line and column kept (the
 * name is the `sourceURL` comment edit.ts appended), or undefined to leave it to Node: when Node
 * transforms rather than strips (`--experimental-transform-types`, which turns source maps on:
 * Node's map names the file already), or when the code does not strip (a syntax error, an `enum`),
 * which Node then reports exactly as without hotload.
 */
export function strippedTypes(code: string): string | undefined {
  if (process.features.typescript !== "strip") return undefined;
  // The stripper warns once that it is experimental: Node's own use of it says nothing.
  const emitWarning = process.emitWarning;
  process.emitWarning = () => undefined;
  try {
    return stripTypeScriptTypes(code, { mode: "strip" });
  } catch {
    return undefined;
  } finally {
    process.emitWarning = emitWarning;
  }
}
