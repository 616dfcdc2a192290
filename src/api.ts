/**
 * `hotload/api`: the programmatic side, for tools and tests. Works in a process started with
 * `node --import hotload` (or the `hotload` command); elsewhere `update`, `on` and `graph` throw a
 * {@link HotloadError} and `hot` returns undefined.
 */
import { createRequire } from "node:module";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { HotloadError } from "./shared/errors.js";
import type { Hot } from "./hot-types.js";
import type { GraphSnapshot, Runtime, UpdateResult } from "./engine/runtime.js";
import { READY_SLOT } from "./shared/link.js";
import { RUNTIME_SLOT } from "./shared/urls.js";

export type { GraphSnapshot, ModuleInfo, UpdateResult, UpdateStatus } from "./engine/runtime.js";
export type {
  AcceptCallback,
  AcceptDepsCallback,
  AfterUpdateEvent,
  BeforeUpdateEvent,
  DisposeCallback,
  ErrorEvent,
  Hot,
  HotData,
  HotEvents,
} from "./hot-types.js";
export { HotloadError, type HotloadErrorCode } from "./shared/errors.js";

/** The engine of this process, loaded now if it was not yet (see loader/lazy-engine.ts). */
function active(): Runtime | undefined {
  return (globalThis as Record<symbol, { engine(): Runtime } | undefined>)[Symbol.for(RUNTIME_SLOT)]?.engine();
}

function runtime(): Runtime {
  const r = active();
  if (!r) throw new HotloadError("not-running", "not running: start node with --import hotload (or use the hotload command)");
  return r;
}

/**
 * Tells the `hotload` command that this process is ready to take over from the previous one
 * (a restart starts the new process first and stops the old one once the new one is ready). A
 * server needs no call: listening is ready. Call it from a program that never listens (a queue
 * consumer, a bot) once it has connected, or from a server that must warm up before it serves.
 * Does nothing outside the command.
 */
export function ready(): void {
  (globalThis as Record<symbol, (() => void) | undefined>)[Symbol.for(READY_SLOT)]?.();
}

/**
 * Applies an update for `files` now, as if they had been saved, and resolves when it has settled.
 * Each is a path (relative ones are resolved against the working directory) or a `file:` URL.
 * Queued behind any running update. Rejects with a {@link HotloadError}: `"file-missing"` for a
 * file that cannot be read, `"not-a-project-module"` for one that holds no module of the program.
 */
export function update(files: readonly string[]): Promise<UpdateResult> {
  return runtime().update(files.map((file) => (file.startsWith("file:") ? fileURLToPath(file) : resolve(file))));
}

/** Calls `listener` after every settled update (from the watcher or {@link update}). Returns the unsubscribe function. */
export function on(event: "update", listener: (result: UpdateResult) => void): () => void {
  if (event !== "update") throw new HotloadError("invalid-argument", `unknown event "${String(event)}": the only event is "update"`);
  return runtime().onUpdate(listener);
}

/** The same object as `import.meta.hot` for the module `meta` belongs to; undefined when not hot. */
export function hot(meta: ImportMeta): Hot | undefined {
  return active()?.contextOf(meta);
}

/**
 * Which version of its module the instance `meta` belongs to: 0 for the module's first load, N for
 * the Nth new version an update evaluated (as `graph()` counts them); undefined when not hot.
 * `import.meta.url` is the file's URL in every version, as after a restart: this is how a test or
 * a tool tells the versions apart.
 */
export function versionOf(meta: ImportMeta): number | undefined {
  return active()?.versionOf(meta);
}

/**
 * The ESM answer to `import-fresh`: a newly evaluated instance of a module and of the project
 * modules it imports (packages in node_modules are shared), without touching the instances the
 * rest of the program holds. Needs no file change. `specifier` is resolved against `parentURL`
 * (pass `import.meta.url`) like an import would be; absolute paths and `file:` URLs work too.
 *
 * Every call evaluates new instances that Node keeps for the life of the process.
 */
export async function importFresh<T = Record<string, unknown>>(specifier: string, parentURL: string | URL): Promise<T> {
  return (await runtime().importFresh(resolveSpecifier(specifier, String(parentURL)))) as T;
}

function resolveSpecifier(specifier: string, parentURL: string): string {
  if (specifier.startsWith("file:")) return specifier;
  if (isAbsolute(specifier)) return pathToFileURL(specifier).href;
  if (specifier.startsWith("./") || specifier.startsWith("../")) return new URL(specifier, parentURL).href;
  // Bare specifiers (package imports, self-references) follow Node's require resolution.
  return pathToFileURL(createRequire(parentURL).resolve(specifier)).href;
}

/** A read-only snapshot of the module graph: files, imports, importers, versions, accepts. */
export function graph(): GraphSnapshot {
  return runtime().snapshot();
}

/** A stable function that calls whatever implementation was swapped in last. */
export type Swappable<F extends (...args: any[]) => any> = F & {
  /** Replaces the implementation; callers holding this function call `next` from now on. */
  swap(next: F): void;
  /** The implementation called now. */
  readonly current: F;
};

/**
 * Wraps `initial` in a stable function whose implementation {@link Swappable.swap} replaces: the
 * one line that lets a server created once serve the newest request handler after every update.
 *
 *   const handler = (import.meta.hot?.data.handler ??= swappable(routes.handle));
 *   import.meta.hot?.accept("./routes.mjs", (next) => handler.swap(next.handle));
 */
export function swappable<F extends (...args: any[]) => any>(initial: F): Swappable<F> {
  if (typeof initial !== "function") throw new HotloadError("invalid-argument", "swappable() takes a function");
  let current = initial;
  const stable = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    return current.apply(this, args) as ReturnType<F>;
  } as Swappable<F>;
  Object.defineProperties(stable, {
    swap: {
      value(next: F): void {
        if (typeof next !== "function") throw new HotloadError("invalid-argument", "swap() takes a function");
        current = next;
      },
    },
    current: { get: () => current },
  });
  return stable;
}
