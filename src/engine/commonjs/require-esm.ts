/**
 * require() of an ES module (Node 22.12+) after an update. Node finds the module by file name in
 * require.cache, and on a miss asks its ES module loader for the plain URL, which hands back the
 * instance it loaded first: never a new version. A new version is made requirable by putting it
 * in require.cache as a loaded module, as Node itself does for a required ES module.
 */
import { Module } from "node:module";

/** A loaded require.cache entry for `file` whose exports are the ES module `namespace`. */
export function requirableModule(file: string, namespace: Record<string, unknown>): NodeJS.Module {
  const module = new Module(file);
  module.filename = file;
  // require() of an ES module gives its namespace, or its "module.exports" export when it has one.
  module.exports = Object.hasOwn(namespace, "module.exports") ? namespace["module.exports"] : namespace;
  module.loaded = true;
  return module;
}
