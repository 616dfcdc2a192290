/**
 * The engine off the start-up path. Loading the engine (its graph, update machinery, watcher and
 * in-place wiring) before the program's first line was most of what hotload added to a start
 * (cachegrind: about 20 M instructions on an empty program). Until it loads, the hooks call this
 * instead: it records what the engine will need (each hot module's edges, the bytes Node was given
 * and when, require() edges, live-binding setters), makes the edits a module needs to run (its
 * `import.meta.hot` statement, live bindings), and gives hot modules contexts that keep what they
 * register. The engine loads once the program is idle after its entry evaluated (see
 * loader/hooks.ts), or at once when something needs it (the hotload API, `invalidate()`,
 * `addDependency()`); it replays the record in order and adopts the contexts, so that it ends up
 * as if it had been there from the start. The watcher starts from the recorded bytes: a save made
 * before the engine loaded is a change like any other.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { Runtime } from "../src/engine/runtime.js";
import type { UpdateTimings } from "../src/engine/update/timings.js";
import { HotContext, type HotHost } from "../src/engine/hot/hot.js";
import { MainModule } from "../src/engine/hot/main-module.js";
import type { Scope } from "../src/engine/modules/scope.js";
import type { editFirstLoad, LoadedSource } from "./first-load-edit.js";
import type { RuntimeSlot } from "../src/source/inject.js";
import type { LiveName, LiveSetter } from "../src/source/live.js";
import { stripVersion } from "../src/shared/urls.js";
import { error as logError } from "../src/shared/log.js";

/** How the engine and the editor of first loads are loaded (their bundles, see scripts/bundle.mjs). */
interface Loaders {
  /** Makes the engine (loads its bundle and wires it to the process). */
  readonly engine: () => Runtime;
  /** Loads the edits of first loads (first-load-edit.ts). */
  readonly editor: () => typeof editFirstLoad;
}

/** Whether a source may use import.meta: only then are the edits loaded (see source/edit.ts, mentionsMeta). */
const META = Buffer.from("meta");

// The record: one flat array, SLOTS per entry (an object per module costs measurably at 10,000).
const SLOTS = 6;
const RESOLVED = 0;
const LOADED = 1;
const REQUIRED = 2;
const ADOPT = 3;
const LIVE = 4;
const LISTENING = 5;

/** The runtime slot (shared/urls.ts) until the engine loads, and the way to it afterwards. */
export class LazyEngine implements RuntimeSlot {
  readonly #scope: Scope;
  readonly #loaders: Loaders;
  #editor: typeof editFirstLoad | undefined;
  #engine: Runtime | undefined;
  #failed = false;
  #record: unknown[] = [];
  readonly #main = new MainModule();
  #resolveOnly = 0;
  #unedited = false;
  readonly #cjs = new WeakMap<NodeJS.Module, HotContext | undefined>();
  readonly #host: HotHost = {
    invalidate: (url, message) => this.engine().invalidate(url, message),
    listening: (context) => (this.#engine ? this.#engine.listening(context) : this.#push(LISTENING, context)),
    addDependency: (url, path) => this.engine().addDependency(url, path),
  };

  constructor(scope: Scope, loaders: Loaders) {
    this.#scope = scope;
    this.#loaders = loaders;
  }

  /** The engine, loaded now if it was not (throws when it cannot load). */
  engine(): Runtime {
    if (this.#engine) return this.#engine;
    let runtime: Runtime;
    try {
      runtime = this.#loaders.engine();
    } catch (problem) {
      if (!this.#failed) logError(`could not load its engine, no update will be applied in this process: ${String(problem)}`);
      this.#failed = true;
      throw problem;
    }
    this.#engine = runtime;
    if (this.#unedited) runtime.editsOff();
    const r = this.#record;
    this.#record = [];
    for (let i = 0; i < r.length; i += SLOTS) {
      const [a, b, c, d, e] = [r[i + 1], r[i + 2], r[i + 3], r[i + 4], r[i + 5]] as any[];
      if (r[i] === RESOLVED) runtime.resolved(a, b);
      else if (r[i] === LOADED) runtime.recordedLoad(a, b, c, d, e);
      else if (r[i] === REQUIRED) runtime.required(a, b, c);
      else if (r[i] === ADOPT) runtime.adopt(a, b, c);
      else if (r[i] === LIVE) runtime.live(a, b, c, d);
      else runtime.listening(a);
    }
    runtime.replayed();
    return runtime;
  }

  /** Loads the engine if it can; a failure was reported (see {@link engine}). */
  load(): void {
    if (this.#engine || this.#failed) return;
    try {
      this.engine();
    } catch {
      // Reported: the program runs on, as under plain node.
    }
  }

  /** Where updates' time goes, once the engine loaded and when measured (see update/timings.ts). */
  get timings(): UpdateTimings | undefined {
    return this.#engine?.timings;
  }

  /** Whether a module instance was loaded under another URL than its file's yet (only the engine does so). */
  get renamedLoaded(): boolean {
    return this.#engine?.renamedLoaded ?? false;
  }

  // Hooks' side (loader/hooks.ts).

  resolved(url: string, parentURL: string | undefined): string {
    if (this.#engine) return this.#engine.resolved(url, parentURL);
    if (!this.#scope.isHot(url) || versioned(url) || this.#failed) return url;
    this.#main.resolved(url, parentURL);
    if (this.#resolveOnly === 0) this.#push(RESOLVED, url, parentURL);
    return url;
  }

  required(parent: string, child: string, startedAt: number): void {
    if (this.#engine) this.#engine.required(parent, child, startedAt);
    else if (!this.#failed) this.#push(REQUIRED, parent, child, startedAt);
  }

  pinned(url: string, format?: string, byRequire = false): string | Buffer | undefined {
    return this.#engine?.pinned(url, format, byRequire);
  }

  loaded(url: string, format: string | null | undefined, source: unknown, byRequire: boolean): LoadedSource | undefined {
    if (this.#engine) return this.#engine.loaded(url, format, source, byRequire);
    if (this.#unedited || !this.#scope.isHot(url)) return undefined;
    // A version or fresh instance comes only from the engine's own import(); a URL that names one
    // anyway is the engine's to answer.
    if (versioned(url)) return this.engine().loaded(url, format, source, byRequire);
    const text = typeof source === "string";
    if (!this.#failed) this.#push(LOADED, url, format, source, byRequire, text || source == null ? Date.now() : 0);
    if (source == null || (format !== "module" && format !== "module-typescript")) return undefined;
    const content = text ? source : toBuffer(source as Uint8Array);
    // Most modules: no import.meta, nothing to edit, and neither the edits nor the lexer load.
    if (text ? !content.includes("meta") : !(content as Buffer).includes(META)) return undefined;
    return (this.#editor ??= this.#loaders.editor())(url, format, content);
  }

  /** The program's entry, once Node resolved it. */
  get mainId(): string | undefined {
    return this.#engine ? this.#engine.mainId : this.#main.id;
  }

  /** Modules load as written from now on (see startup-error.ts). */
  editsOff(): void {
    // The retry that prints the error as Node would needs the graph (which modules compiled): the
    // record is replayed first, while resolutions still record edges.
    this.load();
    this.#unedited = true;
    this.#engine?.editsOff();
  }

  // What modules call (RuntimeSlot).

  hot(meta: ImportMeta): HotContext {
    if (this.#engine || stripVersion(meta.url) !== meta.url) return this.engine().hot(meta);
    const original = meta.resolve.bind(meta) as (specifier: string, parent?: string | URL) => string;
    // import.meta.resolve() only resolves: no edge in the graph.
    meta.resolve = (specifier: string, parent?: string | URL): string =>
      this.#resolvingOnly(() => stripVersion(original(specifier, parent)));
    const context = new HotContext(this.#host, meta.url, {}, (specifier) => meta.resolve(specifier));
    this.#push(ADOPT, meta, meta.url, context);
    return context;
  }

  hotCjs(module: NodeJS.Module): HotContext | undefined {
    if (this.#engine) return this.#engine.hotCjs(module);
    if (this.#cjs.has(module)) return this.#cjs.get(module);
    if (typeof module.filename !== "string") return undefined;
    const id = pathToFileURL(module.filename).href;
    let context: HotContext | undefined;
    if (this.#scope.isHot(id)) {
      const require = createRequire(module.filename);
      context = new HotContext(this.#host, id, {}, (specifier) => {
        const target = require.resolve(specifier);
        return target.startsWith("node:") || !target.startsWith("/") ? target : pathToFileURL(target).href;
      });
      this.#push(ADOPT, module, id, context);
    }
    this.#cjs.set(module, context);
    return context;
  }

  gate(id: number): Promise<void> {
    return this.#engine ? this.#engine.gate(id) : Promise.resolve();
  }

  live(importer: string, dep: string, names: readonly LiveName[], set: LiveSetter): void {
    if (this.#engine) this.#engine.live(importer, dep, names, set);
    else this.#push(LIVE, importer, dep, names, set);
  }

  #resolvingOnly<T>(resolve: () => T): T {
    if (this.#engine) return this.#engine.resolvingOnly(resolve);
    this.#resolveOnly++;
    try {
      return resolve();
    } finally {
      this.#resolveOnly--;
    }
  }

  #push(kind: number, a: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown): void {
    this.#record.push(kind, a, b, c, d, e);
  }
}

/** Whether `url` names a version or a fresh instance (only a URL with a query can). */
function versioned(url: string): boolean {
  return url.includes("?") && stripVersion(url) !== url;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
