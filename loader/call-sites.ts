/**
 * Call sites name the file of a new version, not the URL it loads under. V8
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

/**
 * Installs both; called once, before the program runs. `renamed` says whether any module instance
 * was loaded under another URL than its file's yet: until then (a program that never updates),
 * `Error.prepareStackTrace` is what the program set, and costs nothing more (hotload's own
 * tracking of timers and listeners reads call sites on every call, see src/inplace/owner.ts).
 */
export function nameCallSitesByFile(renamed: () => boolean): void {
  wrapPrepareStackTrace(renamed);
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

/** On each wrapper made by {@link wrapPrepareStackTrace}: the program's function it calls. */
const PROGRAM = Symbol("hotload.prepareStackTrace");
/** On hotload's own function that reads call sites as V8 names them (src/inplace/owner.ts). */
const AS_THEY_ARE = Symbol.for("hotload.callSites.asTheyAre");

type Wrapper = Prepare & { [PROGRAM]?: Prepare };

/**
 * `Error.prepareStackTrace` becomes an accessor: what a program sets is kept, and what Node reads
 * to call it is that function behind one that names the call sites first. Reading it back gives
 * that wrapper (the same one while the function stays set), and setting a wrapper sets its
 * program's function again, so the usual save, set and restore works; `Error.prepareStackTrace
 * === fn` right after setting `fn` is false, once a new version has loaded (README, Limits).
 * Node's own function (the default, which formats with the names stack traces use) and hotload's
 * own (src/inplace/owner.ts, on every tracked timer or listener call) are never wrapped. One
 * wrapper is kept, not one per function: code that sets a new function on every call is common,
 * and a WeakMap of every wrapper cost as much again as the naming itself.
 */
function wrapPrepareStackTrace(renamed: () => boolean): void {
  const own = Object.getOwnPropertyDescriptor(Error, "prepareStackTrace");
  // Made an accessor by someone else: theirs to keep.
  if (own !== undefined && !("value" in own)) return;
  const nodeDefault: unknown = own?.value;
  let current: unknown = nodeDefault;
  let wrapped: Prepare | undefined;
  let wrapper: Wrapper | undefined;
  const wrap = (prepare: Prepare): Wrapper => {
    if (prepare !== wrapped || wrapper === undefined) {
      wrapped = prepare;
      wrapper = function prepareStackTrace(this: unknown, error: Error, sites: NodeJS.CallSite[]): unknown {
        if (Array.isArray(sites)) for (const site of sites) nameByFile(site);
        return Reflect.apply(prepare, this, [error, sites]);
      };
      wrapper[PROGRAM] = prepare;
    }
    return wrapper;
  };
  Object.defineProperty(Error, "prepareStackTrace", {
    configurable: true,
    enumerable: own?.enumerable ?? false,
    get: () =>
      typeof current === "function" && current !== nodeDefault && !(AS_THEY_ARE in current) && renamed()
        ? wrap(current as Prepare)
        : current,
    set: (value: unknown) => {
      current = typeof value === "function" ? ((value as Wrapper)[PROGRAM] ?? value) : value;
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
    const [count, rest] =
      typeof frameCount === "object" && frameCount !== null && options === undefined ? [10, frameCount] : [frameCount ?? 10, options];
    // One frame more, for this function's own, which is dropped (Node allows at most 200).
    const valid = typeof count === "number" && count >= 1 && count <= 200;
    const sites = valid ? original(Math.min(count + 1, 200), rest) : original(count, rest);
    sites.shift();
    for (const site of sites) if (typeof site.scriptName === "string") site.scriptName = fileOf(site.scriptName);
    return sites;
  };
}
