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
import { requireCache } from "./commonjs.js";
import type { InPlace } from "../inplace/inplace.js";
import type { RestartMessage } from "../shared/link.js";
import type { Blame } from "./blame.js";
import type { Failure as ReportedFailure } from "./report.js";
import { pathToFileURL } from "node:url";
import { registrations, type HotContext, type HotData, type HotHost } from "./hot.js";
import * as log from "../shared/log.js";
import type { Boundary, PropagationView } from "./propagate.js";
import { fileOf, type Scope } from "./scope.js";
import { importsOnlyAccepted } from "../source/bindings.js";
import type { RuntimeSlot } from "../source/inject.js";
import type { LiveName, LiveSetter } from "../source/live.js";
import { LiveBindings, missingExportError } from "./live-bindings.js";
import { stripVersion, VersionTable, withFresh, withVersion } from "./versions.js";
import { DEFAULT_WATCHER_OPTIONS, Watcher, type TouchedBatch } from "../watch/watcher.js";
import { requirableModule } from "./require-esm.js";
import { HANDLER_TIMEOUT_ENV, handlerTimeoutMs, settleWithin } from "./handler-timeout.js";
import { cameBack, extendChain, type InvalidationChain } from "./invalidation.js";
import { loadUpdatePath, preloadUpdatePath, updatePath as up } from "./update-path.js";
import { awaitFile, differsFromLoaded, findChanges, type AwaitedFiles } from "./changes.js";
import { HotContexts } from "./contexts.js";
import { Events } from "./events.js";
import { ModuleRegistry } from "./registry.js";
import { rootsUrl } from "./roots.js";
import { HookTracker, isEsm, pathUrl, type UpdateSession } from "./tracker.js";
import type { UpdateOutcome, UpdateResult } from "./update-result.js";

export type { UpdateResult, UpdateStatus } from "./update-result.js";

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

interface Snapshot {
  readonly version: number;
  readonly imports: ReadonlySet<string>;
  readonly seen: string | Buffer | undefined;
  readonly context: HotContext | undefined;
  /** The CommonJS module cached for the file before the update (restored on roll-back). */
  readonly cached: NodeJS.Module | undefined;
}

/** Why an update did not load, as found after its roll-back. */
interface Failure extends ReportedFailure {
  readonly blame?: Blame | undefined;
}

/** An attempt whose new versions did not load; #apply reports it, knowing what it held back. */
interface AttemptFailed {
  readonly failure: Failure;
  readonly files: readonly string[];
  readonly result: UpdateOutcome;
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
  readonly #versions: VersionTable = new VersionTable();
  readonly #scope: Scope;
  readonly #registry: ModuleRegistry;
  readonly #tracker: HookTracker;
  readonly #contexts: HotContexts;
  readonly #events: Events;
  readonly #watcher: Watcher;
  readonly #notifier: RuntimeNotifier | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** Files whose last update failed: tried again after the next update that succeeds. */
  readonly #retry = new Set<string>();
  /** Files not in the graph that failed updates wait for (missing, or broken when first imported). */
  readonly #awaited = new Set<string>();
  readonly #awaitedFiles: AwaitedFiles;
  /** The last error line reported per file (a quiet retry does not repeat it). */
  readonly #lastErrors = new Map<string, string>();
  /** Live import bindings of modules that accept a dependency they import (see source/live.ts). */
  readonly #live = new LiveBindings();
  /** Zero-config updates of entries with no hot code (inplace/); undefined when turned off. */
  readonly #inPlace: InPlace | undefined;
  readonly #handlerTimeoutMs: number = handlerTimeoutMs();
  /** While accept callbacks run: the invalidations that led to their update (see invalidation.ts). */
  #invalidationChain: InvalidationChain | undefined;

  constructor(scope: Scope, options: { notifier?: RuntimeNotifier | undefined; inPlace?: InPlace | undefined } = {}) {
    this.#scope = scope;
    this.#notifier = options.notifier;
    this.#inPlace = options.inPlace;
    this.#registry = new ModuleRegistry(this.#versions, {
      added: (file) => {
        this.#awaited.delete(file);
        this.#watcher.add(file);
        this.#notifier?.filesLoaded([file]);
      },
      fileGone: (file) => this.#watcher.remove(file),
      dropped: (context) => this.#events.drop(context),
      settle: () => this.#tracker.flush(),
    });
    this.#tracker = new HookTracker(scope, this.#versions, this.#registry);
    this.#contexts = new HotContexts(this, scope, this.#versions, this.#registry, this.#tracker);
    this.#events = new Events(this.#contexts.isCurrent);
    this.#awaitedFiles = { awaited: this.#awaited, isModuleFile: (file) => this.#registry.hasFile(file), watch: (file) => this.#watcher.add(file) };
    if (this.#notifier) {
      // A program that exits at once must still tell its supervisor what it loaded.
      process.on("beforeExit", () => this.#tracker.flush());
      process.once("exit", () => this.#tracker.flush());
    }
    this.#watcher = new Watcher(
      (batch) => this.#onBatch(batch),
      (error) => log.error(`watcher error: ${String(error)}`),
      DEFAULT_WATCHER_OPTIONS,
      (file) => differsFromLoaded(file, this.#registry.idsOf(file), (id) => this.#registry.get(id)?.seen),
    );
    // Off the start-up path, and before the first save in almost every program.
    preloadUpdatePath(UPDATE_PATH_PRELOAD_MS);
  }

  // ---------------------------------------------------------------------------------------------
  // Loader side: called from the hooks (loader/hooks.ts) on every module. Keep it cheap.

  /**
   * A module URL was resolved for `parentURL`. Records the edge and returns the URL to load: the
   * current version of a hot module, anything else unchanged.
   */
  resolved(url: string, parentURL: string | undefined): string {
    return this.#tracker.resolved(url, parentURL);
  }

  /** `parent` (a file) required `child`: an edge Node answered from its own cache (see require-edges.ts). */
  required(parent: string, child: string): void {
    this.#tracker.required(parent, child);
  }

  /**
   * A module was loaded. For a hot module, records what was loaded and returns the source to
   * evaluate (with `import.meta.hot` for ES modules), or undefined to keep the loaded source.
   */
  loaded(url: string, format: string | null | undefined, source: unknown): string | undefined {
    return this.#tracker.loaded(url, format, source);
  }

  /** A live-binding module of `importer` evaluated: the setter of its bindings of `dep`. */
  live(importer: string, dep: string, names: readonly LiveName[], set: LiveSetter): void {
    this.#live.register(importer, dep, names, set, this.#versions.current(stripVersion(importer)));
  }

  /** Line 1 of every hot ES module calls this as it starts evaluating: its `import.meta.hot`. */
  hot(meta: ImportMeta): HotContext {
    return this.#contexts.hot(meta);
  }

  /** `module.hot` of a CommonJS module (see loader/hooks.ts): its context, undefined when cold. */
  hotCjs(module: NodeJS.Module): HotContext | undefined {
    return this.#contexts.hotCjs(module);
  }

  // ---------------------------------------------------------------------------------------------
  // HotHost: called by `import.meta.hot` methods.

  addDependency(url: string, path: string): void {
    const id = pathToFileURL(path).href;
    if (id === url) return;
    const node = this.#tracker.graph.ensure(id, true);
    if (!this.#tracker.graph.get(url)) return;
    this.#tracker.graph.addEdge(url, id);
    if (!this.#registry.get(id)) {
      const record = this.#registry.record(id);
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
    this.#events.listening(context);
  }

  // ---------------------------------------------------------------------------------------------
  // Public side (api.ts).

  /** Applies an update for `files` (absolute paths) as if they had been saved. Queued. */
  update(files: readonly string[]): Promise<UpdateResult> {
    return this.#enqueue(() => this.#apply({ files }));
  }

  /** Calls `listener` after every settled update; returns the unsubscribe function. */
  onUpdate(listener: (result: UpdateResult) => void): () => void {
    return this.#events.onUpdate(listener);
  }

  /** The `import.meta.hot` of the module instance `meta` belongs to. */
  contextOf(meta: ImportMeta): HotContext | undefined {
    return this.#contexts.of(meta);
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
    this.#tracker.flush();
    return this.#watcher.size;
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

  // ---------------------------------------------------------------------------------------------
  // Internals.

  readonly #view: PropagationView = {
    importers: (url) => this.#tracker.graph.get(url)?.importers ?? [],
    isHot: (url) => this.#tracker.graph.get(url)?.hot ?? false,
    isEntry: (url) => this.#tracker.graph.get(url)?.entry ?? false,
    acceptsSelf: (url) => {
      const context = this.#registry.current(url);
      return (context !== undefined && registrations(context).selfAccept) || this.#acceptsInPlace(url);
    },
    acceptsDep: (importer, dep) => {
      // A template or SQL file cannot be imported: its importer must run again.
      if (this.#registry.get(dep)?.kind === "asset") return false;
      const context = this.#registry.current(importer);
      return context !== undefined && registrations(context).depAccepts.some((a) => a.deps.includes(dep));
    },
    declined: (url) => {
      const context = this.#registry.current(url);
      return context !== undefined && registrations(context).declined;
    },
    acceptsExports: (url) => {
      const context = this.#registry.current(url);
      return context !== undefined && registrations(context).acceptedExports !== undefined;
    },
    importsOnlyAccepted: (importer, dep) => {
      const context = this.#registry.current(dep);
      const accepted = context && registrations(context).acceptedExports;
      return accepted !== undefined && importsOnlyAccepted(this.#registry.get(importer)?.seen, importer, this.#registry.get(dep)?.seen, dep, accepted);
    },
  };

  /** In place (see inplace/): an entry with no accept() or decline() updates as if it accepted itself. */
  #acceptsInPlace(url: string): boolean {
    if (this.#inPlace === undefined || !this.#tracker.graph.get(url)?.entry) return false;
    const context = this.#registry.current(url);
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
    const awaited = batch.changed.some((file) => this.#awaited.has(file) && !this.#registry.hasFile(file));
    await this.#enqueue(() => this.#apply({ files: batch.changed, quietIfUnchanged: true, sizes: batch.sizes }));
    if (awaited) this.#retryFailed();
  }

  #await(file: string): void {
    awaitFile(file, this.#awaitedFiles);
  }

  #reportMissing(file: string, what: string): void {
    for (const id of this.#registry.idsOf(file) ?? []) {
      const record = this.#registry.get(id);
      if (!record || record.missing) continue;
      record.missing = true;
      log.error(`${file} ${what} — the previous version keeps running`);
      this.#events.emit("hotload:error", { error: new Error(`${file} ${what}`), file });
    }
  }

  async #apply(request: Request): Promise<UpdateResult> {
    const started = performance.now();
    const files = [...new Set(request.files)];
    let changedFiles: string[] = files;
    const finish = (partial: UpdateOutcome, only?: readonly string[], said = false): UpdateResult => {
      const result: UpdateResult = { files: only ?? changedFiles, ...partial, durationMs: performance.now() - started };
      if (result.status === "unchanged" && request.quietIfUnchanged) return result;
      // A quiet retry is heard only when it applied, or failed in a way not reported before.
      if (result.status !== "updated" && request.retryFailed && !said) return result;
      this.#events.settled(result);
      return result;
    };

    // 1. What changed: content against what was last acted on.
    const { changed, contents, previous, cameBack } = findChanges(request, files, {
      idsOf: (file) => this.#registry.idsOf(file),
      record: (id) => this.#registry.get(id)!,
      inGraph: (id) => this.#tracker.graph.get(id) !== undefined,
      reportMissing: (file, what) => this.#reportMissing(file, what),
      retry: this.#retry,
    });
    const invalidator = request.invalidated?.url;
    if (invalidator !== undefined && !changed.includes(invalidator)) changed.push(invalidator);
    if (changed.length === 0) {
      log.debug(`unchanged: ${files.map(log.displayPath).join(", ")}`);
      if (cameBack && !request.retryFailed) this.#retryFailed();
      return finish({ status: "unchanged", reevaluated: [], boundaries: [] });
    }
    changedFiles = [...new Set(changed.map((id) => this.#registry.get(id)!.file))];
    if (request.invalidated) {
      const why = request.invalidated.message ? `: ${request.invalidated.message}` : "";
      log.info(`${log.displayPath(fileOf(request.invalidated.url))} invalidated itself${why}`);
    }
    // A failure is tried again without the changed files it comes from: the other edits apply,
    // and a second broken file gets its own report. Those left out wait in #retry.
    let remaining = changed;
    const retry = request.retryFailed === true;
    for (;;) {
      const mine = new Map([...contents].filter(([id]) => remaining.includes(id)));
      const outcome = await this.#attempt(request, started, remaining, mine, previous, invalidator, finish);
      if (!("failure" in outcome)) return outcome;
      const { failure } = outcome;
      const rest = failure.blame === undefined || invalidator !== undefined ? remaining : up().withoutBlamed(remaining, failure.blame, this.#registry.fileOf, this.#invalidatedBy);
      const last = rest.length === 0 || rest.length === remaining.length;
      // What this failure keeps from applying besides the file it is blamed on: their own errors
      // are not known yet (they wait in #retry).
      const held = (last ? remaining : remaining.filter((id) => !rest.includes(id))).filter((id) => this.#registry.get(id)?.file !== failure.blame?.file);
      const heldFiles = [...new Set(held.map((id) => this.#registry.get(id)!.file))].filter((file) => file !== failure.location?.file);
      let said = this.#reportError(failure, heldFiles, outcome.files, retry);
      // A file that does not parse fails the same way whatever else changes: only its next save
      // is worth a try, not every later update.
      if (failure.blame && isOwnSyntaxError(failure)) this.#retry.delete(failure.blame.file);
      for (const id of held) said = (await this.#reportSyntaxError(id, contents.get(id), retry)) || said;
      const result = finish(outcome.result, outcome.files, said);
      if (!retry) this.#events.emit("hotload:afterUpdate", result);
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
    const record = this.#registry.get(id);
    if (!record || !content) return false;
    const text = content.toString();
    const location = await up().findSyntaxError(text, id, record.format);
    if (!location) return false;
    this.#retry.delete(record.file);
    const error = new SyntaxError(location.message.replace(/^SyntaxError: /, ""));
    return this.#reportError({ error, location, source: text, evaluating: false }, [], [record.file], retry);
  }

  readonly #fileOfId = (id: string): string | undefined => this.#registry.get(id)?.file;

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
    finish: (partial: UpdateOutcome, files?: readonly string[], said?: boolean) => UpdateResult,
  ): Promise<UpdateResult | AttemptFailed> {
    const changedFiles = [...new Set(changed.map((id) => this.#registry.get(id)!.file))];
    const done = (partial: UpdateOutcome, said?: boolean): UpdateResult => finish(partial, changedFiles, said);
    for (const [id, h] of hashes) this.#registry.get(id)!.seen = h;

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
    const boundaryFiles = plan.boundaries.map((b) => this.#registry.get(b.url)?.file ?? b.url);
    log.debug(
      `plan for ${changedFiles.map(log.displayPath).join(", ")}: re-evaluate ${invalidated.map((id) => log.displayPath(fileOf(id))).join(", ") || "nothing"}; ` +
        `boundaries ${plan.boundaries.map((b) => `${log.displayPath(fileOf(b.url))}${b.self ? " (self)" : ` (accepts ${b.deps.map((d) => log.displayPath(fileOf(d))).join(", ")})`}`).join(", ")}`,
    );
    // A quiet retry of failed files announces itself only if it succeeds (afterUpdate).
    if (!request.retryFailed) this.#events.emit("hotload:beforeUpdate", { files: changedFiles, boundaries: boundaryFiles });

    // 3. Remember how to roll back.
    const snapshots = new Map<string, Snapshot>();
    for (const id of invalidated) {
      snapshots.set(id, {
        version: this.#versions.current(id),
        imports: new Set(this.#tracker.graph.get(id)?.imports ?? []),
        seen: this.#registry.get(id)?.seen,
        context: this.#registry.current(id),
        cached: requireCache()[this.#registry.get(id)?.file ?? ""],
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
    const esm = (id: string): boolean => isEsm(this.#registry.get(id)?.format);

    // 4. New versions, imported from the top of each accepted chain.
    for (const id of invalidated) {
      this.#versions.bump(id);
      // require() ignores the version query: a CommonJS module (or JSON file) is loaded again
      // only when it is gone from require.cache.
      const file = this.#registry.get(id)?.file;
      if (file !== undefined) delete requireCache()[file];
    }
    const gate = new (up().Gate)(++this.#gates);
    const session: UpdateSession = { evaluated: [], sources: new Map(), shifts: new Map(), gate };
    this.#tracker.session = session;
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
        for (const id of required) requireCache()[this.#registry.get(id)!.file] = requirableModule(this.#registry.get(id)!.file, namespaces.get(id)!);
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
        const url = withVersion(id, this.#versions.current(id));
        // A JSON module is only imported with its type attribute.
        const json = this.#registry.get(id)?.format === "json";
        namespaces.set(id, (await (json ? import(url, { with: { type: "json" } }) : import(url))) as Record<string, unknown>);
      }
      // An accepting module's live bindings need every name it imports: else it fails like a link error.
      for (const b of plan.boundaries) {
        const missing = b.self || snapshots.has(b.url) ? undefined : this.#live.missing(b.url, this.#versions.current(b.url), b.deps, namespaces);
        if (missing) throw missingExportError(missing, this.#registry.get(b.url)?.seen);
      }
    } catch (error) {
      gate.open();
      this.#tracker.session = undefined;
      // The failed versions' edges must be in the graph before the roll-back replaces them.
      // Modules the failed versions imported for the first time go with the roll-back; who
      // imported them tells which changed files led to them (see blame.ts).
      const firstImporters = new Map<string, readonly string[]>();
      for (const url of session.sources.keys()) {
        const id = stripVersion(url);
        if (!snapshots.has(id)) firstImporters.set(id, [...(this.#tracker.graph.get(id)?.importers ?? [])]);
      }
      this.#rollback(snapshots, session);
      // Nothing of this update runs: its files count as not applied, except that their content is
      // known to fail (see the change detection above).
      for (const [id, h] of hashes) {
        const record = this.#registry.get(id);
        if (!record) continue;
        record.seen = previous.get(id);
        record.failed = h;
        this.#retry.add(record.file);
      }
      const candidates = [...session.sources].map(([url, source]) => ({
        url,
        source,
        shift: session.shifts.get(url) ?? 0,
        format: this.#registry.get(stripVersion(url))?.format,
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
        if (!this.#registry.get(id)) this.#await(fileOf(id));
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
        result: { status: "failed", reevaluated: this.#registry.files(session.evaluated), boundaries: boundaryFiles, error },
      };
    }
    this.#tracker.session = undefined;
    for (const id of hashes.keys()) {
      const record = this.#registry.get(id);
      if (!record) continue;
      record.failed = undefined;
      this.#retry.delete(record.file);
    }

    // 5. Modules no longer imported by anything are pruned.
    const lost = new Set<string>();
    for (const [id, snap] of snapshots) {
      const now = this.#tracker.graph.get(id)?.imports;
      for (const dep of snap.imports) if (!now?.has(dep)) lost.add(dep);
    }
    for (const id of this.#tracker.graph.unreachable(lost)) await this.#prune(id, callbackErrors);

    // 6. Live bindings, then accept callbacks: a self-accepting module's old version hands over to the new one.
    for (const b of plan.boundaries) if (!b.self && !snapshots.has(b.url)) this.#live.assign(b.url, this.#versions.current(b.url), b.deps, namespaces);
    this.#invalidationChain = request.invalidated?.chain;
    for (const boundary of plan.boundaries) {
      if (boundary.self) {
        const context = snapshots.get(boundary.url)?.context;
        if (context) {
          const callbacks = registrations(context).selfCallbacks.map((cb) => () => cb(namespaces.get(boundary.url)));
          await this.#runHandlers("accept", boundary.url, callbacks, callbackErrors);
        }
      } else if (!snapshots.has(boundary.url)) {
        const context = this.#registry.current(boundary.url);
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
    for (const [id, snap] of snapshots) this.#registry.dropInstancesExcept(id, this.#versions.current(id), snap);

    const loadedNow = new Set([...session.sources.keys()].map(stripVersion));
    const reevaluated = this.#registry.files(this.#tracker.graph.evaluationOrder(roots, loadedNow));
    log.debug(`evaluated ${reevaluated.map(log.displayPath).join(", ") || "nothing"} (versions ${invalidated.map((id) => `${log.displayPath(fileOf(id))}@${this.#versions.current(id)}`).join(", ")})`);
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
      this.#events.emit("hotload:afterUpdate", result);
      return result;
    }
    log.success(`updated ${shownFiles} → ${shownBoundaries} in ${ms} ms`);
    const result = done({ status: "updated", reevaluated, boundaries: boundaryFiles });
    this.#events.emit("hotload:afterUpdate", result);
    return result;
  }

  /** Queues one more try of the files whose last update failed (they may have waited for this). */
  #retryFailed(): void {
    if (this.#retry.size === 0) {
      for (const file of this.#awaited) if (!this.#registry.hasFile(file)) this.#watcher.remove(file);
      this.#awaited.clear();
      return;
    }
    void this.#enqueue(() => this.#apply({ files: [...this.#retry], retryFailed: true, quietIfUnchanged: true }));
  }

  #rootUrl(ids: readonly string[]): string {
    return rootsUrl(ids.map((id) => withVersion(id, this.#versions.current(id))));
  }

  #gates = 0;

  /** Called by the gate module every new version of an update imports (see {@link Gate}). */
  gate(id: number): Promise<void> {
    const gate = this.#tracker.session?.gate;
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

  #rollback(snapshots: ReadonlyMap<string, Snapshot>, session: UpdateSession): void {
    for (const [id, snap] of snapshots) {
      const file = this.#registry.get(id)?.file;
      if (file !== undefined) {
        if (snap.cached) requireCache()[file] = snap.cached;
        else delete requireCache()[file];
      }
      this.#versions.restore(id, snap.version);
      this.#tracker.graph.restoreImports(id, snap.imports);
      this.#registry.dropInstancesExcept(id, snap.version, snap);
    }
    // Modules loaded for the first time by the failed versions are not imported by anything now.
    const fresh = [...session.sources.keys()].map(stripVersion).filter((id) => !snapshots.has(id));
    for (const id of this.#tracker.graph.unreachable(fresh)) this.#forget(id);
  }

  async #prune(id: string, errors: unknown[]): Promise<void> {
    const record = this.#registry.get(id);
    // A module changed and dropped in the same update has no new version: its old one is pruned.
    const context = this.#registry.current(id) ?? (record ? [...record.instances.values()].at(-1) : undefined);
    if (context && record) {
      const r = registrations(context);
      await this.#runHandlers("dispose", id, r.disposers, errors);
      await this.#runHandlers("prune", id, r.pruners, errors);
    }
    this.#forget(id);
  }

  /** Removes a module from the graph and the watch list; a later import loads it afresh. */
  #forget(id: string): void {
    this.#tracker.graph.delete(id);
    this.#live.forget(id);
    const record = this.#registry.remove(id);
    if (!record) return;
    this.#tracker.forget(id);
    delete requireCache()[record.file];
  }

  async #runHandlers(
    kind: "accept" | "dispose" | "prune",
    id: string,
    handlers: readonly ((data: HotData) => unknown)[],
    errors: unknown[],
  ): Promise<void> {
    const record = this.#registry.get(id);
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
        this.#events.emit("hotload:error", { error, file });
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
    this.#events.emit("hotload:error", { error: failure.error, file: failure.location?.file ?? failure.where ?? changedFiles[0] });
    return true;
  }

}

/** When the update path loads after start-up (ms; see update-path.ts). */
const UPDATE_PATH_PRELOAD_MS = 1000;
/** A syntax error found by parsing the failing file itself (not a link error naming another). */
function isOwnSyntaxError(failure: Failure): boolean {
  return failure.error instanceof SyntaxError && failure.location?.message?.startsWith("SyntaxError") === true && failure.blame?.file === failure.location.file;
}

