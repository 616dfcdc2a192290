/**
 * Call sites name the file of a new version, not the URL it loads under (issue 23, case 4). V8
 * names a frame's script two ways: formatted stack traces and `getScriptNameOrSourceURL()` use
 * the `//# sourceURL=` hotload gives every new version (the file's URL), while
 * `CallSite.getFileName()` and `util.getCallSites()` give the URL the module was loaded under,
 * `dep.mjs?hotload=N`: loggers that print their caller showed the query. V8's CallSite methods
 * cannot be replaced (read-only, on a shared prototype), so hotload hands every call site whose
 * file name carries a version its own `getFileName` before a program's `Error.prepareStackTrace`
 * sees it, and removes the version from what `util.getCallSites()` returns. Frames of anything
 * else are untouched.
 */
import { stripVersion } from "../src/shared/urls.js";

type Prepare = (error: Error, sites: NodeJS.CallSite[]) => unknown;

/** Installs both; called once, before the program runs. */
export function nameCallSitesByFile(): void {
  wrapPrepareStackTrace();
  wrapGetCallSites();
}

/** The file's URL for a versioned script name; the name itself otherwise (cheap without a query). */
function fileOf(name: string): string {
  return name.includes("?") ? stripVersion(name) : name;
}

/** Gives `site` a `getFileName` that names the file, when its own names a version. */
function nameByFile(site: NodeJS.CallSite): void {
  const name = site.getFileName();
  if (typeof name !== "string") return;
  const file = fileOf(name);
  if (file !== name) Object.defineProperty(site, "getFileName", { value: () => file, configurable: true, writable: true });
}

/**
 * `Error.prepareStackTrace` becomes an accessor: what a program sets is kept, and what Node reads
 * to call it is that function behind one that names the call sites first. Reading it back gives
 * that wrapper, the same one each time, and setting the wrapper sets the program's function again,
 * so the usual save, set and restore works; only `Error.prepareStackTrace === fn` after setting
 * `fn` is false (README, Limits).
 */
function wrapPrepareStackTrace(): void {
  const own = Object.getOwnPropertyDescriptor(Error, "prepareStackTrace");
  // Made an accessor by someone else: theirs to keep.
  if (own !== undefined && !("value" in own)) return;
  let current: unknown = own?.value;
  const wrappers = new WeakMap<Prepare, Prepare>();
  const programs = new WeakMap<Prepare, Prepare>();
  const wrap = (prepare: Prepare): Prepare => {
    let wrapper = wrappers.get(prepare);
    if (wrapper === undefined) {
      wrapper = function prepareStackTrace(this: unknown, error: Error, sites: NodeJS.CallSite[]): unknown {
        if (Array.isArray(sites)) for (const site of sites) nameByFile(site);
        return Reflect.apply(prepare, this, [error, sites]);
      };
      wrappers.set(prepare, wrapper);
      programs.set(wrapper, prepare);
    }
    return wrapper;
  };
  Object.defineProperty(Error, "prepareStackTrace", {
    configurable: true,
    enumerable: own?.enumerable ?? false,
    get: () => (typeof current === "function" ? wrap(current as Prepare) : current),
    set: (value: unknown) => {
      current = typeof value === "function" ? (programs.get(value as Prepare) ?? value) : value;
    },
  });
}

interface CallSiteObject {
  scriptName: string;
}

/**
 * `util.getCallSites()` (Node 22.12 and later) behind a function that names the files. Replaced
 * on the module's exports before the program imports `node:util`, so that its named export is
 * this function too (Node makes a builtin's ES module namespace from its exports when it is first
 * imported; `syncBuiltinESMExports()` would cost milliseconds at every start).
 */
function wrapGetCallSites(): void {
  const util = process.getBuiltinModule("node:util") as { getCallSites?: (...args: unknown[]) => CallSiteObject[] };
  const original = util.getCallSites;
  if (typeof original !== "function") return;
  util.getCallSites = function getCallSites(frameCount?: unknown, options?: unknown): CallSiteObject[] {
    const [count, rest] = typeof frameCount === "object" && frameCount !== null && options === undefined ? [10, frameCount] : [frameCount ?? 10, options];
    // One frame more, for this function's own, which is dropped (Node allows at most 200).
    const valid = typeof count === "number" && count >= 1 && count <= 200;
    const sites = valid ? original(Math.min(count + 1, 200), rest) : original(count, rest);
    sites.shift();
    for (const site of sites) if (typeof site.scriptName === "string") site.scriptName = fileOf(site.scriptName);
    return sites;
  };
}
