/**
 * `import()` for hotload's own code: packages loaded on demand (chokidar, acorn) and the new
 * versions of an update. Run from V8's code cache (loader/code-cache.ts), the loader's bundle is a
 * vm.Script, where an `import()` of its own would need vm's default-loader option, which Node
 * marks experimental and warns about when used: the script's wrapper hands it this function from
 * loader/index.js instead (same folder, so the same resolution). Everywhere else it is the plain
 * `import()` below.
 */

/** What `import(specifier, options)` does. */
type DynamicImport = (specifier: string, options?: ImportCallOptions) => Promise<Record<string, unknown>>;

/** Set by the code cache's script wrapper (a parameter there); undeclared, so undefined, anywhere else. */
declare const __hotloadImport: DynamicImport | undefined;

export const dynamicImport: DynamicImport =
  typeof __hotloadImport === "function" ? __hotloadImport : (specifier, options) => import(specifier, options);
