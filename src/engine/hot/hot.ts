/**
 * `import.meta.hot`: the Vite-compatible API a hot module uses to take part in updates (its public
 * types are src/hot-types.ts). One context per evaluated module instance; what it registers is
 * read by the runtime through {@link registrations}, so users see only the API.
 */

import { dirname, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import type { AcceptCallback, AcceptDepsCallback, DisposeCallback, Hot, HotData, HotEvents } from "../../hot-types.js";
import { HotloadError } from "../../shared/errors.js";

/** A dependency accept registered with `accept(dep | deps, cb)`. */
interface DepAccept {
  /** Module identities (URLs without version) of the accepted dependencies. */
  readonly deps: readonly string[];
  readonly callback: ((arg: any) => void) | undefined;
  /** Registered with an array: the callback gets an array of namespaces. */
  readonly array: boolean;
}

interface Registrations {
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
type DependencyResolver = (specifier: string) => string;

/**
 * What each context registered. One map per process, not per copy of this module: the start-up
 * hooks' bundle makes the contexts of modules that evaluate before the engine loads, and the
 * engine's bundle (another copy of this code) reads what they registered (see loader/lazy-engine.ts).
 */
const store: WeakMap<HotContext, Registrations> = ((globalThis as Record<symbol, unknown>)[Symbol.for("hotload.registrations")] ??=
  new WeakMap()) as WeakMap<HotContext, Registrations>;

function noRegistrations(): Registrations {
  return {
    selfAccept: false,
    selfCallbacks: [],
    acceptedExports: undefined,
    depAccepts: [],
    disposers: [],
    pruners: [],
    declined: false,
    listeners: new Map(),
  };
}

// What a context that registered nothing reads: most modules never touch import.meta.hot, and
// start-up should not pay for their bookkeeping.
const NOTHING: Registrations = Object.freeze(noRegistrations());

/** What `context` registered (read-only use). */
export function registrations(context: HotContext): Registrations {
  return store.get(context) ?? NOTHING;
}

/** Whether the module version of `context` registered a dispose handler. */
export function disposes(context: HotContext | undefined): boolean {
  return context !== undefined && registrations(context).disposers.length > 0;
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
    throw new HotloadError("invalid-argument", "import.meta.hot.accept() takes nothing, a callback, a specifier or an array of specifiers");
  }

  acceptExports(exportNames: string | readonly string[], cb?: AcceptCallback): void {
    const names = typeof exportNames === "string" ? [exportNames] : exportNames;
    if (!Array.isArray(names) || !names.every((name) => typeof name === "string") || (cb !== undefined && typeof cb !== "function")) {
      throw new HotloadError(
        "invalid-argument",
        "import.meta.hot.acceptExports() takes an export name or an array of them, and an optional callback",
      );
    }
    const r = writable(this);
    r.acceptedExports ??= new Set();
    for (const name of names) r.acceptedExports.add(name);
    if (cb) r.selfCallbacks.push(cb);
  }

  dispose(cb: DisposeCallback): void {
    if (typeof cb !== "function") throw new HotloadError("invalid-argument", "import.meta.hot.dispose() takes a callback");
    writable(this).disposers.push(cb);
  }

  prune(cb: DisposeCallback): void {
    if (typeof cb !== "function") throw new HotloadError("invalid-argument", "import.meta.hot.prune() takes a callback");
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
