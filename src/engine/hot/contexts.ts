/**
 * Hot contexts: the `import.meta.hot` (ES modules) and `module.hot` (CommonJS) of each module
 * instance as it starts evaluating, and which module version each context belongs to.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { HotContext, type HotHost } from "./hot.js";
import type { ModuleRegistry } from "../modules/registry.js";
import { fileOf, type Scope } from "../modules/scope.js";
import { displayPath } from "../../shared/log.js";
import type { HookTracker } from "../modules/tracker.js";
import { type VersionTable } from "../modules/versions.js";
import { parseVersion, stripVersion } from "../../shared/urls.js";

/** A host for contexts nobody listens to (isolated instances never take updates). */
const DETACHED: HotHost = {
  invalidate: () => undefined,
  listening: () => undefined,
  addDependency: () => undefined,
};

/** Makes and tracks the hot contexts of module instances. */
export class HotContexts {
  readonly #host: HotHost;
  readonly #scope: Scope;
  readonly #versions: VersionTable;
  readonly #registry: ModuleRegistry;
  readonly #tracker: HookTracker;
  readonly #cjsContexts = new WeakMap<NodeJS.Module, HotContext | undefined>();
  readonly #contextVersions = new WeakMap<HotContext, { readonly id: string; readonly version: number }>();
  /** The URL each renamed instance was loaded under (see {@link #nameByFile}). */
  readonly #loadedAs = new WeakMap<ImportMeta, string>();

  constructor(host: HotHost, scope: Scope, versions: VersionTable, registry: ModuleRegistry, tracker: HookTracker) {
    this.#host = host;
    this.#scope = scope;
    this.#versions = versions;
    this.#registry = registry;
    this.#tracker = tracker;
  }

  /** Line 1 of every hot ES module calls this as it starts evaluating: its `import.meta.hot`. */
  hot(meta: ImportMeta): HotContext {
    const loadedAs = meta.url;
    const { url: id, version, fresh: isolated } = parseVersion(loadedAs);
    if (loadedAs !== id) this.#nameByFile(meta, id, isolated === 0);
    const original = meta.resolve.bind(meta);
    // import.meta.resolve() only resolves: it must not add an edge to the graph, and it returns
    // the plain URL, as without hotload.
    meta.resolve = (specifier: string, parent?: string | URL): string =>
      this.#tracker.resolvingOnly(() =>
        stripVersion(parent === undefined ? original(specifier) : (original as (s: string, p: string | URL) => string)(specifier, parent)),
      );
    const resolve = (specifier: string): string => meta.resolve(specifier);
    // An isolated instance (importFresh) gets a context nobody listens to: it never takes updates.
    if (isolated !== 0) return new HotContext(DETACHED, id, {}, resolve);
    // A version of an update that was rolled back or given up (unsettled.ts) whose evaluation
    // comes late, once what it waited on settled: it is no part of the program any more.
    if (version !== this.#versions.current(id))
      throw new Error(`${displayPath(fileOf(id))}: this version belongs to an update that was rolled back`);
    return this.#evaluating(id, version, resolve);
  }

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
      context = this.#evaluating(id, this.#versions.current(id), resolve);
    }
    this.#cjsContexts.set(module, context);
    return context;
  }

  /**
   * Makes `context`, which the start-up hooks made for a first load (`owner`: its `import.meta` or
   * its CommonJS module) before the engine loaded, that instance's context, its data the module's.
   */
  adopt(owner: ImportMeta | NodeJS.Module, id: string, context: HotContext): void {
    if ("exports" in owner) this.#cjsContexts.set(owner, context);
    const record = this.#registry.record(id, context.data);
    this.#contextVersions.set(context, { id, version: 0 });
    record.instances.set(0, context);
  }

  /** The context of the module instance `meta` belongs to. */
  of(meta: ImportMeta): HotContext | undefined {
    const { url: id, version } = parseVersion(this.#loadedAs.get(meta) ?? meta.url);
    return this.#registry.get(id)?.instances.get(version);
  }

  /** Which version of its module the instance `meta` belongs to is (0: its first load). */
  versionOf(meta: ImportMeta): number | undefined {
    if (this.of(meta) === undefined) return undefined;
    return parseVersion(this.#loadedAs.get(meta) ?? meta.url).version;
  }

  /** `context`'s version is gone for good (Node keeps the context itself, as `import.meta.hot`). */
  dropped(context: HotContext): void {
    this.#contextVersions.delete(context);
  }

  /** Whether `context` belongs to the current version of its module. */
  readonly isCurrent = (context: HotContext): boolean => {
    const owner = this.#contextVersions.get(context);
    return owner !== undefined && this.#versions.current(owner.id) === owner.version;
  };

  /**
   * A version loaded under another URL than its file's (`?hotload=N`, or a fresh instance's) sees
   * its file's, as after a restart: `import.meta.url` (so `new URL("./x",
   * import.meta.url)` and the `pathToFileURL(process.argv[1])` main-module check work as without
   * hotload), and `import.meta.main` when it is a new version of the entry. Node derives `filename`
   * and `dirname` from the URL without its query already; relative `import()` and
   * `import.meta.resolve` resolve from the instance itself, whatever `url` says.
   */
  #nameByFile(meta: ImportMeta, id: string, live: boolean): void {
    this.#loadedAs.set(meta, meta.url);
    meta.url = id;
    // Only where Node has it (22.18 and later); a fresh instance is never the program's entry.
    if (live && "main" in meta && this.#tracker.isMain(id)) meta.main = true;
  }

  #evaluating(id: string, version: number, resolve: (specifier: string) => string): HotContext {
    const record = this.#registry.record(id);
    const context = new HotContext(this.#host, id, record.data, resolve);
    this.#contextVersions.set(context, { id, version });
    record.instances.set(version, context);
    if (version === this.#versions.current(id)) this.#tracker.evaluating(id);
    return context;
  }
}
