/**
 * The Node versions hotload runs on. The range is written once, in package.json's
 * `engines.node`: npm warns with it on install, the build writes it into this module's compiled
 * file (scripts/bundle.mjs, so that the loader's check reads no file at start-up: reading and
 * parsing package.json there took about 0.3 ms, measured), and scripts/node-env.mjs reads it for the
 * test runner and CI. Plain code that runs on any Node: the loader and the command check the
 * version with it before loading anything that needs a newer one.
 */

/** package.json's `engines.node`, written here by the build; empty in a compiled file it did not stamp. */
const ENGINES_NODE_STAMP: string = "";

/** The supported range: package.json's `engines.node`. */
export const REQUIRED_NODE: string = ENGINES_NODE_STAMP !== "" ? ENGINES_NODE_STAMP : enginesNode();

/**
 * package.json's `engines.node`, read from the file: for output the build did not stamp (a bare
 * `tsc`). Through process.getBuiltinModule (Node 20.16, 22.3), which needs no import; a Node older
 * than that is unsupported either way.
 */
export function enginesNode(): string {
  const fs = typeof process.getBuiltinModule === "function" ? process.getBuiltinModule("node:fs") : undefined;
  if (fs === undefined) return "the range in hotload's package.json (engines.node)";
  const text = fs.readFileSync(new URL("../../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { engines: { node: string } }).engines.node;
}

/**
 * True when `version` ("24.11.1") is in `range` (default {@link REQUIRED_NODE}). Knows the two
 * forms the range uses, `^A.B.C` and `>=A.B.C`, joined by `||`; any other clause matches nothing
 * (a unit test keeps package.json's range within these forms).
 */
export function supportedNode(version: string, range: string = REQUIRED_NODE): boolean {
  // Plain string operations, no regular expression or callback: this runs before every program
  // hotload starts (measured: about 0.1 ms on its first call, regular expressions cost 0.4).
  const have = triple(version);
  if (have === undefined) return false;
  for (const part of range.split("||")) {
    const clause = part.trim();
    const caret = clause.startsWith("^");
    if (!caret && !clause.startsWith(">=")) continue;
    const least = triple(clause.slice(caret ? 1 : 2));
    if (least === undefined || (caret && have[0] !== least[0])) continue;
    if (have[0] !== least[0] ? have[0] > least[0] : have[1] !== least[1] ? have[1] > least[1] : have[2] >= least[2]) return true;
  }
  return false;
}

/** The line an unsupported Node gets. */
export function unsupportedNodeMessage(version: string): string {
  return `Node.js ${version} is not supported: hotload needs Node.js ${REQUIRED_NODE}`;
}

/** [major, minor, patch] of "24.11.1" or "v24.11.1-nightly" (parseInt ignores the suffix). */
function triple(version: string): [number, number, number] | undefined {
  const text = version.trim();
  const parts = (text.startsWith("v") ? text.slice(1) : text).split(".", 3);
  if (parts.length !== 3) return undefined;
  const found: [number, number, number] = [parseInt(parts[0]!, 10), parseInt(parts[1]!, 10), parseInt(parts[2]!, 10)];
  return found[0] >= 0 && found[1] >= 0 && found[2] >= 0 ? found : undefined;
}
