/**
 * The public types of `import.meta.hot` (and `module.hot` in CommonJS): what users see in their
 * editor through `hotload/client` (client.d.ts) and `hotload/api`. Types only, nothing internal:
 * engine/hot/hot.ts implements {@link Hot}.
 */

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

/** How an update ended. */
export type UpdateStatus = "updated" | "unaccepted" | "declined" | "failed" | "unchanged";

/**
 * The settled outcome of one update: the one shape that `update()` resolves to, `on("update")`
 * listeners get and the `hotload:afterUpdate` event carries.
 */
export interface UpdateResult {
  /**
   * `updated`: applied; `unaccepted`/`declined`: needs a restart, nothing ran; `failed`: an error
   * (the previous version keeps running, or a callback threw); `unchanged`: no content changed.
   */
  readonly status: UpdateStatus;
  /** Absolute paths of the files the update was about. */
  readonly files: readonly string[];
  /** Absolute paths of the modules evaluated again, in evaluation order. */
  readonly reevaluated: readonly string[];
  /** Absolute paths of the modules that accepted the update. */
  readonly boundaries: readonly string[];
  /** For `unaccepted` and `declined`: from the changed file up to where propagation stopped. */
  readonly chain?: readonly string[];
  /** What went wrong, for `failed`. */
  readonly error?: unknown;
  /** Time from the start of the update to its end (ms). */
  readonly durationMs: number;
}

/** Payload of `hotload:afterUpdate`: the settled update, as `update()` resolves to it. */
export type AfterUpdateEvent = UpdateResult;

/** Payload of `hotload:error`. */
export interface ErrorEvent {
  /** What went wrong: the program's own error, or a HotloadError (code `file-missing`). */
  readonly error: unknown;
  /** The file the error was located in, when known. */
  readonly file?: string;
}

/** The events a hot module can listen to, with {@link Hot.on}. */
export interface HotEvents {
  /** An update is about to dispose the old versions and evaluate the new ones. */
  "hotload:beforeUpdate": BeforeUpdateEvent;
  /** An update settled, whichever way. */
  "hotload:afterUpdate": AfterUpdateEvent;
  /** An update failed, or a hot module's file went missing. */
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
