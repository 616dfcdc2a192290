/**
 * Registers the module hooks (module.registerHooks: synchronous, same thread). Until the engine
 * loads (off the start-up path, see lazy-engine.ts) they record what it will need; then they
 * translate between Node and the engine, where every decision is made.
 */
import { createRequire, Module, registerHooks, type ModuleHooks, type RegisterHooksOptions } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InPlace, inPlaceEnabled } from "../src/inplace/inplace.js";
import { trackRequires } from "../src/engine/commonjs/require-edges.js";
import { reportStartupSyntaxErrorsAsNode } from "../src/engine/failure/startup-error.js";
import { Scope } from "../src/engine/modules/scope.js";
import { timedHooks } from "../src/engine/update/timings.js";
import { liveImporterOf, RUNTIME_SLOT } from "../src/shared/urls.js";
import { laterWhileRunning } from "../src/shared/later.js";
import { dynamicImport } from "../src/shared/dynamic-import.js";
import { followPrimary, holdSockets } from "./sockets.js";
import { nameCallSitesByFile } from "./call-sites.js";
import { connectSupervisor, fileReporter, reportStopSignals } from "./link.js";
import { LazyEngine } from "./lazy-engine.js";
import type * as Engine from "./engine.js";
import type { EnvFileLoad } from "../src/watch/env-files.js";
import type * as Editor from "./first-load-edit.js";
import type { RuntimeNotifier } from "../src/engine/update/reporter.js";
import { tellChildren, timed } from "../src/shared/log.js";

/** hotload's own compiled code (dist/): never hot. Its fixtures and examples can be. */
const OWN_CODE = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const scope = Scope.fromEnv(OWN_CODE);
const link = connectSupervisor();
let report: ((file: string) => void) | undefined;
const notifier: RuntimeNotifier | undefined = link && {
  filesLoaded: (files) => files.forEach((file) => report?.(file)),
  restartNeeded: link.notifier.restartNeeded,
  beforeEnd: link.beforeEnd,
};
// Before in-place's own listen() wrapper: a server an in-place update hands over keeps its socket,
// and only a listen() that would bind reaches this one.
if (link) holdSockets(link, link.held);
else followPrimary();
// hotload's own process listeners go on before in-place updates wrap process.on(): they are
// nobody's to retire, and the wrapper's look at the stack for an owner cost ~1-2 M instructions.
reportStartupSyntaxErrorsAsNode({ entry: () => lazy.mainId, unedited: () => lazy.editsOff(), importModule: (url) => dynamicImport(url) });
// A program that exits before the engine loaded still tells its supervisor what it loaded: the
// engine takes the record in, before the reporter sends the last files.
link?.beforeEnd(() => lazy.load());
// Installed before any of the program runs: what it starts is recorded from its first line.
const inPlace = inPlaceEnabled() ? new InPlace(scope).install() : undefined;
if (link) inPlace?.installServers();
if (link) reportStopSignals(link);
// What the program passes to process.loadEnvFile() before the engine loads, which tells of a
// change to those files (watch/env-files.ts); the command restarts on them itself.
const envFileLoads = link ? undefined : recordEnvFileLoads();

// The bundles loaded later, next to this one. Run as the script build (loader/code-cache.ts:
// hooks.cjs), `require` is the wrapper's, which runs their script builds from V8's code cache too;
// as the ES module bundle, Node's require(esm). A variable: the bundler leaves them out of this one.
const requireHere = (file: string): unknown => (import.meta.url.endsWith(".cjs") ? require : createRequire(import.meta.url))(file);
const ENGINE = "./engine.js";
const EDITOR = "./first-load-edit.js";
const lazy = new LazyEngine(scope, {
  engine: () => (requireHere(ENGINE) as typeof Engine).startEngine({ scope, link, notifier, inPlace, envFileLoads }),
  editor: () => (requireHere(EDITOR) as typeof Editor).editFirstLoad,
});
if (link) report = fileReporter(link);
Object.defineProperty(globalThis, Symbol.for(RUNTIME_SLOT), { value: lazy, configurable: true });
// Once the entry has evaluated (an immediate queued now runs then, see index.ts) and the program
// is still running by its own means: never during the start-up, nor for a program that is ending,
// whatever its speed.
setImmediate(() => laterWhileRunning(() => lazy.load()));

// module.hot for CommonJS modules, without rewriting their source: a getter every module inherits
// (undefined for packages and builtins). Assigning module.hot still works, as an own property.
Object.defineProperty(Module.prototype, "hot", {
  configurable: true,
  get(this: NodeJS.Module) {
    return lazy.hotCjs(this);
  },
  set(this: NodeJS.Module, value: unknown) {
    Object.defineProperty(this, "hot", { value, writable: true, configurable: true, enumerable: true });
  },
});
// Call sites of new versions name their file, as stack traces do (see call-sites.ts).
nameCallSitesByFile(() => lazy.renamedLoaded);
// Edges of require() calls that Node answers from its per-folder cache, without the resolve hook.
trackRequires((parent, child, startedAt) => lazy.required(parent, child, startedAt));
const hooks: RegisterHooksOptions = {
  resolve(specifier, context, nextResolve) {
    // A live-binding module imports its dependency for the importer it stands for (source/live.ts).
    const importer = liveImporterOf(context.parentURL);
    if (importer !== undefined) context = { ...context, parentURL: importer };
    // Without a supervisor there is no one to tell of a missing file: no closure per resolution.
    const result = report
      ? missingReported(() => nextResolve(specifier, context), specifier, context.parentURL)
      : nextResolve(specifier, context);
    if (result.url === "node:child_process" || result.url === "node:cluster") tellChildren();
    if (inPlace && result.url.startsWith("node:")) inPlace.builtinResolved(result.url);
    const url = lazy.resolved(result.url, context.parentURL);
    if (context.parentURL === undefined) outermost();
    return url === result.url ? result : { ...result, url };
  },
  load(url, context, nextLoad) {
    // A new version loads what its update read: Node tells its format from that too (a file caught
    // empty mid-save would pass for CommonJS). Node's default load takes a given source as read.
    // A load for require() comes with the CommonJS conditions ("require", never "import"): Node
    // runs an ES module it loads so under its plain URL (see engine/commonjs/required-again.ts).
    const conditions = context.conditions ?? [];
    const byRequire = conditions.includes("require") && !conditions.includes("import");
    const pinned = lazy.pinned(url, context.format ?? undefined, byRequire);
    const result = nextLoad(url, pinned === undefined ? context : ({ ...context, source: pinned } as typeof context));
    const loaded = lazy.loaded(url, result.format, result.source, byRequire);
    return loaded === undefined ? result : { ...result, ...loaded };
  },
};
// With HOTLOAD_LOG=timings or debug, an update's split says what the hooks took (see update/timings.ts),
// once the engine that measures it has loaded.
const chain = timed ? timedHooks(hooks, () => lazy.timings) : hooks;
let registered: ModuleHooks | undefined = registerHooks(chain);

/**
 * Puts hotload's hooks first in the chain (the last registered run first), once the entry
 * resolves: every --import has run then. Hooks another preload registered after hotload's
 * (`--import hotload --import tsx`) would otherwise hand hotload their input instead of their
 * output: TypeScript where it reads JavaScript, and live bindings silently never applied.
 */
function outermost(): void {
  if (registered === undefined) return;
  // The chain running now goes on as it began: Node built it when the resolution started.
  registered.deregister();
  registered = undefined;
  registerHooks(chain);
}

/**
 * Runs `resolve`; when it fails because a file is missing, tells the supervisor the file's path
 * (so that creating it restarts a program that crashed at start) before the error goes on.
 */
function missingReported<T>(resolve: () => T, specifier: string, parentURL: string | undefined): T {
  try {
    return resolve();
  } catch (problem) {
    if (report && (problem as { code?: unknown } | null)?.code === "ERR_MODULE_NOT_FOUND") {
      const url = (problem as { url?: unknown }).url;
      const relative = /^\.{0,2}\//.test(specifier) && parentURL?.startsWith("file:");
      const missing = typeof url === "string" ? url : relative ? new URL(specifier, parentURL).href : undefined;
      if (missing?.startsWith("file:")) report(fileURLToPath(missing));
    }
    throw problem;
  }
}

/**
 * Records the files the program loads with process.loadEnvFile(), each with what it held then (a
 * change before the engine loads is a change); `stop()` puts Node's own back and returns them.
 */
function recordEnvFileLoads(): { stop(): readonly EnvFileLoad[] } {
  const loadEnvFile = process.loadEnvFile;
  const files: EnvFileLoad[] = [];
  process.loadEnvFile = function (this: unknown, ...args: unknown[]) {
    const result = Reflect.apply(loadEnvFile, this, args) as void;
    const file = args[0] instanceof URL ? fileURLToPath(args[0]) : resolve(typeof args[0] === "string" ? args[0] : ".env");
    files.push({ file, text: process.getBuiltinModule("node:fs").readFileSync(file, "utf8") });
    return result;
  } as typeof process.loadEnvFile;
  return {
    stop() {
      process.loadEnvFile = loadEnvFile;
      return files;
    },
  };
}
