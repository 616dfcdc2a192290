/**
 * The Node versions hotload runs on. The range is written once, in package.json's
 * `engines.node`: npm warns with it on install, and this module reads it from there (one small
 * file read at start-up: about 0.3 ms, measured). Plain code that runs on any Node: the loader and the command check the version with it before loading anything that
 * needs a newer one. scripts/node-env.mjs reads the same field for the test runner and CI.
 */
// process.getBuiltinModule (Node 20.16, 22.3) hands over node:fs without building its ES module
// facade, which an `import` of node:fs here cost (several ms, measured); older Nodes, which only
// get the "not supported" line, import it.
const fs: typeof import("node:fs") = typeof process.getBuiltinModule === "function" ? process.getBuiltinModule("node:fs") : await import("node:fs");

/** The supported range: package.json's `engines.node`. */
export const REQUIRED_NODE: string = (
  JSON.parse(fs.readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { engines: { node: string } }
).engines.node;

/**
 * True when `version` ("24.11.1") is in `range` (default {@link REQUIRED_NODE}). Knows the two
 * forms the range uses, `^A.B.C` and `>=A.B.C`, joined by `||`; any other clause matches nothing
 * (a unit test keeps package.json's range within these forms).
 */
export function supportedNode(version: string, range: string = REQUIRED_NODE): boolean {
  const found = triple(version);
  if (found === undefined) return false;
  return range.split("||").some((clause) => {
    const match = /^\s*(\^|>=)\s*v?(\d+\.\d+\.\d+)\s*$/.exec(clause);
    const least = match ? triple(match[2]!) : undefined;
    if (!match || least === undefined || !atLeast(found, least)) return false;
    return match[1] === ">=" || found[0] === least[0];
  });
}

/** The line an unsupported Node gets. */
export function unsupportedNodeMessage(version: string): string {
  return `Node.js ${version} is not supported: hotload needs Node.js ${REQUIRED_NODE}`;
}

/** [major, minor, patch] of "24.11.1" or "v24.11.1-nightly" (a suffix is ignored). */
function triple(version: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function atLeast(version: readonly number[], least: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) if (version[i] !== least[i]) return version[i]! > least[i]!;
  return true;
}
