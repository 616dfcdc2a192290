/**
 * The one definition of the Node versions hotload runs on. Plain code with no imports: the loader
 * and the command check the version with it before loading anything that needs a newer Node.
 */

/** The supported range, as package.json's `engines` says it. */
export const REQUIRED_NODE = "^22.22.3 || >=24.11.1";

/** True when `version` ("24.11.1") is in {@link REQUIRED_NODE} (module.registerHooks exists). */
export function supportedNode(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split(".").map(Number);
  if (major === 22) return minor > 22 || (minor === 22 && patch >= 3);
  if (major === 24) return minor > 11 || (minor === 11 && patch >= 1);
  return major > 24;
}

/** The line an unsupported Node gets. */
export function unsupportedNodeMessage(version: string): string {
  return `Node.js ${version} is not supported: hotload needs Node.js ${REQUIRED_NODE}`;
}
