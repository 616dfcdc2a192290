/**
 * The engine's wiring and public face. Node's hooks (loader/hooks.ts) call the loader side, each
 * module's `import.meta.hot` calls the HotHost side, and hotload/api calls the public side; the
 * work is done by the parts, one job each:
 *
 *   tracker.ts      what the hooks report: the module graph (typed operations, applied on read)
 *   registry.ts     one record per hot module: its file, `hot.data`, content, live versions
 *   contexts.ts     `import.meta.hot` / `module.hot` of each module instance
 *   changes.ts      which files changed since they were last acted on
 *   schedule.ts     the update queue: one update at a time, and how each one settles
 *   transaction.ts  one update: plan → checkpoint → load behind the gate → dispose → evaluate →
 *                   prune → accept → commit or roll back
 *   failures.ts     failure isolation, retries of held-back edits
 *   reporter.ts     everything said about updates: lines, `hotload:*` events, restart requests
 *   events.ts       `hotload:*` events and `on("update")` listeners
 *   effects.ts      import(), require.cache, the clock, the watcher (fakes in unit tests)
 */
import { HotloadError } from "../shared/errors.js";
import { pathToFileURL } from "node:url";
import type { InPlace } from "../inplace/inplace.js";
import { readFileSync, realpathSync, statSync } from "../shared/fs.js";
import type { RuntimeSlot } from "../source/inject.js";
import type { LiveName, LiveSetter } from "../source/live.js";
import { stripTypes, strippingTypes } from "../source/typescript.js";
import { differsFromLoaded } from "./modules/changes.js";
import { HotContexts } from "./hot/contexts.js";
import { nodeEffects, type RuntimeEffects, type WatchedFiles } from "./update/effects.js";
import type { UpdateTimings } from "./update/timings.js";
import { Events } from "./hot/events.js";
import { Failures } from "./failure/failures.js";
import { HandlerRunner } from "./update/handlers.js";
import { registrations, type HotContext, type HotHost } from "./hot/hot.js";
import { LiveBindings } from "./hot/live-bindings.js";
import { ModuleRegistry } from "./modules/registry.js";
import { Reporter, type RuntimeNotifier } from "./update/reporter.js";
import { UpdateScheduler } from "./update/schedule.js";
import { fileOf, type Scope } from "./modules/scope.js";
import { HookTracker, isEsm } from "./modules/tracker.js";
import { preloadUpdatePath } from "./update/update-path.js";
import type { UpdateResult } from "./update/update-result.js";
import { VersionTable } from "./modules/versions.js";
import { asWrittenUrl, stripVersion, withFresh } from "../shared/urls.js";
import { engineView } from "./modules/view.js";
import { dynamicImport } from "../shared/dynamic-import.js";

export type { RuntimeNotifier } from "./update/reporter.js";
export type { UpdateResult, UpdateStatus } from "./update/update-result.js";

/** A read-only view of one module, as {@link Runtime.snapshot} returns it. */
export interface ModuleInfo {
  readonly file: string;
  readonly url: string;
  readonly version: number;
  readonly entry: boolean;
  /** Absolute paths (or URLs, for modules that are not files). */
  readonly imports: readonly string[];
  readonly importers: readonly string[];
  readonly acceptsSelf: boolean;
  readonly acceptsDeps: readonly string[];
  readonly declined: boolean;
}

/** The module graph as the user can inspect it. */
export interface GraphSnapshot {
  readonly modules: readonly ModuleInfo[];
}

/** What the load hook hands Node instead of what it loaded. */
interface LoadedSource {
  readonly source: string;
  /** The format to load it as, when not the loaded one. */
  readonly format?: "module";
}

interface RuntimeOptions {
  /** The supervisor (the `hotload` command), when there is one. */
  readonly notifier?: RuntimeNotifier | undefined;
  /** Zero-config updates of entries with no hot code (inplace/); undefined when turned off. */
  readonly inPlace?: InPlace | undefined;
  /** What the runtime does to the world: a real process's by default, fakes in unit tests. */
  readonly effects?: RuntimeEffects | undefined;
}

/** When the update path loads after start-up (ms; see update-path.ts). */
const UPDATE_PATH_PRELOAD_MS = 1000;

/**
 * The hot module runtime of this process (one per thread). Reachable from user code through the
 * global slot (source/inject.ts): its graph and versions stay private, {@link snapshot} is the
 * read-only view.
 */
export class Runtime implements HotHost, RuntimeSlot {
  readonly #versions = new VersionTable();
  readonly #scope: Scope;
  readonly #registry: ModuleRegistry;
  readonly #tracker: HookTracker;
  readonly #contexts: HotContexts;
  readonly #events: Events;
  readonly #reporter: Reporter;
  readonly #failures: Failures;
  readonly #scheduler: UpdateScheduler;
  readonly #watcher: WatchedFiles;
  readonly #effects: RuntimeEffects;
  /** Live import bindings of modules that accept a dependency they import (see source/live.ts). */
  readonly #live = new LiveBindings();
  #importFreshCalls = 0;
  /** A newer process of the program has taken over (the `hotload` command): saves are its job. */
  #retired = false;
  /** Whether an ES module instance was loaded under another URL than its file's yet. */
  #renamed = false;
  /**
   * The process is ending on a syntax error: modules load as written, each that compiled before
   * under a URL of its own (see startup-error.ts); undefined the rest of the time.
   */
  #asWritten: ((url: string) => string) | undefined;

  constructor(scope: Scope, options: RuntimeOptions = {}) {
    const { notifier, inPlace } = options;
    const effects = (this.#effects = options.effects ?? nodeEffects((file, error) => this.#reporter.entryFailed(file, error)));
    this.#scope = scope;
    this.#registry = new ModuleRegistry(this.#versions, {
      added: (file) => {
        this.#failures.inGraph(file);
        this.#watcher.add(file);
        notifier?.filesLoaded([file]);
      },
      fileGone: (file) => this.#watcher.remove(file),
      dropped: (context) => {
        this.#events.drop(context);
        this.#contexts.dropped(context);
      },
      settle: () => this.#tracker.flush(),
    });
    this.#tracker = new HookTracker(
      scope,
      this.#versions,
      this.#registry,
      (files) => this.#scheduler.look(files),
      (message) => effects.log.warn(message),
    );
    this.#contexts = new HotContexts(this, scope, this.#versions, this.#registry, this.#tracker);
    this.#events = new Events(this.#contexts.isCurrent, effects.log);
    // Everything said about updates, through the one log it is given.
    const reporter = (this.#reporter = new Reporter(effects.log, this.#events, notifier));
    const watched = { add: (file: string) => this.#watcher.add(file), remove: (file: string) => this.#watcher.remove(file) };
    this.#failures = new Failures(
      this.#registry,
      reporter,
      watched,
      (files) => this.#scheduler.retryQuietly(files),
      (held) => this.#scheduler.retryInvalidation(held),
    );
    const { view, acceptsInPlace } = engineView(this.#tracker, this.#registry, inPlace !== undefined);
    const parts = {
      tracker: this.#tracker,
      versions: this.#versions,
      registry: this.#registry,
      live: this.#live,
      view,
      handlers: new HandlerRunner(reporter),
      inPlace,
      acceptsInPlace,
      isHot: (url: string) => scope.isHot(url),
      forget: (id: string) => this.#forget(id),
    };
    this.#scheduler = new UpdateScheduler(parts, this.#failures, reporter, effects);
    // A program that exits at once must still tell its supervisor what it loaded.
    notifier?.beforeEnd?.(() => this.#tracker.flush());
    this.#watcher = effects.watch(
      (batch) => (this.#retired ? Promise.resolve() : this.#scheduler.onBatch(batch)),
      (file) => differsFromLoaded(file, this.#registry.idsOf(file), (id) => this.#registry.get(id)?.seen),
      () => this.#scheduler.newerSave(),
    );
    // Off the start-up path, and before the first save in almost every program.
    preloadUpdatePath(UPDATE_PATH_PRELOAD_MS);
  }

  /** Where updates' time goes, when measured (see update/timings.ts): the hooks add theirs. */
  get timings(): UpdateTimings | undefined {
    return this.#effects.timings;
  }

  // ---------------------------------------------------------------------------------------------
  // Loader side: called from the hooks (loader/hooks.ts) on every module. Keep it cheap.

  /**
   * A module URL was resolved for `parentURL`. Records the edge and returns the URL to load: the
   * current version of a hot module, anything else unchanged.
   */
  resolved(url: string, parentURL: string | undefined): string {
    if (this.#asWritten !== undefined) return this.#asWritten(url);
    return this.#tracker.resolved(url, parentURL);
  }

  /** `parent` (a file) required `child`: an edge Node answered from its own cache (see require-edges.ts). */
  required(parent: string, child: string, startedAt: number): void {
    this.#tracker.required(parent, child, startedAt);
  }

  /**
   * A module was loaded. For a hot module, records what was loaded and returns the source to
   * evaluate (with `import.meta.hot` for ES modules) and its format when that changed, or
   * undefined to keep what was loaded.
   */
  loaded(url: string, format: string | null | undefined, source: unknown, byRequire = false): LoadedSource | undefined {
    if (this.#asWritten !== undefined) return undefined;
    const code = this.#tracker.loaded(url, format, source, byRequire);
    if (code === undefined) return undefined;
    // Every ES module version under another URL than its file's is edited (it names the file).
    this.#renamed ||= stripVersion(url) !== url;
    if (format !== "module-typescript" || !strippingTypes()) return { source: code };
    // What Node's type stripping would do after the hooks, done here (see source/typescript.ts).
    const js = stripTypes(code);
    if (js !== undefined) return { source: js, format: "module" };
    // The file's own syntax error: Node reports it from the file as written (should only the
    // edited code fail, Node reports that).
    return stripTypes(textOf(source)) === undefined ? undefined : { source: code };
  }

  /** The content a new version of the running update must load (undefined: whatever Node reads). */
  pinned(url: string, format?: string, byRequire = false): string | Buffer | undefined {
    return this.#tracker.pinned(url, format, byRequire);
  }

  /** A live-binding module of `importer` evaluated: the setter of its bindings of `dep`. */
  live(importer: string, dep: string, names: readonly LiveName[], set: LiveSetter): void {
    this.#live.register(importer, dep, names, set, this.#versions.current(stripVersion(importer)));
  }

  /** Whether a module instance was loaded under another URL than its file's (`?hotload=N`) yet. */
  get renamedLoaded(): boolean {
    return this.#renamed;
  }

  /** The program's entry, once Node resolved it (see main-module.ts). */
  get mainId(): string | undefined {
    return this.#tracker.mainId;
  }

  /** Modules load as written from now on: the process is ending on a syntax error (see startup-error.ts). */
  editsOff(): void {
    // A module that imports something compiled (its imports were resolved for it): Node keeps its
    // job, and Node 22 the failure of its imports with it, so it loads again under a URL of its
    // own. One that failed to compile is never kept, and keeps its URL, which Node's code frame names.
    const graph = this.#tracker.graph;
    this.#asWritten = (url) => (graph.get(url)?.imports.size ? asWrittenUrl(url) : url);
  }

  /** Runs `resolve` as an import.meta.resolve(): what it resolves is not an import. */
  resolvingOnly<T>(resolve: () => T): T {
    return this.#tracker.resolvingOnly(resolve);
  }

  /**
   * A load the start-up hooks recorded before the engine loaded (see loader/lazy-engine.ts), at
   * `at` (Date.now()): recorded as {@link loaded} records it. The hooks made its edits already.
   */
  recordedLoad(url: string, format: string | null | undefined, source: unknown, byRequire: boolean, at: number): void {
    this.#tracker.loaded(url, format, source, byRequire, at);
  }

  /** The start-up hooks' record is replayed: the graph takes it in now, the watcher its files. */
  replayed(): void {
    this.#tracker.flush();
    // Before any update: the entry's URL still names the instance Node ran.
    const main = this.#tracker.mainId;
    if (main !== undefined && this.#versions.current(main) === 0 && isEsm(this.#registry.get(main)?.format))
      this.#effects.entryStarted?.(main);
  }

  /**
   * The context the start-up hooks gave an instance that evaluated before the engine loaded
   * (`owner`: its `import.meta`, or its CommonJS module): it becomes that instance's context here.
   */
  adopt(owner: ImportMeta | NodeJS.Module, id: string, context: HotContext): void {
    this.#contexts.adopt(owner, id, context);
  }

  /** Line 1 of every hot ES module calls this as it starts evaluating: its `import.meta.hot`. */
  hot(meta: ImportMeta): HotContext {
    return this.#contexts.hot(meta);
  }

  /** `module.hot` of a CommonJS module (see loader/hooks.ts): its context, undefined when cold. */
  hotCjs(module: NodeJS.Module): HotContext | undefined {
    return this.#contexts.hotCjs(module);
  }

  /** Called by the gate module every new version of an update imports (see gate.ts). */
  gate(id: number): Promise<void> {
    const gate = this.#tracker.gate;
    return gate && gate.id === id ? gate.arrive() : Promise.resolve();
  }

  // ---------------------------------------------------------------------------------------------
  // HotHost: called by `import.meta.hot` methods.

  /** The module `url` depends on the file at `path` (`import.meta.hot.addDependency`). */
  addDependency(url: string, path: string): void {
    const id = pathToFileURL(path).href;
    if (id === url) return;
    const graph = this.#tracker.graph;
    graph.ensure(id, true);
    if (!graph.get(url)) return;
    graph.addEdge(url, id);
    this.#registry.dependedOn(id, () => {
      try {
        return readFileSync(path);
      } catch {
        return undefined;
      }
    });
  }

  /** `import.meta.hot.invalidate()`: queues an update of the module's importers. */
  invalidate(url: string, message: string | undefined): void {
    this.#scheduler.invalidate(url, message);
  }

  listening(context: HotContext): void {
    this.#events.listening(context);
  }

  // ---------------------------------------------------------------------------------------------
  // Public side (api.ts).

  /**
   * Applies an update for `files` (absolute paths) as if they had been saved. Queued. Rejects
   * with a HotloadError for a file that holds no module (or dependency) of the program: one that
   * cannot be read ("file-missing") or another file ("not-a-project-module"); nothing could come
   * of it. A module's file that is gone is reported as a save would find it.
   */
  update(files: readonly string[]): Promise<UpdateResult> {
    const known: string[] = [];
    for (const file of files) {
      if (this.#registry.hasFile(file)) {
        known.push(file);
        continue;
      }
      let real: string;
      try {
        statSync(file);
        // Node runs a module under its real path: a symlink to a module's file names that module.
        real = realpathSync(file);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        return Promise.reject(new HotloadError("file-missing", `update: ${file} cannot be read (${code})`, { file, cause: error }));
      }
      if (this.#registry.hasFile(real)) {
        known.push(real);
        continue;
      }
      return Promise.reject(
        new HotloadError(
          "not-a-project-module",
          `update: ${file} is not a module this program loaded (nor a file one depends on): pass the path of one`,
          { file },
        ),
      );
    }
    return this.#scheduler.update(known);
  }

  /** An in-place update failed after the old versions stopped and could not all come back (see inplace.ts). */
  halfUpdated(result: UpdateResult): void {
    this.#reporter.inPlaceFailed(result.files[0] ?? "", result.reevaluated);
  }

  /** The new code of an in-place update failed as it ran, and the old versions run on: the command may restart. */
  threwInPlace(result: UpdateResult): void {
    this.#reporter.threwInPlace(result.files[0] ?? "", result.reevaluated);
  }

  /** Calls `listener` after every settled update; returns the unsubscribe function. */
  onUpdate(listener: (result: UpdateResult) => void): () => void {
    return this.#events.onUpdate(listener);
  }

  /** The `import.meta.hot` of the module instance `meta` belongs to. */
  contextOf(meta: ImportMeta): HotContext | undefined {
    return this.#contexts.of(meta);
  }

  /** The version of its module that the instance `meta` belongs to (0: the first load). */
  versionOf(meta: ImportMeta): number | undefined {
    return this.#contexts.versionOf(meta);
  }

  /**
   * A newly evaluated instance of the module at `url` and of the project modules it imports
   * (packages are shared). The live program's instances are not touched.
   */
  async importFresh(url: string): Promise<Record<string, unknown>> {
    const id = stripVersion(url);
    if (!this.#scope.isHot(id))
      throw new HotloadError("not-a-project-module", `importFresh: ${url} is not a project module (packages and builtins are shared)`);
    return await dynamicImport(withFresh(id, ++this.#importFreshCalls));
  }

  /**
   * A newer process has taken over from this one (it is stopping): no save is applied here any
   * more, so that old code does not run a new version beside the process that serves it.
   */
  retire(): void {
    this.#retired = true;
  }

  /** A read-only copy of the graph. */
  snapshot(): GraphSnapshot {
    const name = (url: string): string => (url.startsWith("file:") ? fileOf(url) : url);
    const modules: ModuleInfo[] = [];
    for (const node of this.#tracker.graph.nodes()) {
      if (!node.hot) continue;
      const context = this.#registry.current(node.url);
      const r = context && registrations(context);
      modules.push({
        file: name(node.url),
        url: node.url,
        version: this.#versions.current(node.url),
        entry: node.entry,
        imports: [...node.imports].map(name),
        importers: [...node.importers].map(name),
        acceptsSelf: r?.selfAccept ?? false,
        acceptsDeps: r ? [...new Set(r.depAccepts.flatMap((a) => a.deps))].map(name) : [],
        declined: r?.declined ?? false,
      });
    }
    return { modules };
  }

  /** Removes a module from the graph and the watch list; a later import loads it afresh. */
  #forget(id: string): void {
    this.#tracker.graph.delete(id);
    this.#live.forget(id);
    const cache = this.#effects.requireCache();
    const forgotten = this.#registry.forget(id, (file) => cache[file] !== undefined);
    if (!forgotten) return;
    this.#tracker.forget(id);
    // An ES module that CommonJS code required stays in require.cache (see required-again.ts).
    if (!forgotten.parked) delete cache[forgotten.record.file];
  }
}

/** A loaded source as text (Node's own loader gives bytes). */
function textOf(source: unknown): string {
  return typeof source === "string" ? source : Buffer.from(source as Uint8Array).toString("utf8");
}
