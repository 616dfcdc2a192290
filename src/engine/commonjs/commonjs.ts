/**
 * CommonJS modules are cached by file name in require.cache, whatever the version query says: a
 * module (or a required JSON file) loads again only when its entry is gone.
 */
import { createRequire } from "node:module";

const requireHere = createRequire(import.meta.url);

/** require.cache, shared by every require() in this process. */
export function requireCache(): NodeJS.Dict<NodeJS.Module> {
  return requireHere.cache;
}
