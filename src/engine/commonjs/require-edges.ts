/**
 * CommonJS edges as `require()` sees them. The resolve hook alone misses some: Node's CommonJS
 * loader caches relative resolutions per folder (`relativeResolveCache` in
 * lib/internal/modules/cjs/loader.js), so a second file in the same folder that requires the same
 * specifier, or a new version of the first, gets the cached module without calling any hook.
 * `Module.prototype.require` is what every `require` function calls (the one compiled modules
 * get, and createRequire's), and Node appends each module a parent requires for the first time
 * to `parent.children`, cache hit or not: what a call appends is that call's edge.
 */
import { Module } from "node:module";

/**
 * Called with the file names of a parent and of a module it required for the first time, and when
 * that require() call started (Date.now()): the child was read after that.
 */
type RequireListener = (parent: string, child: string, startedAt: number) => void;

const ORIGINAL = Symbol.for("hotload.require.original");

type Require = (this: NodeJS.Module, id: string) => unknown;

/**
 * Makes every `require()` of this process report its edges to `listener`. Calling it again
 * replaces the listener (the wrapper is installed once). Returns a function that removes it.
 */
export function trackRequires(listener: RequireListener): () => void {
  const proto = Module.prototype as unknown as { require: Require & { [ORIGINAL]?: Require } };
  const original: Require = proto.require[ORIGINAL] ?? proto.require;
  const wrapped = function require(this: NodeJS.Module, id: string): unknown {
    const children = this.children;
    const before = Array.isArray(children) ? children.length : 0;
    const startedAt = Date.now();
    const exports = original.call(this, id);
    // The children array of a module object only grows: new entries are this call's modules.
    if (Array.isArray(children) && typeof this.filename === "string") {
      for (let i = before; i < children.length; i++) {
        const child = children[i]?.filename;
        if (typeof child === "string") listener(this.filename, child, startedAt);
      }
    }
    return exports;
  } as Require & { [ORIGINAL]?: Require };
  // Named as Node's: a stack through it reads `at Module.require`, not the bundler's `require2 [as require]`.
  Object.defineProperty(wrapped, "name", { value: "require" });
  wrapped[ORIGINAL] = original;
  proto.require = wrapped;
  return () => {
    if (proto.require === wrapped) proto.require = original;
  };
}
