/**
 * The engine. It learns the graph from the loader hooks (`resolved`, `loaded`), gives each module
 * instance its `import.meta.hot` (`hot`), and applies updates one at a time:
 *
 *   changed files → propagate → dispose → new versions → import() → prune → accept callbacks
 *
 * and rolls versions and graph edges back when the new code does not load, so that every later
 * import gets the last good version.
 */
import { readFileSync } from "../shared/fs.js";
import { createRequire } from "node:module";
import { requireCache } from "./commonjs.js";
import type { InPlace } from "../inplace/inplace.js";
import type { RestartMessage } from "../shared/link.js";
import type { Blame } from "./blame.js";
import type { Gate } from "./gate.js";
import type { Failure as ReportedFailure } from "./report.js";
import { pathToFileURL } from "node:url";
import { isAbsolute } from "node:path";
import { ModuleGraph } from "./graph.js";
import { clearRegistrations, HotContext, registrations, type HotHost } from "./hot.js";
import type { HotData, HotEvents } from "../hot-types.js";
import * as log from "../shared/log.js";
import type { Boundary, PropagationView } from "./propagate.js";
import { fileOf, type Scope } from "./scope.js";
import { importsOnlyAccepted } from "../source/bindings.js";
import { editModule, mentionsMeta } from "../source/edit.js";
import type { RuntimeSlot } from "../source/inject.js";
import type { LiveName, LiveSetter } from "../source/live.js";
import { exportsOnDisk, LiveBindings, missingExportError } from "./live-bindings.js";
import { VersionTable } from "./versions.js";
import { parseVersion, stripVersion, withFresh, withVersion } from "../shared/urls.js";
import { DEFAULT_WATCHER_OPTIONS, Watcher, type TouchedBatch } from "../watch/watcher.js";
import { changedFrom, loadedBefore, loadedFromText, readDisk, sameContent, savedAgain } from "../watch/changed.js";
import { later } from "../shared/later.js";
import { requirableModule } from "./require-esm.js";
import { ParkedModules, requiredAgain } from "./required-again.js";
import { HANDLER_TIMEOUT_ENV, handlerTimeoutMs, settleWithin } from "./handler-timeout.js";
import { cameBack, extendChain, type InvalidationChain } from "./invalidation.js";
import { loadUpdatePath, preloadUpdatePath, updatePath as up } from "./update-path.js";

/** How an update ended. */
export type UpdateStatus = "updated" | "unaccepted" | "declined" | "failed" | "unchanged";

/** The settled outcome of one update. */
export interface UpdateResult {
  /** `updated`: applied; `unaccepted`/`declined`: needs a restart, nothing ran; `failed`: an error
   * (the previous version keeps running, or a callback threw); `unchanged`: no content changed. */
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
  /** Time from the start of the update to its end. */
  readonly durationMs: number;
}

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

/** Where the runtime reports to a supervisor (see ipc.ts). */
export interface RuntimeNotifier {
  filesLoaded(files: readonly string[]): void;
  restartNeeded(reason: RestartMessage["reason"], file: string, chain: readonly string[]): void;
}

interface ModuleRecord {
  readonly url: string;
  readonly file: string;
  readonly data: HotData;
  /**
   * The content last acted on (loaded, applied, failed or refused). Kept as the text itself:
   * comparing it with the file costs less than hashing every module at start-up.
   */
  seen: string | Buffer | undefined;
  /** Context of every live version: the current one, and the previous one during an update. */
  readonly instances: Map<number, HotContext>;
  /** Reported as deleted or unreadable; cleared when it can be read again. */
  missing: boolean;
  /** `asset`: a file made a dependency with addDependency(), not a module. */
  kind: "module" | "asset";
  /** The content of the last update of this module that failed to load (nothing new to try). */
  failed: string | Buffer | undefined;
  /** The format Node loaded it as (`module`, `commonjs`, `json`, ...). */
  format: string | undefined;
}

interface Snapshot {
  readonly version: number;
  readonly imports: ReadonlySet<string>;
  readonly seen: string | Buffer | undefined;
  readonly context: HotContext | undefined;
  /** The CommonJS module cached for the file before the update (restored on roll-back). */
  readonly cached: NodeJS.Module | undefined;
}

/** What happens while an update imports new versions. */
interface Session {
  readonly evaluated: string[];
  readonly sources: Map<string, string>;
  /** How far line 1 moved in each transformed module (for error columns). */
  readonly shifts: Map<string, number>;
  /** Holds the new versions' evaluation until the old ones are disposed. */
  readonly gate: Gate;
}

/** Why an update did not load, as found after its roll-back. */
interface Failure extends ReportedFailure {
  readonly blame?: Blame | undefined;
}

/** An attempt whose new versions did not load; #apply reports it, knowing what it held back. */
interface AttemptFailed {
  readonly failure: Failure;
  readonly files: readonly string[];
  readonly result: Omit<UpdateResult, "durationMs" | "files">;
}

interface Request {
  readonly files: readonly string[];
  /** From the watcher: a touch that changed nothing is not an update worth announcing. */
  readonly quietIfUnchanged?: boolean;
  /** From the watcher: each file's size when it was settled (see TouchedBatch). */
  readonly sizes?: ReadonlyMap<string, number>;
  /** Try again files whose content failed before (a later update may have made them good). */
  readonly retryFailed?: boolean;
  readonly invalidated?: { readonly url: string; readonly message: string | undefined; readonly chain: InvalidationChain };
}


/** The hot module runtime of this process (one per thread). */
export class Runtime implements HotHost, RuntimeSlot {
  readonly graph: ModuleGraph = new ModuleGraph();
  readonly versions: VersionTable = new VersionTable();
  readonly #scope: Scope;
  readonly #records = new Map<string, ModuleRecord>();
  readonly #byFile = new Map<string, Set<string>>();
  readonly #watcher: Watcher | undefined;
  readonly #notifier: RuntimeNotifier | undefined;
  readonly #listening = new Set<HotContext>();
  readonly #updateListeners = new Set<(result: UpdateResult) => void>();
  #queue: Promise<unknown> = Promise.resolve();
  /** Files whose last update failed: tried again after the next update that succeeds. */
  readonly #retry = new Set<string>();
  /** Files not in the graph that failed updates wait for (missing, or broken when first imported). */
  readonly #awaited = new Set<string>();
  /** The last error line reported per file (a quiet retry does not repeat it). */
  readonly #lastErrors = new Map<string, string>();
  #session: Session | undefined;
  /** Live import bindings of modules that accept a dependency they import (see source/live.ts). */
  readonly #live = new LiveBindings();
  /** Zero-config updates of entries with no hot code (inplace/); undefined when turned off. */
  readonly #inPlace: InPlace | undefined;
  readonly #handlerTimeoutMs: number = handlerTimeoutMs();
  /** While accept callbacks run: the invalidations that led to their update (see invalidation.ts). */
  #invalidationChain: InvalidationChain | undefined;

  constructor(scope: Scope, options: { watch?: boolean; notifier?: RuntimeNotifier; inPlace?: InPlace | undefined } = {}) {
    this.#scope = scope;
    this.#notifier = options.notifier;
    this.#inPlace = options.inPlace;
    if (this.#notifier) {
      // A program that exits at once must still tell its supervisor what it loaded.
      process.on("beforeExit", () => this.#settle());
      process.once("exit", () => this.#settle());
    }
    if (options.watch !== false) {
      this.#watcher = new Watcher(
        (batch) => this.#onBatch(batch),
        (error) => log.error(`watcher error: ${String(error)}`),
        DEFAULT_WATCHER_OPTIONS,
        (file) => this.#differsFromLoaded(file),
      );
      // Off the start-up path, and before the first save in almost every program.
      preloadUpdatePath(UPDATE_PATH_PRELOAD_MS);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Loader side: called from the resolve and load hooks, on every module. Keep it cheap.

  /**
   * A module URL was resolved for `parentURL`. Records the edge and returns the URL to load: the
   * current version of a hot module, anything else unchanged.
   */
  resolved(url: string, parentURL: string | undefined): string {
    if (!this.#scope.isHot(url)) return url;
    const { url: id, version, fresh } = parseVersion(url);
    // An explicit version comes from the runtime's own import() of a new version.
    if (version !== 0 || fresh !== 0) return url;
    // Everything a fresh instance imports from the project is fresh too, in the same set.
    const parentFresh = parentURL === undefined ? 0 : parseVersion(parentURL).fresh;
    if (parentFresh !== 0) return withFresh(id, parentFresh);
    if (this.#resolveOnly === 0) this.#defer(EDGE, id, parentURL, undefined, false, 0);
    return withVersion(id, this.versions.current(id));
  }

  /**
   * `parent` (a file) required `child` (see engine/require-edges.ts): the edge of a require() that
   * Node answered from its own cache, without calling the resolve hook.
   */
  required(parent: string, child: string, startedAt: number): void {
    if (this.#resolveOnly !== 0 || !isAbsolute(child)) return;
    const id = pathUrl(child);
    if (!this.#scope.isHot(id)) return;
    this.#defer(EDGE, id, pathUrl(parent), undefined, false, 0);
    // A require() extension of another loader (tsx compiling .ts to CommonJS) reads the file
    // itself, without the load hook: what it read is the file now, if it was there before the
    // require() started (see watch/changed.ts).
    if (this.#hookLoaded.has(id)) return;
    this.#hookLoaded.add(id);
    // An ES module pruned before runs again: an update of its own if its file changed since.
    const parked = this.#parked.take(id);
    if (parked) void this.#enqueue(() => this.#apply({ files: [child], quietIfUnchanged: true }));
    this.#defer(LOAD, id, parked ? "module" : "commonjs", parked ? parked.seen : loadedBefore(startedAt, readDisk(child)), false, 0);
  }

  /** Modules the load hook saw (or that {@link required} stood in for). */
  readonly #hookLoaded = new Set<string>();
  readonly #parked = new ParkedModules();

  #applyEdge(id: string, parentURL: string | undefined): void {
    if (parentURL === undefined) {
      this.graph.ensure(id, true).entry = true;
      return;
    }
    // The roots of an update are imported together by one module of our own (see #rootUrl).
    if (parentURL.startsWith(ROOTS_URL)) return;
    const parentId = stripVersion(parentURL);
    // A version rolled back or replaced that Node is still loading: its imports are not the graph's.
    if (this.#scope.isHot(parentId) && this.#stale(parentURL)) return;
    const node = this.graph.ensure(id, true);
    const parent = this.graph.get(parentId);
    if (parent?.hot) this.graph.addEdge(parentId, id);
    else if (this.#scope.isHot(parentId)) node.entry = true; // e.g. `--import ./x.mjs` resolves from the cwd URL
    else if (!parentURL.startsWith("file:") || !this.#scope.isOwn(parentURL)) {
      this.graph.ensure(parentId, false);
      this.graph.addEdge(parentId, id);
    }
  }

  #applyLoad(url: string, format: string | undefined, content: string | Buffer | undefined, inSession: boolean, loadedAt: number): void {
    if (this.#stale(url)) return;
    const id = stripVersion(url);
    this.graph.ensure(id, true);
    const record = this.#record(id);
    record.format = format;
    // The new instance declares its own imports as they resolve (later in the queue).
    this.graph.clearImports(id);
    // During an update, `seen` already holds what the update read from disk.
    if (content !== undefined && (!inSession || record.seen === undefined)) record.seen = typeof content === "string" ? loadedFromText(content, loadedAt, readDisk(record.file)) : content;
  }

  /**
   * Graph work from the hooks, queued in order and applied in one batch by {@link #settle}: the
   * hooks run once per module at start-up, where every microsecond shows, and nothing reads the
   * graph before the program has started (or an update needs it).
   */
  #pending: (string | Buffer | boolean | number | undefined)[] = [];
  /** Inside an import.meta.resolve() call: resolutions then are not imports. */
  #resolveOnly = 0;

  #defer(kind: string, url: string, a: string | undefined, content: string | Buffer | undefined, inSession: boolean, loadedAt: number): void {
    this.#pending.push(kind, url, a, content, inSession, loadedAt);
    if (this.#pending.length === OP_SIZE) later(() => this.#settle());
  }

  /** Applies the queued graph work. Cheap when there is none. */
  #settle(): void {
    const ops = this.#pending;
    if (ops.length === 0) return;
    this.#pending = [];
    for (let i = 0; i < ops.length; i += OP_SIZE) {
      const url = ops[i + 1] as string;
      const a = ops[i + 2] as string | undefined;
      if (ops[i] === EDGE) this.#applyEdge(url, a);
      else this.#applyLoad(url, a, ops[i + 3] as string | Buffer | undefined, ops[i + 4] as boolean, ops[i + 5] as number);
    }
  }

  /**
   * A module was loaded. For a hot module, records what was loaded and returns the source to
   * evaluate (with `import.meta.hot` for ES modules), or undefined to keep the loaded source.
   */
  loaded(url: string, format: string | null | undefined, source: unknown, byRequire = false): string | undefined {
    if (!this.#scope.isHot(url)) return undefined;
    const { url: id, version, fresh } = parseVersion(url);
    this.#hookLoaded.add(id);
    const esm = format === "module" || format === "module-typescript";
    if (fresh !== 0) {
      // Not part of the live program: no graph, no watch, a context of its own.
      if (source === null || source === undefined || !esm) return undefined;
      return editModule(typeof source === "string" ? source : toBuffer(source as Uint8Array), { file: fileOf(id), sourceUrl: id })?.code;
    }
    // Loads that belong to the running update: not those of a version it already rolled back.
    const session = this.#session !== undefined && !this.#stale(url) ? this.#session : undefined;
    if (source === null || source === undefined) {
      this.#defer(LOAD, url, format ?? undefined, undefined, session !== undefined, 0);
      return undefined;
    }
    // Bytes stay bytes (no decoding of every module at start-up); other loaders may give text.
    let content = typeof source === "string" ? source : toBuffer(source as Uint8Array);
    let validated: string | undefined;
    if (session && typeof content !== "string") {
      // A new version loads what the update validated, never a save caught half-written: Node read
      // the file again, and a newer save gets its own update from the watcher.
      const seen = this.#records.get(id)?.seen;
      if (Buffer.isBuffer(seen) && !seen.equals(content)) validated = (content = seen).toString();
    }
    // require() runs the instance of the plain URL, not this version (see required-again.ts).
    const plainRuns = byRequire && esm && version !== 0;
    if (plainRuns) void this.#enqueue(() => this.#apply(requiredAgain(id, this.#records, () => this.#settle())));
    // Text is checked against the file later, off the load path (see onDisk): note when it loaded.
    this.#defer(LOAD, url, format ?? undefined, plainRuns ? undefined : content, session !== undefined, typeof content === "string" ? Date.now() : 0);
    if (session) {
      session.sources.set(url, content.toString());
      if (format === "json") session.evaluated.push(id);
    }
    // CommonJS modules get module.hot from a getter on Module.prototype: their source stays as is,
    // unless Node read something else than what the update validated (an empty file mid-save).
    if (!esm) return format === "wasm" ? undefined : validated;
    // A new version of an update waits at the update's gate (after the last line: no line moves).
    // No ";" before it: an unfinished last statement (`if (x)`) must stay an error, not take our
    // line as its body. One gate module per update stays in Node's module map (README, Memory):
    // a wait on line 1 instead would move line 1 of every new version (coverage, columns).
    const gate = session && version !== 0 && !byRequire ? `\nimport ${JSON.stringify(session.gate.url)};` : "";
    // Most modules at start-up: nothing to append and no import.meta, so no edit (editModule would
    // say so too, after building its options: this runs cold, once per module).
    if (gate === "" && url === id && !mentionsMeta(content)) return undefined;
    // A module that reads nothing of import.meta but Node's own properties cannot use the API:
    // leaving it alone spares Node an import.meta object per module (see source/edit.ts).
    const edited = editModule(content, { file: fileOf(id), tail: gate, sourceUrl: url === id ? undefined : id, importer: url, exportsOf: exportsOnDisk });
    if (edited === undefined) return undefined;
    if (edited.shift !== 0) session?.shifts.set(url, edited.shift);
    return edited.code;
  }

  /** A live-binding module of `importer` evaluated: the setter of its bindings of `dep`. */
  live(importer: string, dep: string, names: readonly LiveName[], set: LiveSetter): void {
    this.#live.register(importer, dep, names, set, this.versions.current(stripVersion(importer)));
  }

  /** Line 1 of every hot ES module calls this as it starts evaluating: its `import.meta.hot`. */
  hot(meta: ImportMeta): HotContext {
    const { url: id, version, fresh } = parseVersion(meta.url);
    const original = meta.resolve.bind(meta);
    // import.meta.resolve() only resolves: it must not add an edge to the graph, and it returns
    // the plain URL, as without hotload.
    meta.resolve = (specifier: string, parent?: string | URL): string => {
      this.#resolveOnly++;
      try {
        return stripVersion(parent === undefined ? original(specifier) : (original as (s: string, p: string | URL) => string)(specifier, parent));
      } finally {
        this.#resolveOnly--;
      }
    };
    const resolve = (specifier: string): string => meta.resolve(specifier);
    // A fresh instance (importFresh) gets a context nobody listens to: it never takes updates.
    if (fresh !== 0) return new HotContext(this.#detached, id, {}, resolve);
    return this.#evaluating(id, version, resolve);
  }

  readonly #cjsContexts = new WeakMap<NodeJS.Module, HotContext | undefined>();

  /** `module.hot` of a CommonJS module (see loader/hooks.ts): its context, undefined when cold. */
  hotCjs(module: NodeJS.Module): HotContext | undefined {
    if (this.#cjsContexts.has(module)) return this.#cjsContexts.get(module);
    // Read before Node has set the file name (a module being built): no answer to remember yet.
    if (typeof module.filename !== "string") return undefined;
    const id = pathToFileURL(module.filename).href;
    let context: HotContext | undefined;
    if (this.#scope.isHot(id)) {
      const require = createRequire(module.filename);
      const resolve = (specifier: string): string => {
        const target = require.resolve(specifier);
        return target.startsWith("node:") || !target.startsWith("/") ? target : pathToFileURL(target).href;
      };
      context = this.#evaluating(id, this.versions.current(id), resolve);
    }
    this.#cjsContexts.set(module, context);
    return context;
  }

  readonly #contextVersions = new WeakMap<HotContext, { readonly id: string; readonly version: number }>();

  /**
   * Whether `url` names an instance that is not the current version of its module: a version an
   * update rolled back or replaced, whose loading Node may still finish after the fact.
   */
  #stale(url: string): boolean {
    const { url: id, version } = parseVersion(url);
    if (version === this.versions.current(id)) return false;
    // require() never carries the version: a CommonJS instance is the one in require.cache.
    return version !== 0 || isEsm(this.#records.get(id)?.format);
  }

  #isCurrent(context: HotContext): boolean {
    const owner = this.#contextVersions.get(context);
    return owner !== undefined && this.versions.current(owner.id) === owner.version;
  }

  #evaluating(id: string, version: number, resolve: (specifier: string) => string): HotContext {
    const record = this.#record(id);
    const context = new HotContext(this, id, record.data, resolve);
    this.#contextVersions.set(context, { id, version });
    record.instances.set(version, context);
    if (version === this.versions.current(id)) this.#session?.evaluated.push(id);
    return context;
  }

  readonly #detached: HotHost = {
    invalidate: () => undefined,
    listening: () => undefined,
    addDependency: () => undefined,
  };

  // ---------------------------------------------------------------------------------------------
  // HotHost: called by `import.meta.hot` methods.

  addDependency(url: string, path: string): void {
    this.#settle();
    const id = pathToFileURL(path).href;
    if (id === url) return;
    const node = this.graph.ensure(id, true);
    if (!this.graph.get(url)) return;
    this.graph.addEdge(url, id);
    if (!this.#records.has(id)) {
      const record = this.#record(id);
      record.kind = "asset";
      try {
        record.seen = readFileSync(path);
      } catch {
        record.seen = undefined;
      }
    }
    void node;
  }

  invalidate(url: string, message: string | undefined): void {
    const chain = extendChain(this.#invalidationChain, url);
    void this.#enqueue(() => this.#apply({ files: [], invalidated: { url, message, chain } }));
  }

  /** A context registered an event listener. */
  listening(context: HotContext): void {
    // A version that is no longer current (an update rolled back while it still evaluated, after
    // a top-level await) must not start hearing events.
    if (!this.#isCurrent(context)) return;
    this.#listening.add(context);
  }

  // ---------------------------------------------------------------------------------------------
  // Public side (api.ts).

  /** Applies an update for `files` (absolute paths) as if they had been saved. Queued. */
  update(files: readonly string[]): Promise<UpdateResult> {
    return this.#enqueue(() => this.#apply({ files }));
  }

  /** Calls `listener` after every settled update; returns the unsubscribe function. */
  onUpdate(listener: (result: UpdateResult) => void): () => void {
    this.#updateListeners.add(listener);
    return () => this.#updateListeners.delete(listener);
  }

  /** The `import.meta.hot` of the module instance `meta` belongs to. */
  contextOf(meta: ImportMeta): HotContext | undefined {
    const { url: id, version } = parseVersion(meta.url);
    return this.#records.get(id)?.instances.get(version);
  }

  #freshSets = 0;

  /**
   * A newly evaluated instance of the module at `url` and of the project modules it imports
   * (packages are shared). The live program's instances are not touched.
   */
  async importFresh(url: string): Promise<Record<string, unknown>> {
    const id = stripVersion(url);
    if (!this.#scope.isHot(id)) throw new Error(`[hotload] importFresh: ${url} is not a project module (packages and builtins are shared)`);
    return (await import(withFresh(id, ++this.#freshSets))) as Record<string, unknown>;
  }

  /** Number of files watched. */
  get watchedFiles(): number {
    this.#settle();
    return this.#watcher?.size ?? 0;
  }

  /** A read-only copy of the graph. */
  snapshot(): GraphSnapshot {
    this.#settle();
    const name = (url: string): string => (url.startsWith("file:") ? fileOf(url) : url);
    const modules: ModuleInfo[] = [];
    for (const node of this.graph.nodes()) {
      if (!node.hot) continue;
      const context = this.#current(node.url);
      const r = context && registrations(context);
      modules.push({
        file: name(node.url),
        url: node.url,
        version: this.versions.current(node.url),
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

  // ---------------------------------------------------------------------------------------------
  // Internals.

  #record(id: string): ModuleRecord {
    let record = this.#records.get(id);
    if (!record) {
      const file = fileOf(id);
      record = { url: id, file, data: {}, seen: undefined, instances: new Map(), missing: false, kind: "module", format: undefined, failed: undefined };
      this.#records.set(id, record);
      let ids = this.#byFile.get(file);
      if (!ids) this.#byFile.set(file, (ids = new Set()));
      ids.add(id);
      this.#awaited.delete(file);
      this.#watcher?.add(file);
      this.#notifier?.filesLoaded([file]);
    }
    return record;
  }

  #current(id: string): HotContext | undefined {
    return this.#records.get(id)?.instances.get(this.versions.current(id));
  }

  readonly #view: PropagationView = {
    importers: (url) => this.graph.get(url)?.importers ?? [],
    isHot: (url) => this.graph.get(url)?.hot ?? false,
    isEntry: (url) => this.graph.get(url)?.entry ?? false,
    acceptsSelf: (url) => {
      const context = this.#current(url);
      return (context !== undefined && registrations(context).selfAccept) || this.#acceptsInPlace(url);
    },
    acceptsDep: (importer, dep) => {
      // A template or SQL file cannot be imported: its importer must run again.
      if (this.#records.get(dep)?.kind === "asset") return false;
      const context = this.#current(importer);
      return context !== undefined && registrations(context).depAccepts.some((a) => a.deps.includes(dep));
    },
    declined: (url) => {
      const context = this.#current(url);
      return context !== undefined && registrations(context).declined;
    },
    acceptsExports: (url) => {
      const context = this.#current(url);
      return context !== undefined && registrations(context).acceptedExports !== undefined;
    },
    importsOnlyAccepted: (importer, dep) => {
      const context = this.#current(dep);
      const accepted = context && registrations(context).acceptedExports;
      return accepted !== undefined && importsOnlyAccepted(this.#records.get(importer)?.seen, importer, this.#records.get(dep)?.seen, dep, accepted);
    },
  };

  /** In place (see inplace/): an entry with no accept() or decline() updates as if it accepted itself. */
  #acceptsInPlace(url: string): boolean {
    if (this.#inPlace === undefined || !this.graph.get(url)?.entry) return false;
    const context = this.#current(url);
    if (context === undefined) return true;
    const r = registrations(context);
    return !r.selfAccept && !r.declined && r.depAccepts.length === 0;
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(loadUpdatePath, loadUpdatePath).then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #onBatch(batch: TouchedBatch): Promise<void> {
    await loadUpdatePath();
    for (const file of batch.deleted) this.#reportMissing(file, "was deleted");
    if (batch.changed.length === 0) return;
    log.debug(`looking at ${batch.changed.map(log.displayPath).join(", ")}`);
    const awaited = batch.changed.some((file) => this.#awaited.has(file) && !this.#byFile.has(file));
    await this.#enqueue(() => this.#apply({ files: batch.changed, quietIfUnchanged: true, sizes: batch.sizes }));
    if (awaited) this.#retryFailed();
  }

  /**
   * Whether `file` holds something else than what Node was given for it (undefined: not a module
   * of the graph). Asked once its watch is set up: a save before then, however long the program's
   * start-up took, made no event.
   */
  #differsFromLoaded(file: string): boolean | undefined {
    this.#settle();
    const ids = this.#byFile.get(file);
    if (!ids) return undefined;
    return changedFrom([...ids].map((id) => this.#records.get(id)?.seen), readDisk(file)?.bytes);
  }

  /** Watches `file`, not in the graph, for the save that may let failed updates through. */
  #await(file: string): void {
    if (this.#byFile.has(file) || this.#awaited.has(file)) return;
    this.#awaited.add(file);
    this.#watcher?.add(file);
  }

  #reportMissing(file: string, what: string): void {
    for (const id of this.#byFile.get(file) ?? []) {
      const record = this.#records.get(id);
      if (!record || record.missing) continue;
      record.missing = true;
      log.error(`${file} ${what} — the previous version keeps running`);
      this.#emit("hotload:error", { error: new Error(`${file} ${what}`), file });
    }
  }

  async #apply(request: Request): Promise<UpdateResult> {
    const started = performance.now();
    this.#settle();
    const files = [...new Set(request.files)];
    let changedFiles: string[] = files;
    const finish = (partial: Omit<UpdateResult, "durationMs" | "files">, only?: readonly string[], said = false): UpdateResult => {
      const result: UpdateResult = { files: only ?? changedFiles, ...partial, durationMs: performance.now() - started };
      if (result.status === "unchanged" && request.quietIfUnchanged) return result;
      // A quiet retry is heard only when it applied, or failed in a way not reported before.
      if (result.status !== "updated" && request.retryFailed && !said) return result;
      for (const listener of this.#updateListeners) {
        try {
          listener(result);
        } catch (error) {
          log.error(`an update listener threw: ${String(error)}`);
        }
      }
      return result;
    };

    // 1. What changed: content hashes against what was last acted on.
    const changed: string[] = [];
    const hashes = new Map<string, Buffer>();
    /** A deleted, unreadable or broken file is back as it runs: updates that failed with it may pass. */
    let cameBack = false;
    const previous = new Map<string, string | Buffer | undefined>();
    for (const file of files) {
      const ids = this.#byFile.get(file);
      if (!ids) continue;
      let content: Buffer;
      try {
        content = readFileSync(file);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        this.#reportMissing(file, code === "ENOENT" ? "was deleted" : `cannot be read (${code ?? String(error)})`);
        continue;
      }
      // Saved again since the watcher settled it (this update waited behind another): possibly
      // half-written now, and the watcher delivers that save when it is complete.
      const settled = request.sizes?.get(file);
      if (savedAgain(settled, content.length)) {
        log.debug(`${log.displayPath(file)} is being saved again: its next batch takes it`);
        continue;
      }
      const h = content;
      for (const id of ids) {
        const record = this.#records.get(id)!;
        if (record.missing) cameBack = true;
        record.missing = false;
        if (!this.graph.get(id)) continue;
        if (sameContent(record.seen, h)) {
          // Saved back to the content that runs: whatever failed with its broken content may pass.
          if (record.failed !== undefined) {
            record.failed = undefined;
            this.#retry.delete(file);
            cameBack = true;
          }
          continue;
        }
        // A retry is for content that failed: anything newer is the watcher's to deliver, once
        // the save is complete (a retry may come in the middle of one). Content that already
        // failed is tried again only by that quiet retry, after an update that succeeded (it may
        // be what the file waited for: a new export, a fixed import), never for a mere touch,
        // not even one that comes with another file's save: its error would be reported twice,
        // and the other file's update would fail and be tried again without it (announced and
        // evaluated twice).
        const failedBefore = sameContent(record.failed, h);
        if (request.retryFailed ? !failedBefore : failedBefore) continue;
        changed.push(id);
        hashes.set(id, h);
        previous.set(id, record.seen);
      }
    }
    const invalidator = request.invalidated?.url;
    if (invalidator !== undefined && !changed.includes(invalidator)) changed.push(invalidator);
    if (changed.length === 0) {
      log.debug(`unchanged: ${files.map(log.displayPath).join(", ")}`);
      if (cameBack && !request.retryFailed) this.#retryFailed();
      return finish({ status: "unchanged", reevaluated: [], boundaries: [] });
    }
    changedFiles = [...new Set(changed.map((id) => this.#records.get(id)!.file))];
    if (request.invalidated) {
      const why = request.invalidated.message ? `: ${request.invalidated.message}` : "";
      log.info(`${log.displayPath(fileOf(request.invalidated.url))} invalidated itself${why}`);
    }
    // A failure is tried again without the changed files it comes from: the other edits apply,
    // and a second broken file gets its own report. Those left out wait in #retry.
    let remaining = changed;
    const retry = request.retryFailed === true;
    for (;;) {
      const mine = new Map([...hashes].filter(([id]) => remaining.includes(id)));
      const outcome = await this.#attempt(request, started, remaining, mine, previous, invalidator, finish);
      if (!("failure" in outcome)) return outcome;
      const { failure } = outcome;
      const rest = failure.blame === undefined || invalidator !== undefined ? remaining : up().withoutBlamed(remaining, failure.blame, this.#fileOfId, this.#invalidatedBy);
      const last = rest.length === 0 || rest.length === remaining.length;
      // What this failure keeps from applying besides the file it is blamed on: their own errors
      // are not known yet (they wait in #retry).
      const held = (last ? remaining : remaining.filter((id) => !rest.includes(id))).filter((id) => this.#records.get(id)?.file !== failure.blame?.file);
      const heldFiles = [...new Set(held.map((id) => this.#records.get(id)!.file))].filter((file) => file !== failure.location?.file);
      let said = this.#reportError(failure, heldFiles, outcome.files, retry);
      // A file that does not parse fails the same way whatever else changes: only its next save
      // is worth a try, not every later update.
      if (failure.blame && isOwnSyntaxError(failure)) this.#retry.delete(failure.blame.file);
      for (const id of held) said = (await this.#reportSyntaxError(id, hashes.get(id), retry)) || said;
      const result = finish(outcome.result, outcome.files, said);
      if (!retry) this.#emit("hotload:afterUpdate", result);
      if (last) return result;
      remaining = rest;
    }
  }

  /**
   * Reports the syntax error of a module held back by another module's failure, so that no broken
   * file goes unmentioned while what blocks it is fixed. (Link and evaluation errors need the real
   * load.) Returns whether it printed.
   */
  async #reportSyntaxError(id: string, content: Buffer | undefined, retry: boolean): Promise<boolean> {
    const record = this.#records.get(id);
    if (!record || !content) return false;
    const text = content.toString();
    const location = await up().findSyntaxError(text, id, record.format);
    if (!location) return false;
    this.#retry.delete(record.file);
    const error = new SyntaxError(location.message.replace(/^SyntaxError: /, ""));
    return this.#reportError({ error, location, source: text, evaluating: false }, [], [record.file], retry);
  }

  readonly #fileOfId = (id: string): string | undefined => this.#records.get(id)?.file;

  /** The modules an update of `id` alone would re-evaluate (undefined: it cannot be applied). */
  readonly #invalidatedBy = (id: string): readonly string[] | undefined => {
    const plan = up().propagate([id], this.#view);
    return plan.kind === "update" ? plan.invalidated : undefined;
  };

  async #attempt(
    request: Request,
    started: number,
    changed: readonly string[],
    hashes: ReadonlyMap<string, Buffer>,
    previous: ReadonlyMap<string, string | Buffer | undefined>,
    invalidator: string | undefined,
    finish: (partial: Omit<UpdateResult, "durationMs" | "files">, files?: readonly string[], said?: boolean) => UpdateResult,
  ): Promise<UpdateResult | AttemptFailed> {
    const changedFiles = [...new Set(changed.map((id) => this.#records.get(id)!.file))];
    const done = (partial: Omit<UpdateResult, "durationMs" | "files">, said?: boolean): UpdateResult => finish(partial, changedFiles, said);
    for (const [id, h] of hashes) this.#records.get(id)!.seen = h;

    // 2. Plan.
    const plan = up().propagate(changed, this.#view, invalidator === undefined ? undefined : new Set([invalidator]));
    if (plan.kind === "dead-end") {
      const chain = plan.chain.map((url) => (url.startsWith("file:") ? fileOf(url) : url));
      const shown = chain.map(log.displayPath).join(" → ");
      const what = log.displayPath(chain[0]!);
      // Under the command, its restart line is the one line for this event.
      const say = this.#notifier ? log.debug : log.warn;
      if (plan.reason === "declined") {
        say(`cannot hot-update ${what}: ${log.displayPath(chain[chain.length - 1]!)} declined updates (${shown}); restart needed, the previous version keeps running`);
      } else {
        say(`cannot hot-update ${what}: nothing accepts it (${shown}); restart needed, the previous version keeps running`);
      }
      const reason = invalidator !== undefined && plan.reason === "unaccepted" ? "invalidated" : plan.reason;
      this.#notifier?.restartNeeded(reason, chain[0]!, chain);
      return done({ status: plan.reason, reevaluated: [], boundaries: [], chain });
    }
    const back = cameBack(request.invalidated?.chain, plan.boundaries);
    if (back !== undefined) {
      // Its callback would invalidate again, and so on round the cycle for ever.
      const chain = [...request.invalidated!.chain, back].map(fileOf);
      log.warn(`cannot hot-update ${log.displayPath(fileOf(back))}: invalidate() came back to it round an import cycle (${chain.map(log.displayPath).join(" → ")}); restart needed`);
      this.#notifier?.restartNeeded("invalidated", chain[0]!, chain);
      return done({ status: "unaccepted", reevaluated: [], boundaries: [], chain });
    }
    // The module that invalidated itself already runs its newest version: its importers re-import it.
    const invalidated = plan.invalidated.filter((id) => id !== invalidator || hashes.has(id));
    const boundaryFiles = plan.boundaries.map((b) => this.#records.get(b.url)?.file ?? b.url);
    log.debug(
      `plan for ${changedFiles.map(log.displayPath).join(", ")}: re-evaluate ${invalidated.map((id) => log.displayPath(fileOf(id))).join(", ") || "nothing"}; ` +
        `boundaries ${plan.boundaries.map((b) => `${log.displayPath(fileOf(b.url))}${b.self ? " (self)" : ` (accepts ${b.deps.map((d) => log.displayPath(fileOf(d))).join(", ")})`}`).join(", ")}`,
    );
    // A quiet retry of failed files announces itself only if it succeeds (afterUpdate).
    if (!request.retryFailed) this.#emit("hotload:beforeUpdate", { files: changedFiles, boundaries: boundaryFiles });

    // 3. Remember how to roll back.
    const snapshots = new Map<string, Snapshot>();
    for (const id of invalidated) {
      snapshots.set(id, {
        version: this.versions.current(id),
        imports: new Set(this.graph.get(id)?.imports ?? []),
        seen: this.#records.get(id)?.seen,
        context: this.#current(id),
        cached: requireCache()[this.#records.get(id)?.file ?? ""],
      });
    }
    const callbackErrors: unknown[] = [];
    const inPlace = plan.boundaries.some((b) => b.self && this.#acceptsInPlace(b.url)) ? this.#inPlace : undefined;
    const dispose = async (which: (id: string) => boolean): Promise<void> => {
      for (const id of invalidated) {
        // In place, what the old version started stops too (its servers wait to be taken over).
        if (which(id)) inPlace?.release(id);
        const context = snapshots.get(id)!.context;
        if (!context || !which(id)) continue;
        const handlers = registrations(context).disposers;
        await this.#runHandlers("dispose", id, handlers, callbackErrors);
        // Spent: if the update rolls back, this version stays but must not be disposed twice.
        handlers.length = 0;
      }
    };
    const esm = (id: string): boolean => isEsm(this.#records.get(id)?.format);

    // 4. New versions, imported from the top of each accepted chain.
    for (const id of invalidated) {
      this.versions.bump(id);
      // require() ignores the version query: a CommonJS module (or JSON file) is loaded again
      // only when it is gone from require.cache.
      const file = this.#records.get(id)?.file;
      if (file !== undefined) delete requireCache()[file];
    }
    const gate = new (up().Gate)(++this.#gates);
    const session: Session = { evaluated: [], sources: new Map(), shifts: new Map(), gate };
    this.#session = session;
    const namespaces = new Map<string, Record<string, unknown>>();
    // The module that invalidated itself is not re-evaluated, but its importers' callbacks need
    // its (current) namespace: import() of its current version just returns it.
    const fresh = new Set(invalidated);
    if (invalidator !== undefined) fresh.add(invalidator);
    const roots = this.#roots(plan.boundaries, new Set(invalidated), fresh);
    // ES modules that CommonJS code required: imported with the roots, and put in require.cache
    // before any CommonJS root requires them again (see require-esm.ts).
    const required = invalidated.filter((id) => esm(id) && snapshots.get(id)!.cached !== undefined);
    const esmRoots = [...new Set([...roots.filter(esm), ...required])];
    let disposedEsm = false;
    try {
      // CommonJS and JSON cannot wait at the gate: their old versions are disposed first.
      await dispose((id) => !esm(id));
      if (esmRoots.length > 0) {
        // A changed CommonJS module that an ES root imports runs as soon as it links (it cannot
        // wait at the gate): the ES modules it requires must be evaluated and in require.cache by
        // then, so they are imported first, on their own.
        const first = required.length > 0 && invalidated.some((id) => !esm(id)) ? required : esmRoots;
        const evaluation = import(this.#rootUrl(first)) as Promise<Record<string, Record<string, unknown>>>;
        evaluation.catch(() => undefined);
        // Evaluation starts only once every new version loaded and linked: reaching the gate means
        // no syntax or link error, so the old versions can be disposed now, and not before.
        await Promise.race([gate.reached, evaluation]);
        disposedEsm = true;
        await dispose(esm);
        gate.open();
        const result = await evaluation;
        first.forEach((id, i) => namespaces.set(id, first.length === 1 ? result : result[`r${i}`]!));
        for (const id of required) requireCache()[this.#records.get(id)!.file] = requirableModule(this.#records.get(id)!.file, namespaces.get(id)!);
        // The rest, through the open gate (a link error here rolls back after the disposal).
        const then = esmRoots.filter((id) => !first.includes(id));
        if (then.length > 0) {
          const rest = (await import(this.#rootUrl(then))) as Record<string, Record<string, unknown>>;
          then.forEach((id, i) => namespaces.set(id, then.length === 1 ? rest : rest[`r${i}`]!));
        }
      } else {
        disposedEsm = true;
        await dispose(esm);
        // A root known as CommonJS may load as an ES module now (a typeless .js file whose syntax
        // changed): its new version waits at the gate, which nothing else would open.
        gate.open();
      }
      for (const id of roots) {
        if (esm(id)) continue;
        const url = withVersion(id, this.versions.current(id));
        // A JSON module is only imported with its type attribute.
        const json = this.#records.get(id)?.format === "json";
        namespaces.set(id, (await (json ? import(url, { with: { type: "json" } }) : import(url))) as Record<string, unknown>);
      }
      // An accepting module's live bindings need every name it imports: else it fails like a link error.
      for (const b of plan.boundaries) {
        const missing = b.self || snapshots.has(b.url) ? undefined : this.#live.missing(b.url, this.versions.current(b.url), b.deps, namespaces);
        if (missing) throw missingExportError(missing, this.#records.get(b.url)?.seen);
      }
    } catch (error) {
      gate.open();
      this.#session = undefined;
      // The failed versions' edges must be in the graph before the roll-back replaces them.
      this.#settle();
      // Modules the failed versions imported for the first time go with the roll-back; who
      // imported them tells which changed files led to them (see blame.ts).
      const firstImporters = new Map<string, readonly string[]>();
      for (const url of session.sources.keys()) {
        const id = stripVersion(url);
        if (!snapshots.has(id)) firstImporters.set(id, [...(this.graph.get(id)?.importers ?? [])]);
      }
      this.#rollback(snapshots, session);
      // Nothing of this update runs: its files count as not applied, except that their content is
      // known to fail (see the change detection above).
      for (const [id, h] of hashes) {
        const record = this.#records.get(id);
        if (!record) continue;
        record.seen = previous.get(id);
        record.failed = h;
        this.#retry.add(record.file);
      }
      const candidates = [...session.sources].map(([url, source]) => ({
        url,
        source,
        shift: session.shifts.get(url) ?? 0,
        format: this.#records.get(stripVersion(url))?.format,
      }));
      const location = await up().locate(error, candidates);
      let blame: Blame | undefined;
      if (location) {
        const failedAt = pathUrl(location.file);
        blame = { file: up().blamedFile(error, location.file), anchors: up().upwards(failedAt, firstImporters) };
        // A file the update needs that is not in the graph (not created yet, or broken when it was
        // first imported): its next save is worth another try of what failed.
        this.#await(location.file);
        this.#await(blame.file);
      }
      const missing = (error as { url?: unknown } | undefined)?.url;
      let where: string | undefined;
      if (up().isUnresolved(error) && typeof missing === "string" && this.#scope.isHot(missing)) {
        const id = stripVersion(missing);
        if (!this.#records.has(id)) this.#await(fileOf(id));
        // Not found as a root of the update (no importer of the user's to point at): the module
        // itself is gone.
        if (!location) {
          where = fileOf(id);
          blame = { file: where, anchors: new Set([id]) };
        }
      }
      // A file whose load threw (TypeScript that does not strip) has no loaded source: the update read it.
      const source = location && ([...session.sources].find(([url]) => stripVersion(url) === pathUrl(location.file))?.[1] ?? hashes.get(pathUrl(location.file))?.toString());
      return {
        // Past the gate, new code was evaluating: the old versions were disposed (a roll-back).
        failure: { error, location, source, evaluating: disposedEsm, blame, where, message: where && "Error: the file cannot be found" },
        files: changedFiles,
        result: { status: "failed", reevaluated: this.#files(session.evaluated), boundaries: boundaryFiles, error },
      };
    }
    this.#session = undefined;
    this.#settle();
    for (const id of hashes.keys()) {
      const record = this.#records.get(id);
      if (!record) continue;
      record.failed = undefined;
      this.#retry.delete(record.file);
    }

    // 5. Modules no longer imported by anything are pruned.
    const lost = new Set<string>();
    for (const [id, snap] of snapshots) {
      const now = this.graph.get(id)?.imports;
      for (const dep of snap.imports) if (!now?.has(dep)) lost.add(dep);
    }
    for (const id of this.graph.unreachable(lost)) await this.#prune(id, callbackErrors);

    // 6. Live bindings, then accept callbacks: a self-accepting module's old version hands over to the new one.
    for (const b of plan.boundaries) if (!b.self && !snapshots.has(b.url)) this.#live.assign(b.url, this.versions.current(b.url), b.deps, namespaces);
    this.#invalidationChain = request.invalidated?.chain;
    for (const boundary of plan.boundaries) {
      if (boundary.self) {
        const context = snapshots.get(boundary.url)?.context;
        if (context) {
          const callbacks = registrations(context).selfCallbacks.map((cb) => () => cb(namespaces.get(boundary.url)));
          await this.#runHandlers("accept", boundary.url, callbacks, callbackErrors);
        }
      } else if (!snapshots.has(boundary.url)) {
        const context = this.#current(boundary.url);
        if (!context) continue;
        const callbacks = registrations(context)
          .depAccepts.filter((a) => a.callback && a.deps.some((dep) => boundary.deps.includes(dep)))
          .map((a) => () => {
            const mods = a.deps.map((dep) => (boundary.deps.includes(dep) ? namespaces.get(dep) : undefined));
            a.callback!(a.array ? mods : mods[0]);
          });
        await this.#runHandlers("accept", boundary.url, callbacks, callbackErrors);
      }
    }

    this.#invalidationChain = undefined;
    // 7. The replaced versions are gone for good: free what they registered.
    for (const [id, snap] of snapshots) this.#dropInstancesExcept(id, this.versions.current(id), snap);

    const loadedNow = new Set([...session.sources.keys()].map(stripVersion));
    const reevaluated = this.#files(this.graph.evaluationOrder(roots, loadedNow));
    log.debug(`evaluated ${reevaluated.map(log.displayPath).join(", ") || "nothing"} (versions ${invalidated.map((id) => `${log.displayPath(fileOf(id))}@${this.versions.current(id)}`).join(", ")})`);
    const shownFiles = changedFiles.map(log.displayPath).join(", ");
    const shownBoundaries = [...new Set(boundaryFiles)].map(log.displayPath).join(", ");
    const ms = (performance.now() - started).toFixed(1);
    // Files that failed before may have waited for this update (an export it adds, a file it
    // brings back). The new code runs even when a handler threw, so they get their try then too.
    if (!request.retryFailed) this.#retryFailed();
    if (callbackErrors.length > 0) {
      log.error(`update of ${shownFiles} failed: ${callbackErrors.length} handler(s) threw (the new code is running)`);
      // New code runs: even a quiet retry is heard.
      const result = done({ status: "failed", reevaluated, boundaries: boundaryFiles, error: callbackErrors[0] }, true);
      this.#emit("hotload:afterUpdate", result);
      return result;
    }
    log.success(`updated ${shownFiles} → ${shownBoundaries} in ${ms} ms`);
    const result = done({ status: "updated", reevaluated, boundaries: boundaryFiles });
    this.#emit("hotload:afterUpdate", result);
    return result;
  }

  /** Queues one more try of the files whose last update failed (they may have waited for this). */
  #retryFailed(): void {
    if (this.#retry.size === 0) {
      for (const file of this.#awaited) if (!this.#byFile.has(file)) this.#watcher?.remove(file);
      this.#awaited.clear();
      return;
    }
    void this.#enqueue(() => this.#apply({ files: [...this.#retry], retryFailed: true, quietIfUnchanged: true }));
  }

  /**
   * One URL whose import loads and links every ES root together: a link error anywhere then fails
   * the whole import before anything evaluates.
   */
  #rootUrl(ids: readonly string[]): string {
    const urls = ids.map((id) => withVersion(id, this.versions.current(id)));
    if (urls.length === 1) return urls[0]!;
    const code = urls.map((url, i) => `import * as r${i} from ${JSON.stringify(url)};`).join("") + `export { ${urls.map((_, i) => `r${i}`).join(", ")} };`;
    return `${ROOTS_URL}${encodeURIComponent(code)}`;
  }

  #gates = 0;

  /** Called by the gate module every new version of an update imports (see {@link Gate}). */
  gate(id: number): Promise<void> {
    const gate = this.#session?.gate;
    return gate && gate.id === id ? gate.arrive() : Promise.resolve();
  }

  /** The modules to import(): self-accepting boundaries, and the accepted dependencies. */
  #roots(boundaries: readonly Boundary[], invalidated: ReadonlySet<string>, fresh: ReadonlySet<string>): string[] {
    const roots = new Set<string>();
    for (const b of boundaries) {
      if (b.self) roots.add(b.url);
      // A boundary that is itself re-evaluated imports its dependencies' new versions anyway.
      // (Assets are never accepted, see #view.)
      else if (!invalidated.has(b.url)) for (const dep of b.deps) if (fresh.has(dep)) roots.add(dep);
    }
    return [...roots];
  }

  #rollback(snapshots: ReadonlyMap<string, Snapshot>, session: Session): void {
    for (const [id, snap] of snapshots) {
      const file = this.#records.get(id)?.file;
      if (file !== undefined) {
        if (snap.cached) requireCache()[file] = snap.cached;
        else delete requireCache()[file];
      }
      this.versions.restore(id, snap.version);
      this.graph.restoreImports(id, snap.imports);
      this.#dropInstancesExcept(id, snap.version, snap);
    }
    // Modules loaded for the first time by the failed versions are not imported by anything now.
    const fresh = [...session.sources.keys()].map(stripVersion).filter((id) => !snapshots.has(id));
    for (const id of this.graph.unreachable(fresh)) this.#forget(id);
  }

  #dropInstancesExcept(id: string, keep: number, snap: Snapshot): void {
    const record = this.#records.get(id);
    if (!record) return;
    for (const [version, context] of record.instances) {
      if (version === keep) continue;
      record.instances.delete(version);
      this.#listening.delete(context);
      // The old version's handlers are spent (dispose ran); a rolled-back one keeps its own.
      if (context !== snap.context || version !== snap.version) clearRegistrations(context);
    }
  }

  async #prune(id: string, errors: unknown[]): Promise<void> {
    const record = this.#records.get(id);
    // A module changed and dropped in the same update has no new version: its old one is pruned.
    const context = this.#current(id) ?? (record ? [...record.instances.values()].at(-1) : undefined);
    if (context && record) {
      const r = registrations(context);
      await this.#runHandlers("dispose", id, r.disposers, errors);
      await this.#runHandlers("prune", id, r.pruners, errors);
    }
    this.#forget(id);
  }

  /** Removes a module from the graph and the watch list; a later import loads it afresh. */
  #forget(id: string): void {
    const record = this.#records.get(id);
    this.graph.delete(id);
    this.#live.forget(id);
    if (!record) return;
    for (const context of record.instances.values()) {
      this.#listening.delete(context);
      clearRegistrations(context);
    }
    record.instances.clear();
    if (!this.#parked.park(id, record.format, requireCache()[record.file] !== undefined, record.seen)) delete requireCache()[record.file];
    record.seen = undefined;
    this.#hookLoaded.delete(id);
    // Never reuse a version: the next import evaluates the file as it is then.
    this.versions.bump(id);
    const ids = this.#byFile.get(record.file);
    ids?.delete(id);
    if (ids && ids.size === 0) {
      this.#byFile.delete(record.file);
      this.#watcher?.remove(record.file);
    }
    this.#records.delete(id);
  }

  async #runHandlers(
    kind: "accept" | "dispose" | "prune",
    id: string,
    handlers: readonly ((data: HotData) => unknown)[],
    errors: unknown[],
  ): Promise<void> {
    const record = this.#records.get(id);
    const file = record?.file ?? id;
    for (const handler of [...handlers]) {
      try {
        await settleWithin(handler(record?.data ?? {}), this.#handlerTimeoutMs, {
          late: () => log.warn(`${kind} handler of ${log.displayPath(file)} has not settled after ${this.#handlerTimeoutMs} ms: the update goes on without waiting for it (${HANDLER_TIMEOUT_ENV} sets the wait)`),
          failedLate: (error) => log.error(`${kind} handler of ${log.displayPath(file)} failed after the update went on: ${up().describe(error)}`, up().stackOf(error)),
        });
      } catch (error) {
        errors.push(error);
        log.error(`${kind} handler of ${file} threw: ${up().describe(error)}`, up().stackOf(error));
        this.#emit("hotload:error", { error, file });
      }
    }
  }

  /**
   * Prints a failure, with the changed files it keeps from applying (`held`), once: a quiet retry
   * does not repeat it. Returns whether it printed.
   */
  #reportError(failure: Failure, held: readonly string[], changedFiles: readonly string[], retry: boolean): boolean {
    const { line, detail, file } = up().failureReport(failure, held, changedFiles);
    // A quiet retry that fails the same way again has nothing new to say.
    if (retry && this.#lastErrors.get(file) === line) return false;
    this.#lastErrors.set(file, line);
    log.error(line, detail);
    this.#emit("hotload:error", { error: failure.error, file: failure.location?.file ?? failure.where ?? changedFiles[0] });
    return true;
  }

  #files(ids: readonly string[]): string[] {
    return ids.map((id) => this.#records.get(id)?.file ?? id);
  }

  #emit<E extends keyof HotEvents>(event: E, payload: HotEvents[E]): void {
    for (const context of [...this.#listening]) {
      if (!this.#isCurrent(context)) {
        this.#listening.delete(context);
        continue;
      }
      for (const listener of registrations(context).listeners.get(event) ?? []) {
        try {
          listener(payload);
        } catch (error) {
          log.error(`a ${event} listener threw: ${up().describe(error)}`);
        }
      }
    }
  }
}

/** When the update path loads after start-up (ms; see update-path.ts). */
const UPDATE_PATH_PRELOAD_MS = 1000;
const EDGE = "edge";
/** Slots per queued graph operation (see #defer). */
const OP_SIZE = 6;
const LOAD = "load";
/** The start of the URL of the module that imports an update's roots together (see #rootUrl). */
const ROOTS_URL = `data:text/javascript,${encodeURIComponent("/* hotload: the roots of an update */")}`;

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A syntax error found by parsing the failing file itself (not a link error naming another). */
function isOwnSyntaxError(failure: Failure): boolean {
  return failure.error instanceof SyntaxError && failure.location?.message?.startsWith("SyntaxError") === true && failure.blame?.file === failure.location.file;
}

function isEsm(format: string | undefined): boolean {
  return format === "module" || format === "module-typescript";
}

function pathUrl(file: string): string {
  return pathToFileURL(file).href;
}
