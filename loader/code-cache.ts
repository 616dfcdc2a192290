/**
 * Runs the loader's start-up bundles from V8's code cache: compiling the hooks' ~230 KB took about
 * as long as all the rest of hotload's start-up (~8 ms of ~17 ms to load it, measured by hand), and
 * loading in-place updates as an ES module 2-3 ms. The build writes each bundle a second time as a
 * script (dist/loader/hooks.cjs, dist/src/inplace/inplace.cjs; see scripts/bundle.mjs), which
 * `vm.Script` can compile from cached data; the cache is written once the program has run a while
 * (so that it holds the functions start-up compiled too), or as it exits if that is sooner, one file
 * per bundle and Node version (and one more per set of V8 flags other than those of the start that
 * wrote it, see runScript).
 * Node's own compile cache (module.enableCompileCache) would cache every module of the program too,
 * new versions included.
 *
 * Where: the user's cache folder (cacheFolder), not the installed package. A package folder is often
 * not writable (a global install, a read-only image, a shared store), and a file there damaged once
 * broke every start of every program using it; the user's own folder is writable by that user only
 * (no one else can plant a cache, unlike the temporary folder), exists whether or not the program
 * sits in a project with a node_modules, and costs no look-up at start-up.
 *
 * V8 does not checksum cached data: damaged data whose header still looks right ends the process
 * with a fatal error (SIGTRAP) while compiling. Each file carries a 32-bit hash of all of V8's data
 * (as Node's own compile cache carries a checksum); one that does not match is not handed to V8, and
 * is written again like a missing one. Without WebAssembly (node --jitless) there is no hash: no cache.
 *
 * Anything that does not work (no script build, a folder that cannot be written, a damaged cache, a
 * cache V8 rejects) falls back to compiling, or to importing the ES module bundle: never an error.
 * `HOTLOAD_CODE_CACHE=0` (or Node's own NODE_DISABLE_COMPILE_CACHE) turns it off.
 */
import type * as Fs from "node:fs";
import type * as Vm from "node:vm";

// Builtins by getBuiltinModule: this file is inlined into loader/index.js, which must parse and
// check the version on any Node, and an ES import of node:fs runs its lazy getters. Node's own
// function, taken before in-place updates wrap it: what hotload loads is not the program's doing.
const builtin = process.getBuiltinModule;
const getBuiltinModule = ((id: string) => builtin.call(process, id)) as typeof process.getBuiltinModule;
const fs = (): typeof Fs => getBuiltinModule("node:fs");

/** Written after the program ran this long, when its start-up functions have been compiled (ms). */
const WRITE_AFTER_MS = 1500;
/** The parameters the script's wrapper function takes (see scripts/bundle.mjs); its body is strict, as the ES module's. */
const WRAPPER = ["exports", "require", "module", "__hotloadUrl", "__hotloadImport"] as const;

/** Line 1 of a script build (scripts/bundle.mjs): the hash of its content. */
const BUILD_LINE = /^\/\/ hotload script build ([0-9a-f]+)\n/;

/** `import()` from loader/index.js, for the script (see src/shared/dynamic-import.ts). */
type ImportFromLoader = (specifier: string, options?: ImportCallOptions) => Promise<unknown>;

/**
 * Runs the script build of the bundle at `url` (file:…/hooks.cjs), with its cache in the user's
 * cache folder; false when there is none or the cache is turned off (the caller imports the ES
 * module bundle).
 */
export function runCached(url: URL, importFromLoader: ImportFromLoader): boolean {
  if (process.env["HOTLOAD_CODE_CACHE"] === "0" || process.env["NODE_DISABLE_COMPILE_CACHE"]) return false;
  const cacheDir = cacheFolder();
  return cacheDir !== undefined && runScript(url, cacheDir, importFromLoader) !== undefined;
}

/**
 * `hotload/` in the user's cache folder: $XDG_CACHE_HOME when set (an absolute path, as the XDG
 * specification asks), else the platform's own (%LOCALAPPDATA% on Windows, ~/Library/Caches on
 * macOS, ~/.cache elsewhere). Undefined without a home folder: no cache then.
 */
function cacheFolder(): URL | undefined {
  const { env, platform } = process;
  const path = getBuiltinModule("node:path");
  const home = env["HOME"] || env["USERPROFILE"];
  const xdg = env["XDG_CACHE_HOME"];
  let base: string | undefined;
  if (xdg && path.isAbsolute(xdg)) base = xdg;
  else if (platform === "win32") base = env["LOCALAPPDATA"] || (home && path.join(home, "AppData", "Local"));
  else if (platform === "darwin") base = home && path.join(home, "Library", "Caches");
  else base = home && path.join(home, ".cache");
  if (!base || !path.isAbsolute(base)) return undefined;
  return getBuiltinModule("node:url").pathToFileURL(path.join(base, "hotload", "/"));
}

/**
 * Runs one script build and returns its exports (undefined: no such file). The hotload modules it
 * requires (in-place updates, bundled on their own in src/inplace/, where they find their own stack
 * frames by folder) run from their script build too when there is one.
 */
function runScript(url: URL, cacheDir: URL, importFromLoader: ImportFromLoader): object | undefined {
  const { readFileSync } = fs();
  const vm = getBuiltinModule("node:vm");
  const file = getBuiltinModule("node:url").fileURLToPath(url);
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
  const stamp = `${HASH_NAME}:${build}:${process.version}:${process.arch}`;
  const name = file.replace(/^.*[\\/]/, "").replace(/\.cjs$/, "");
  const source = `(function (${WRAPPER.join(", ")}) {"use strict";${code}\n})`;
  const compile = (cachedData: Buffer | undefined): Vm.Script =>
    new vm.Script(source, {
      // Stack frames (report.ts, in-place updates' owners) see hotload's code in its own folder.
      filename: url.href,
      cachedData,
      // No importModuleDynamically: the script has no import() of its own (see dynamic-import.ts).
    });
  let cacheFile = new URL(`${name}-${process.version}-${process.arch}.bin`, cacheDir);
  const { data: cached, damaged } = readCache(cacheFile, stamp);
  let script = compile(cached);
  let state = damaged ? "damaged (checksum), compiled" : cached === undefined ? "none yet" : "used";
  if (cached !== undefined && script.cachedDataRejected === true) {
    // V8 takes a cache only under the V8 flags it was made with (--expose-gc, --stack-size, ...).
    // A start under other flags than the one that wrote this file keeps a cache of its own next to
    // it, instead of writing over it: programs started both ways would each compile at every start.
    cacheFile = new URL(`${name}-${process.version}-${process.arch}-${flagsKey()}.bin`, cacheDir);
    const own = readCache(cacheFile, stamp);
    if (own.data !== undefined) script = compile(own.data);
    state =
      own.data !== undefined && script.cachedDataRejected !== true
        ? "used (this start's flags)"
        : own.damaged
          ? "damaged (checksum), compiled"
          : "rejected by V8, compiled";
  }
  debug(`${name}: ${state}`);
  const target = cacheFile;
  if (!state.startsWith("used")) {
    let written = false;
    const write = (): void => {
      if (written) return;
      written = true;
      writeCache(target, stamp, script);
    };
    setTimeout(write, WRITE_AFTER_MS).unref();
    // A program that ends sooner (a script, a test run, a bundle first loaded just before the end)
    // writes it as it exits: else no start of it would ever find one.
    atExit(write);
  }
  // Builtins straight from Node, and createRequire() (~1.5 M instructions) only for a package.
  let requireHere: NodeJS.Require | undefined;
  const require = (specifier: string): unknown =>
    (specifier.startsWith("node:") ? getBuiltinModule(specifier) : undefined) ??
    (/^\.\.?\/.*\.js$/.test(specifier)
      ? runScript(new URL(specifier.replace(/\.js$/, ".cjs"), url), cacheDir, importFromLoader)
      : undefined) ??
    (requireHere ??= getBuiltinModule("node:module").createRequire(url))(specifier);
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, url.href, importFromLoader);
  return module.exports;
}

/** What runs as the process exits (see {@link atExit}). */
const exiting: (() => void)[] = [];

/**
 * Runs `run` as the process exits, through `process.emit` rather than an `exit` listener, which the
 * program would count (process.listenerCount("exit")) where plain node has none.
 */
function atExit(run: () => void): void {
  if (exiting.push(run) > 1) return;
  const emit = process.emit;
  process.emit = function (this: unknown, event: string | symbol) {
    if (event === "exit") for (const write of exiting.splice(0)) write();
    // `arguments` as they are: no array made on a path every event of `process` takes.
    return Reflect.apply(emit, this, arguments) as boolean;
  } as typeof process.emit;
}

/**
 * Names the flags this process started with (its own and NODE_OPTIONS): 8 hex digits of their FNV-1a
 * hash. Only for a start whose flags V8 found different from those of the cache's writer.
 */
function flagsKey(): string {
  const flags = `${process.execArgv.join("\0")}\0${process.env["NODE_OPTIONS"] ?? ""}`;
  let hash = 0x811c9dc5;
  for (let at = 0; at < flags.length; at++) hash = Math.imul(hash ^ flags.charCodeAt(at), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/**
 * The cached data in `cacheFile` if it was made from the bundle `stamp` names and is whole (its
 * checksum matches); `damaged` when the file is there, of this bundle, but its data is not.
 */
function readCache(cacheFile: URL, stamp: string): { data: Buffer | undefined; damaged: boolean } {
  let bytes: Buffer;
  try {
    bytes = fs().readFileSync(cacheFile);
  } catch {
    return { data: undefined, damaged: false };
  }
  const length = bytes.length >= 4 ? bytes.readUInt32LE(0) : -1;
  const data = 4 + length + 4;
  if (length < 0 || data > bytes.length || bytes.toString("utf8", 4, 4 + length) !== stamp) return { data: undefined, damaged: false };
  const sum = checksum(bytes.subarray(data));
  if (sum === undefined) return { data: undefined, damaged: false };
  const whole = bytes.readUInt32LE(4 + length) === sum;
  return whole ? { data: bytes.subarray(data), damaged: false } : { data: undefined, damaged: true };
}

/** Writes the cache: stamp length, stamp, checksum of V8's data, V8's data; whole or not at all (a rename). */
function writeCache(cacheFile: URL, stamp: string, script: Vm.Script): void {
  try {
    const { mkdirSync, renameSync, writeFileSync } = fs();
    const header = Buffer.from(stamp);
    const size = Buffer.alloc(4);
    size.writeUInt32LE(header.length);
    const data = script.createCachedData();
    const hash = checksum(data);
    if (hash === undefined) return;
    const sum = Buffer.alloc(4);
    sum.writeUInt32LE(hash);
    mkdirSync(new URL(".", cacheFile), { recursive: true });
    const temporary = new URL(`${cacheFile.href}.${process.pid}.tmp`);
    writeFileSync(temporary, Buffer.concat([size, header, sum, data]));
    renameSync(temporary, cacheFile);
    debug(`written to ${getBuiltinModule("node:url").fileURLToPath(cacheFile)}`);
  } catch {
    // A folder that cannot be written: the next start compiles again.
  }
}

/** Names the hash in each file's stamp: a file of an older format is not this build's, not damaged. */
const HASH_NAME = "rotmul32";

/**
 * The hash of `data` (undefined without WebAssembly): a 32-bit word hash, each little-endian word w
 * (the last one padded with zero bytes) taken in as a = rotl(a + w * P2, 13) * P1 from a = the byte
 * length (xxHash32's round). Every step is a bijection of a, so any one damaged word always changes
 * it; the rotation carries high bits down, so that damage to high bits of several words does not
 * cancel out. In WebAssembly: about 1 M instructions at start-up for the hooks' ~150 KB, where
 * node:zlib's CRC-32 cost 8-13 M (loading it) and the same loop in JavaScript 25 M (run once, never
 * optimized).
 */
function checksum(data: Uint8Array): number | undefined {
  const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;
  if (wasm === undefined) return undefined;
  try {
    const end = (data.length + 3) & ~3;
    const memory = new wasm.Memory({ initial: Math.ceil(Math.max(end, 1) / 65536) });
    new Uint8Array(memory.buffer).set(data);
    hashModule ??= new wasm.Module(Buffer.from(HASH_WASM, "base64"));
    const hash = new wasm.Instance(hashModule, { m: { m: memory } }).exports["h"] as (length: number, end: number) => number;
    return hash(data.length, end) >>> 0;
  } catch {
    return undefined;
  }
}

/** The hash's module, compiled once for all the bundles a start runs. */
let hashModule: object | undefined;

/** What checksum() uses of the WebAssembly global (the DOM library that declares it is not in this build). */
interface Wasm {
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/**
 * The hash as a WebAssembly module, imports memory m.m, exports h(length, end):
 *   (local $i i32) (local $a i32)
 *   a = length; while (i < end) { a = i32.mul(i32.rotl(a + i32.load(i) * 0x85EBCA77, 13), 0x9E3779B1); i += 4 } return a
 */
const HASH_WASM =
  "AGFzbQEAAAABBwFgAn9/AX8CCAEBbQFtAgAAAwIBAAcFAQFoAAAKPQE7AQJ/IAAhAwJAA0AgAiABTw0BIAMgAigCAEH3lK+veGxqQQ13QbHz3fF5bCEDIAJBBGohAgwACwsgAws=";

/** With HOTLOAD_LOG=debug (src/shared/log.ts is not loaded yet: this runs before the hooks). */
function debug(message: string): void {
  if (process.env["HOTLOAD_LOG"] === "debug") process.stderr.write(`[hotload] code cache: ${message}\n`);
}
