/**
 * `import.meta.hot`: the Vite-compatible API a hot module uses to take part in updates. One
 * context per evaluated module instance; what it registers is read by the runtime through
 * {@link registrations}, so users see only the API.
 */

import { dirname, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import type { UpdateResult } from "./update-result.js";

/**
 * Called with the new module namespace when an accepted module is replaced. `M` is the module's
 * type when the accept names it (`accept<typeof import("./routes.ts")>(…)`).
 */
export type AcceptCallback<M = Record<string, unknown> | undefined> = (newModule: M) => void;
/** Called with the new namespaces of the accepted dependencies (undefined for those unchanged). */
export type AcceptDepsCallback = (newModules: (Record<string, unknown> | undefined)[]) => void;
/** Called with `hot.data` before the module is replaced or pruned; may return a promise. */
export type DisposeCallback = (data: HotData) => void | Promise<void>;

/** Persistent per-module data: the same object is seen by every version of a module. */
export type HotData = Record<string, any>;

/** Payload of `hotload:beforeUpdate`. */
export interface BeforeUpdateEvent {
  /** Absolute paths of the changed files. */
  readonly files: readonly string[];
  /** Absolute paths of the modules that will take the update. */
  readonly boundaries: readonly string[];
}

/** Payload of `hotload:afterUpdate`: the settled update, as `update()` resolves to it. */
export type AfterUpdateEvent = UpdateResult;

/** Payload of `hotload:error`. */
export interface ErrorEvent {
  readonly error: unknown;
  /** The file the error was located in, when known. */
  readonly file?: string;
}

/** The events a hot module can listen to. */
export interface HotEvents {
  "hotload:beforeUpdate": BeforeUpdateEvent;
  "hotload:afterUpdate": AfterUpdateEvent;
  "hotload:error": ErrorEvent;
}

/** The `import.meta.hot` object. */
export interface Hot {
  /** Survives updates: write state here in `dispose`, read it in the new version. */
  readonly data: HotData;
  /** This module takes its own updates (it is re-imported; nothing above it is). */
  accept(): void;
  /**
   * This module takes its own updates; `cb` gets the new version's namespace. Name this module's
   * type to have it typed: `accept<typeof import("./this.ts")>((next) => …)`.
   */
  accept<M = Record<string, unknown> | undefined>(cb: AcceptCallback<M>): void;
  /**
   * Takes updates of `dep` (a specifier as written in an import of this module); `cb` gets its new
   * namespace. Name the module's type to have it typed:
   * `accept<typeof import("./routes.ts")>("./routes.ts", (next) => handler.swap(next.handle))`.
   */
  accept<M = Record<string, unknown> | undefined>(dep: string, cb?: AcceptCallback<M>): void;
  /** Takes updates of any of `deps`; `cb` gets their new namespaces (undefined if unchanged). */
  accept(deps: readonly string[], cb?: AcceptDepsCallback): void;
  /**
   * Partial self-accept (Vite's): this module takes its own updates, and importers that import
   * only the listed exports (or nothing, or every export when all are listed) are left alone;
   * importers using other exports are updated as if it did not accept. `cb` gets the new namespace.
   */
  acceptExports(exportNames: string | readonly string[], cb?: AcceptCallback): void;
  /** Runs before this version is replaced; awaited; several allowed. */
  dispose(cb: DisposeCallback): void;
  /** Runs when no module imports this one any more after an update. */
  prune(cb: DisposeCallback): void;
  /** Updates reaching this module cannot be applied in place: a restart is needed. */
  decline(): void;
  /** Passes the current update on to this module's importers, as if it did not accept it. */
  invalidate(message?: string): void;
  /** Listens to an update event. */
  on<E extends keyof HotEvents>(event: E, cb: (payload: HotEvents[E]) => void): void;
  /** Stops listening. */
  off<E extends keyof HotEvents>(event: E, cb: (payload: HotEvents[E]) => void): void;
  /**
   * Makes a file that is not a module (a template, config or SQL file) a dependency of this
   * module: saving it updates this module as if its own source had changed. Takes an absolute
   * path, a path relative to this module, or a `file:` URL.
   */
  addDependency(pathOrUrl: string | URL): void;
}

/** A dependency accept registered with `accept(dep | deps, cb)`. */
export interface DepAccept {
  /** Module identities (URLs without version) of the accepted dependencies. */
  readonly deps: readonly string[];
  readonly callback: ((arg: any) => void) | undefined;
  /** Registered with an array: the callback gets an array of namespaces. */
  readonly array: boolean;
}

/** What one module instance registered. */
export interface Registrations {
  selfAccept: boolean;
  readonly selfCallbacks: AcceptCallback[];
  /** Export names accepted with `acceptExports` (undefined when it was never called). */
  acceptedExports: Set<string> | undefined;
  readonly depAccepts: DepAccept[];
  readonly disposers: DisposeCallback[];
  readonly pruners: DisposeCallback[];
  declined: boolean;
  readonly listeners: Map<keyof HotEvents, Set<(payload: any) => void>>;
}

/** What a context needs from the runtime. */
export interface HotHost {
  /** Queues an update of the module's importers (see {@link Hot.invalidate}). */
  invalidate(url: string, message: string | undefined): void;
  /** `context` registered an event listener: it wants {@link HotEvents}. */
  listening(context: HotContext): void;
  /** The module `url` depends on the file at `path` (absolute). */
  addDependency(url: string, path: string): void;
}

/** Resolves a specifier as an import (or require) of the context's module would, to a module identity. */
export type DependencyResolver = (specifier: string) => string;

const store = new WeakMap<HotContext, Registrations>();

function noRegistrations(): Registrations {
  return { selfAccept: false, selfCallbacks: [], acceptedExports: undefined, depAccepts: [], disposers: [], pruners: [], declined: false, listeners: new Map() };
}

// What a context that registered nothing reads: most modules never touch import.meta.hot, and
// start-up should not pay for their bookkeeping.
const NOTHING: Registrations = Object.freeze(noRegistrations());

/** What `context` registered (read-only use). */
export function registrations(context: HotContext): Registrations {
  return store.get(context) ?? NOTHING;
}

function writable(context: HotContext): Registrations {
  let r = store.get(context);
  if (!r) store.set(context, (r = noRegistrations()));
  return r;
}

/** Forgets everything `context` registered, so its closures can be collected. */
export function clearRegistrations(context: HotContext): void {
  store.delete(context);
}

/** The implementation of {@link Hot} for one module instance. */
export class HotContext implements Hot {
  /** Survives updates: write state here in `dispose`, read it in the new version. */
  readonly data: HotData;
  readonly #host: HotHost;
  readonly #resolve: DependencyResolver;
  readonly #url: string;

  /** Made by the runtime when a hot module starts evaluating. */
  constructor(host: HotHost, url: string, data: HotData, resolve: DependencyResolver) {
    this.#host = host;
    this.#resolve = resolve;
    this.#url = url;
    this.data = data;
  }

  accept(): void;
  accept<M = Record<string, unknown> | undefined>(cb: AcceptCallback<M>): void;
  accept<M = Record<string, unknown> | undefined>(dep: string, cb?: AcceptCallback<M>): void;
  accept(deps: readonly string[], cb?: AcceptDepsCallback): void;
  accept(first?: AcceptCallback<any> | string | readonly string[], cb?: AcceptCallback<any> | AcceptDepsCallback): void {
    const r = writable(this);
    if (first === undefined || typeof first === "function") {
      r.selfAccept = true;
      if (first) r.selfCallbacks.push(first);
      return;
    }
    if (typeof first === "string") {
      r.depAccepts.push({ deps: [this.#resolve(first)], callback: cb, array: false });
      return;
    }
    if (Array.isArray(first)) {
      r.depAccepts.push({ deps: first.map((dep) => this.#resolve(dep)), callback: cb, array: true });
      return;
    }
    throw new TypeError("[hotload] import.meta.hot.accept() takes nothing, a callback, a specifier or an array of specifiers");
  }

  acceptExports(exportNames: string | readonly string[], cb?: AcceptCallback): void {
    const names = typeof exportNames === "string" ? [exportNames] : exportNames;
    if (!Array.isArray(names) || !names.every((name) => typeof name === "string") || (cb !== undefined && typeof cb !== "function")) {
      throw new TypeError("[hotload] import.meta.hot.acceptExports() takes an export name or an array of them, and an optional callback");
    }
    const r = writable(this);
    r.acceptedExports ??= new Set();
    for (const name of names) r.acceptedExports.add(name);
    if (cb) r.selfCallbacks.push(cb);
  }

  dispose(cb: DisposeCallback): void {
    if (typeof cb !== "function") throw new TypeError("[hotload] import.meta.hot.dispose() takes a callback");
    writable(this).disposers.push(cb);
  }

  prune(cb: DisposeCallback): void {
    if (typeof cb !== "function") throw new TypeError("[hotload] import.meta.hot.prune() takes a callback");
    writable(this).pruners.push(cb);
  }

  decline(): void {
    writable(this).declined = true;
  }

  invalidate(message?: string): void {
    this.#host.invalidate(this.#url, message);
  }

  on<E extends keyof HotEvents>(event: E, cb: (payload: HotEvents[E]) => void): void {
    const listeners = writable(this).listeners;
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(cb);
    this.#host.listening(this);
  }

  off<E extends keyof HotEvents>(event: E, cb: (payload: HotEvents[E]) => void): void {
    registrations(this).listeners.get(event)?.delete(cb);
  }

  addDependency(pathOrUrl: string | URL): void {
    const text = String(pathOrUrl);
    const path = text.startsWith("file:") ? fileURLToPath(text) : resolvePath(dirname(fileURLToPath(this.#url)), text);
    this.#host.addDependency(this.#url, path);
  }
}
