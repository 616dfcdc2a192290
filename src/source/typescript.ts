/**
 * TypeScript files that Node's type stripping runs, and that hotload edits. Node strips the types
 * after the load hooks and appends `//# sourceURL=` with the URL it loaded, which for a new version
 * is `dep.ts?hotload=N`: V8 takes the last such comment, so stack traces and the inspector would
 * name the version, and a breakpoint set by the file's URL would bind only in the first one. And a
 * syntax error would be reported from hotload's edited source, with a code frame of line 1 showing
 * the statement that gives the module `import.meta.hot`. So hotload strips the types of
 * what it edits itself, with Node's own stripper in the mode Node uses (every line and column is
 * kept; the name is the `sourceURL` comment edit.ts appends to new versions), and hands Node
 * JavaScript; what does not strip goes to Node as the file holds it, and fails as under plain node.
 */
import { stripTypeScriptTypes } from "node:module";

/**
 * Whether Node strips types (rather than transforming them: `--experimental-transform-types` turns
 * source maps on, and Node then appends a map and no `sourceURL` of its own, so hotload's names
 * the file already; the transform's output is Node's business).
 */
export function strippingTypes(): boolean {
  return process.features.typescript === "strip";
}

/** `code` without its types, or undefined when it does not strip (a syntax error, an `enum`). */
export function stripTypes(code: string): string | undefined {
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
