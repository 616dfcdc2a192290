/**
 * Runs the loader's start-up bundles from V8's code cache: compiling the hooks' ~230 KB took about
 * as long as all the rest of hotload's start-up (~8 ms of ~17 ms to load it, measured by hand), and
 * loading in-place updates as an ES module 2-3 ms. The build writes each bundle a second time as a
 * script (dist/loader/hooks.cjs, dist/src/inplace/inplace.cjs; see scripts/bundle.mjs), which
 * `vm.Script` can compile from cached data; the cache is written once the program has run a while
 * (so that it holds the functions start-up compiled too), in dist/loader/.cache/, one file per
 * bundle and Node version: the code it holds is exactly as trusted as the bundle itself. Node's own compile cache
 * (module.enableCompileCache) would cache every module of the program too, new versions included.
 *
 * Anything that does not work (no script build, a folder that cannot be written, a cache V8
 * rejects) falls back to compiling, or to importing the ES module bundle: never an error.
 * `HOTLOAD_CODE_CACHE=0` (or Node's own NODE_DISABLE_COMPILE_CACHE) turns it off.
 */
import type * as Fs from "node:fs";
import type * as Vm from "node:vm";

// Builtins by getBuiltinModule: this file is inlined into loader/index.js, which must parse and
// check the version on any Node, and an ES import of node:fs runs its lazy getters.
const fs = (): typeof Fs => process.getBuiltinModule("node:fs");

/** Written after the program ran this long, when its start-up functions have been compiled (ms). */
const WRITE_AFTER_MS = 1500;
/** The parameters the script's wrapper function takes (see scripts/bundle.mjs); its body is strict, as the ES module's. */
const WRAPPER = ["exports", "require", "module", "__hotloadUrl", "__hotloadImport"] as const;

/** Line 1 of a script build (scripts/bundle.mjs): the hash of its content. */
const BUILD_LINE = /^\/\/ hotload script build ([0-9a-f]+)\n/;

/** `import()` from loader/index.js, for the script (see src/shared/dynamic-import.ts). */
export type ImportFromLoader = (specifier: string, options?: ImportCallOptions) => Promise<unknown>;

/**
 * Runs the script build of the bundle at `url` (file:…/hooks.cjs), with its cache in `cacheDir`;
 * false when there is none or the cache is turned off (the caller imports the ES module bundle).
 */
export function runCached(url: URL, cacheDir: URL, importFromLoader: ImportFromLoader): boolean {
  if (process.env["HOTLOAD_CODE_CACHE"] === "0" || process.env["NODE_DISABLE_COMPILE_CACHE"]) return false;
  return runScript(url, cacheDir, importFromLoader) !== undefined;
}

/**
 * Runs one script build and returns its exports (undefined: no such file). The hotload modules it
 * requires (in-place updates, bundled on their own in src/inplace/, where they find their own stack
 * frames by folder) run from their script build too when there is one.
 */
function runScript(url: URL, cacheDir: URL, importFromLoader: ImportFromLoader): object | undefined {
  const { readFileSync } = fs();
  const vm = process.getBuiltinModule("node:vm");
  const file = process.getBuiltinModule("node:url").fileURLToPath(url);
  let code: string;
  try {
    code = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  // What the cached code must have been made from: this build (line 1 names its content; V8 only
  // checks the source's length), on this Node. No such line: not a script build, not cached.
  const build = BUILD_LINE.exec(code)?.[1];
  if (build === undefined) return undefined;
  const stamp = `${build}:${process.version}:${process.arch}`;
  const name = file.replace(/^.*[\\/]/, "").replace(/\.cjs$/, "");
  const cacheFile = new URL(`${name}-${process.version}-${process.arch}.bin`, cacheDir);
  const cached = readCache(cacheFile, stamp);
  const script = new vm.Script(`(function (${WRAPPER.join(", ")}) {"use strict";${code}\n})`, {
    // Stack frames (report.ts, in-place updates' owners) see hotload's code in its folder, as before.
    filename: url.href,
    cachedData: cached,
    // No importModuleDynamically: the script has no import() of its own (see dynamic-import.ts).
  });
  const rejected = script.cachedDataRejected === true;
  debug(`${name}: ${cached === undefined ? "none yet" : rejected ? "rejected by V8, compiled" : "used"}`);
  if (cached === undefined || rejected) setTimeout(() => writeCache(cacheFile, stamp, script), WRITE_AFTER_MS).unref();
  const requireHere = process.getBuiltinModule("node:module").createRequire(url);
  const require = (specifier: string): unknown =>
    (/^\.\.?\/.*\.js$/.test(specifier) ? runScript(new URL(specifier.replace(/\.js$/, ".cjs"), url), cacheDir, importFromLoader) : undefined) ?? requireHere(specifier);
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, url.href, importFromLoader);
  return module.exports;
}

/** The cached data in `cacheFile` if it was made from the bundle `stamp` names. */
function readCache(cacheFile: URL, stamp: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = fs().readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const length = bytes.length >= 4 ? bytes.readUInt32LE(0) : -1;
  if (length < 0 || 4 + length > bytes.length || bytes.toString("utf8", 4, 4 + length) !== stamp) return undefined;
  return bytes.subarray(4 + length);
}

/** Writes the cache: stamp length, stamp, V8's data; whole or not at all (a rename). */
function writeCache(cacheFile: URL, stamp: string, script: Vm.Script): void {
  try {
    const { mkdirSync, renameSync, writeFileSync } = fs();
    const header = Buffer.from(stamp);
    const size = Buffer.alloc(4);
    size.writeUInt32LE(header.length);
    mkdirSync(new URL(".", cacheFile), { recursive: true });
    const temporary = new URL(`${cacheFile.href}.${process.pid}.tmp`);
    writeFileSync(temporary, Buffer.concat([size, header, script.createCachedData()]));
    renameSync(temporary, cacheFile);
    debug(`written to ${process.getBuiltinModule("node:url").fileURLToPath(cacheFile)}`);
  } catch {
    // A folder that cannot be written: the next start compiles again.
  }
}

/** With HOTLOAD_LOG=debug (src/shared/log.ts is not loaded yet: this runs before the hooks). */
function debug(message: string): void {
  if (process.env["HOTLOAD_LOG"] === "debug") process.stderr.write(`[hotload] code cache: ${message}\n`);
}
