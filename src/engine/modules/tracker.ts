/**
 * Hook tracking: what the resolve and load hooks (and require()) tell the engine about the module
 * graph. They run once per module at start-up, where every microsecond shows, so the graph work is
 * queued (one typed method per kind of operation, queueEdge and queueLoad) and applied in one
 * batch, after the program has started. Nothing outside this file sees the queue:
 * {@link HookTracker.graph} applies it before it answers.
 */
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { displayPath } from "../../shared/log.js";
import { later } from "../../shared/later.js";
import { editModule, mentionsMeta } from "../../source/edit.js";
import { loadedBefore, loadedFromText, readDisk, type DiskRead } from "../../watch/changed.js";
import type { Gate } from "../update/gate.js";
import { ModuleGraph } from "./graph.js";
import { hotInCommonJsMessage, requireCache, usesHotAsCommonJs } from "../commonjs/commonjs.js";
import { exportsOnDisk } from "../hot/live-bindings.js";
import { assertCompiledFromPinned, handOn, marked, withoutMarker } from "./pinned-source.js";
import { followMainModule, MainModule } from "../hot/main-module.js";
import type { LoadedContent, ModuleRegistry } from "./registry.js";
import { requiredAgain } from "../commonjs/required-again.js";
import { fileOf, type Scope } from "./scope.js";
import { type VersionTable } from "./versions.js";
import { isRootsUrl, parseVersion, stripVersion, withFresh, withVersion } from "../../shared/urls.js";

/** What happens while an update imports new versions (written by the hooks, read by the update). */
export interface UpdateSession {
  /** Modules whose new version started evaluating, in order. */
  readonly evaluated: string[];
  /** The source of every module version the update loaded, by URL. */
  readonly sources: Map<string, string>;
  /** How far line 1 moved in each transformed module (for error columns). */
  readonly shifts: Map<string, number>;
  /** Holds the new versions' evaluation until the old ones are disposed. */
  readonly gate: Gate;
}

/**
 * The queue: one flat array of primitives, {@link SLOTS} per operation, written only by
 * `#queueEdge` and `#queueLoad` and read only by {@link HookTracker.flush}, which applies each
 * kind with its own typed method. Flat because the hooks run once per module at start-up: at
 * 10,000 modules an object per operation costs measurably more (allocation, and garbage
 * collection while they wait for the flush).
 */
const SLOTS = 6;
type Slot = string | Buffer | boolean | number | undefined;
const EDGE = "edge";
const LOAD = "load";
/** A load reported by require() after the module ran: its imports are already recorded. */
const REQUIRED = "required";

/** The module graph as the hooks build it. */
export class HookTracker {
  readonly #graph = new ModuleGraph();
  readonly #scope: Scope;
  readonly #versions: VersionTable;
  readonly #registry: ModuleRegistry;
  /** Graph work from the hooks, in order (see {@link SLOTS}), applied by {@link flush}. */
  #pending: Slot[] = [];
  /** Inside an import.meta.resolve() call: resolutions then are not imports. */
  #resolveOnly = 0;
  /** Inside a check that compiles a file without loading it: its loads are not the program's. */
  #compileOnly = 0;
  /** Modules the load hook saw (or that {@link required} stood in for). */
  readonly #hookLoaded = new Set<string>();
  /** The update importing new versions now, if one is (see {@link importing}). */
  #session: UpdateSession | undefined;
  /** Module versions whose pinned content went on with a marker, until their load returns (see pinned-source.ts). */
  readonly #marked = new Set<string>();
  /** CommonJS modules already reported as written for import.meta.hot (see commonjs.ts). */
  readonly #toldCommonJsHot = new Set<string>();
  /** Which module is the program's entry (see main-module.ts). */
  readonly #main = new MainModule();
  /** Queues a quiet look at files (an update if they changed; see schedule.ts). */
  readonly #look: (files: () => readonly string[]) => void;
  /** Where a warning about a loaded module goes (the runtime's log). */
  readonly #warn: (message: string) => void;

  constructor(
    scope: Scope,
    versions: VersionTable,
    registry: ModuleRegistry,
    look: (files: () => readonly string[]) => void,
    warn: (message: string) => void,
  ) {
    this.#scope = scope;
    this.#versions = versions;
    this.#registry = registry;
    this.#look = look;
    this.#warn = warn;
  }

  /** The module graph, with everything the hooks have reported so far. */
  get graph(): ModuleGraph {
    this.flush();
    return this.#graph;
  }

  /**
   * A module URL was resolved for `parentURL`. Records the edge and returns the URL to load: the
   * current version of a hot module, anything else unchanged.
   */
  resolved(url: string, parentURL: string | undefined): string {
    if (parentURL !== undefined) parentURL = namedByFile(parentURL);
    if (!this.#scope.isHot(url)) return url;
    const { url: id, version, fresh: isolated } = parseVersion(url);
    // An explicit version comes from the runtime's own import() of a new version.
    if (version !== 0 || isolated !== 0) return url;
    // Everything an isolated instance (importFresh) imports from the project is isolated too, in the same set.
    const parentSet = parentURL === undefined ? 0 : parseVersion(parentURL).fresh;
    if (parentSet !== 0) return withFresh(id, parentSet);
    this.#main.resolved(id, parentURL);
    if (this.#resolveOnly === 0) this.#queueEdge(id, parentURL);
    return withVersion(id, this.#versions.current(id));
  }

  /**
   * `parent` (a file) required `child` (see engine/commonjs/require-edges.ts): the edge of a require() that
   * Node answered from its own cache, without calling the resolve hook.
   */
  required(parent: string, child: string, startedAt: number): void {
    if (this.#resolveOnly !== 0 || !isAbsolute(child)) return;
    const id = pathUrl(child);
    if (!this.#scope.isHot(id)) return;
    this.#queueEdge(id, namedByFile(pathUrl(parent)));
    // A require() extension of another loader (tsx compiling .ts to CommonJS) reads the file
    // itself, without the load hook: what it read is the file now, if it was there before the
    // require() started (see watch/changed.ts).
    if (this.#hookLoaded.has(id)) return;
    this.#hookLoaded.add(id);
    // An ES module pruned before runs again: an update of its own if its file changed since.
    const parked = this.#registry.takeParked(id);
    if (parked) this.#look(() => [child]);
    this.#queueLoad(
      id,
      parked ? "module" : "commonjs",
      parked ? parked.seen : loadedBefore(startedAt, readDisk(child)),
      false,
      0,
      REQUIRED,
    );
  }

  /**
   * A module was loaded. For a hot module, records what was loaded and returns the source to
   * evaluate (with `import.meta.hot` for ES modules), or undefined to keep the loaded source.
   * `recordedAt`: a load the start-up hooks recorded before the engine loaded (Date.now() then);
   * they made its edits already, so none is made again.
   */
  loaded(url: string, format: string | null | undefined, source: unknown, byRequire = false, recordedAt?: number): string | undefined {
    if (this.#compileOnly !== 0 || !this.#scope.isHot(url)) return undefined;
    const { url: id, version, fresh: isolated } = parseVersion(url);
    this.#hookLoaded.add(id);
    const esm = isEsm(format ?? undefined);
    // A new version of a CommonJS entry is the main module, as after a restart (see main-module.ts).
    if (!esm && version !== 0 && this.#main.is(id)) followMainModule(requireCache());
    if (isolated !== 0) {
      // Not part of the live program: no graph, no watch, a context of its own.
      if (source === null || source === undefined || !esm) return undefined;
      return editModule(typeof source === "string" ? source : toBuffer(source as Uint8Array), { file: fileOf(id), sourceUrl: id })?.code;
    }
    // Loads that belong to the running update: not those of a version it already rolled back.
    const session = this.#session !== undefined && !this.stale(url) ? this.#session : undefined;
    if (source === null || source === undefined) {
      // Node (or another loader: an async module.register() hook, tsx) reads the file after this
      // hook, for require(): what it reads is the file as it is then, if it was there before now.
      this.#queueLoad(url, format ?? undefined, undefined, session !== undefined, recordedAt ?? Date.now());
      return undefined;
    }
    // Bytes stay bytes (no decoding of every module at start-up); other loaders may give text.
    let content = typeof source === "string" ? source : toBuffer(source as Uint8Array);
    let validated: string | undefined;
    const seen = session && this.#validated(id);
    const wasMarked = this.#marked.delete(url);
    if (seen && typeof content !== "string") {
      // A loader that did not take the pinned content (see pinned()) read the file again: the
      // new version still runs what the update validated; a newer save gets its own update.
      if (!seen.equals(content)) validated = (content = seen).toString();
    } else if (wasMarked && esm) {
      // What the chain compiled from the pinned content carries its marker (see pinned-source.ts).
      assertCompiledFromPinned(content, fileOf(id), version);
    }
    // require() runs the instance of the plain URL, not this version (see required-again.ts).
    const plainRuns = byRequire && esm && version !== 0;
    if (plainRuns) this.#look(() => requiredAgain(id, this.#registry, () => this.flush()));
    // Text is checked against the file later, off the load path (see watch/changed.ts, loadedFromText): note when it loaded.
    const loadedAt = typeof content === "string" ? (recordedAt ?? Date.now()) : 0;
    this.#queueLoad(url, format ?? undefined, plainRuns ? undefined : content, session !== undefined, plainRuns ? 0 : loadedAt);
    if (session) {
      session.sources.set(url, wasMarked ? withoutMarker(content.toString(), version) : content.toString());
      if (format === "json") session.evaluated.push(id);
    }
    // CommonJS modules get module.hot from a getter on Module.prototype: their source stays as is,
    // unless Node read something else than what the update validated (an empty file mid-save).
    if (!esm) return format === "wasm" ? undefined : validated;
    if (recordedAt !== undefined) return undefined;
    return this.#edited(url, id, content, session, byRequire);
  }

  /**
   * The content an update validated for the module version at `url`, which Node must load instead
   * of reading the file again (it may be mid-save now; the watcher brings that save), as
   * pinned-source.ts hands it on (`format`: what the resolve step said, if it did; `byRequire`:
   * a load for require()). Undefined outside an update, and at once for every load at start-up.
   */
  pinned(url: string, format?: string, byRequire = false): string | Buffer | undefined {
    if (this.#session === undefined || this.#compileOnly !== 0 || !this.#scope.isHot(url) || this.stale(url)) return undefined;
    // An import of CommonJS: Node's own load hands on no source, and its CommonJS loader (or a
    // require() extension: tsx 4.21.0 and older compile .ts only there) reads the file.
    if (format === "commonjs" && !byRequire) return undefined;
    const { url: id, version, fresh } = parseVersion(url);
    const validated = fresh === 0 ? this.#validated(id) : undefined;
    if (validated === undefined) return undefined;
    // require() of an ES module may read the file itself: only an import is checked.
    if (!byRequire && marked(fileOf(id), format)) this.#marked.add(url);
    return handOn(validated, fileOf(id), version, format);
  }

  /** What the running update read of `id` from disk (its `seen` bytes), if it read bytes. */
  #validated(id: string): Buffer | undefined {
    const seen = this.#registry.get(id)?.seen;
    return Buffer.isBuffer(seen) ? seen : undefined;
  }

  /** The source an ES module evaluates, or undefined to keep the loaded one. */
  #edited(url: string, id: string, content: string | Buffer, session: UpdateSession | undefined, byRequire: boolean): string | undefined {
    // A new version of an update waits at the update's gate (after the last line: no line moves).
    // No ";" before it: an unfinished last statement (`if (x)`) must stay an error, not take our
    // line as its body. One gate module per update stays in Node's module map (README, Memory):
    // a wait on line 1 instead would move line 1 of every new version (coverage, columns).
    // A load for require() cannot wait (it is synchronous): it never gets the gate.
    const gate = session && parseVersion(url).version !== 0 && !byRequire ? `\nimport ${JSON.stringify(session.gate.url)};` : "";
    // Most modules at start-up: nothing to append and no import.meta, so no edit (editModule would
    // say so too, after building its options: this runs cold, once per module).
    if (gate === "" && url === id && !mentionsMeta(content)) return undefined;
    // A module that reads nothing of import.meta but Node's own properties cannot use the API:
    // leaving it alone spares Node an import.meta object per module (see source/edit.ts).
    const edited = editModule(content, {
      file: fileOf(id),
      tail: gate,
      sourceUrl: url === id ? undefined : id,
      importer: url,
      exportsOf: exportsOnDisk,
    });
    if (edited === undefined) return undefined;
    if (edited.shift !== 0) session?.shifts.set(url, edited.shift);
    return edited.code;
  }

  /**
   * The update `session` imports new versions from now until {@link imported}: the loads it
   * causes are its own (their sources, the content it validated; see {@link loaded}).
   */
  importing(session: UpdateSession): void {
    this.#session = session;
  }

  /** The update importing new versions is done with them (loaded, or failed). */
  imported(): void {
    this.#session = undefined;
  }

  /** The gate of the update importing new versions now, if one is. */
  get gate(): Gate | undefined {
    return this.#session?.gate;
  }

  /** A new version of `id` started evaluating: the running update's, if one is. */
  evaluating(id: string): void {
    this.#session?.evaluated.push(id);
  }

  /** The program's entry, the module Node runs as the main module (undefined until resolved). */
  get mainId(): string | undefined {
    return this.#main.id;
  }

  /** Whether `id` is the program's entry, the module Node ran as the main module. */
  isMain(id: string): boolean {
    return this.#main.is(id);
  }

  /** Runs `resolve` as an import.meta.resolve(): what it resolves is not an import. */
  resolvingOnly<T>(resolve: () => T): T {
    this.#resolveOnly++;
    try {
      return resolve();
    } finally {
      this.#resolveOnly--;
    }
  }

  /** Runs `compile`, a loader compiling a file without running it (commonjs-preflight.ts): no load, no import. */
  compilingOnly<T>(compile: () => T): T {
    this.#compileOnly++;
    try {
      return this.resolvingOnly(compile);
    } finally {
      this.#compileOnly--;
    }
  }

  /**
   * Whether `url` names an instance that is not the current version of its module: a version an
   * update rolled back or replaced, whose loading Node may still finish after the fact.
   */
  stale(url: string): boolean {
    const { url: id, version } = parseVersion(url);
    if (version === this.#versions.current(id)) return false;
    // require() never carries the version: a CommonJS instance is the one in require.cache.
    return version !== 0 || isEsm(this.#registry.get(id)?.format);
  }

  /** A forgotten module: its next load is a first one. */
  forget(id: string): void {
    this.#hookLoaded.delete(id);
  }

  /** Applies the queued graph work. Cheap when there is none. */
  flush(): void {
    const slots = this.#pending;
    if (slots.length === 0) return;
    this.#pending = [];
    for (let i = 0; i < slots.length; i += SLOTS) {
      if (slots[i] === EDGE) this.#applyEdge(slots[i + 1] as string, slots[i + 2] as string | undefined);
      else
        this.#applyLoad(
          slots[i + 1] as string,
          slots[i + 2] as string | undefined,
          slots[i + 3] as string | Buffer | undefined,
          slots[i + 4] as boolean,
          slots[i + 5] as number,
          slots[i] === LOAD,
        );
    }
  }

  /** Queues: `parentURL` imports `id` (undefined: `id` is an entry). */
  #queueEdge(id: string, parentURL: string | undefined): void {
    this.#pending.push(EDGE, id, parentURL, undefined, false, 0);
    if (this.#pending.length === SLOTS) later(() => this.flush());
  }

  /**
   * Queues: the module version at `url` loaded as `format` with `content`; `inSession`: loaded by
   * the running update, which already read its content from disk; `loadedAt`: when text content
   * loaded, or when a load with no content returned (Date.now(), to check it against the file
   * later), 0 for bytes.
   */
  #queueLoad(
    url: string,
    format: string | undefined,
    content: string | Buffer | undefined,
    inSession: boolean,
    loadedAt: number,
    kind = LOAD,
  ): void {
    this.#pending.push(kind, url, format, content, inSession, loadedAt);
    if (this.#pending.length === SLOTS) later(() => this.flush());
  }

  #applyEdge(id: string, parentURL: string | undefined): void {
    const graph = this.#graph;
    if (parentURL === undefined) {
      graph.ensure(id, true).entry = true;
      return;
    }
    // The roots of an update are imported together by one module of our own (see roots.ts).
    if (isRootsUrl(parentURL)) return;
    const parentId = stripVersion(parentURL);
    // A version rolled back or replaced that Node is still loading: its imports are not the graph's.
    if (this.#scope.isHot(parentId) && this.stale(parentURL)) return;
    const node = graph.ensure(id, true);
    const parent = graph.get(parentId);
    if (parent?.hot) graph.addEdge(parentId, id);
    else if (this.#scope.isHot(parentId))
      node.entry = true; // e.g. `--import ./x.mjs` resolves from the cwd URL
    else if (!parentURL.startsWith("file:") || !this.#scope.isOwn(parentURL)) {
      graph.ensure(parentId, false);
      graph.addEdge(parentId, id);
    }
  }

  #applyLoad(
    url: string,
    format: string | undefined,
    content: string | Buffer | undefined,
    inSession: boolean,
    loadedAt: number,
    beforeImports: boolean,
  ): void {
    if (this.stale(url)) return;
    const id = stripVersion(url);
    this.#graph.ensure(id, true);
    // The new instance declares its own imports as they resolve (later in the queue). Reported by
    // require() once it ran (another loader's require() extension read it: tsx compiling to
    // CommonJS), they are earlier in the queue: the ones of this load, which must stay.
    if (beforeImports) this.#graph.clearImports(id);
    // The file is read at most once here, and only when something below needs it.
    let disk: DiskRead | undefined;
    let read = false;
    const onDisk = (): DiskRead | undefined => (read ? disk : ((read = true), (disk = readDisk(fileOf(id)))));
    const loaded: LoadedContent =
      content !== undefined
        ? { kind: "given", runs: () => (typeof content === "string" ? loadedFromText(content, loadedAt, onDisk()) : content) }
        : loadedAt !== 0
          ? { kind: "read-after", runs: () => loadedBefore(loadedAt, onDisk()) }
          : { kind: "unknown" };
    const record = this.#registry.loaded(id, format, loaded, inSession);
    const bytes = (): Buffer | undefined => (Buffer.isBuffer(content) ? content : onDisk()?.bytes);
    if (!isEsm(format) && !this.#toldCommonJsHot.has(id) && usesHotAsCommonJs(record.file, bytes)) {
      this.#toldCommonJsHot.add(id);
      this.#warn(hotInCommonJsMessage(displayPath(record.file)));
    }
  }
}

/**
 * The version URL of a module whose file name holds its version: tsx 4.22 and later run a version
 * `x.ts?hotload=N` compiled to CommonJS as a module named `x.ts?hotload=N` on disk, whose URL is
 * `x.ts%3Fhotload=N` (and what it requires names it so). Any other URL as it is.
 */
function namedByFile(url: string): string {
  const at = url.indexOf("%3F");
  if (at < 0 || !url.startsWith("file:")) return url;
  const query = url.indexOf("?");
  const { url: id, version } = parseVersion(`${url.slice(0, at)}?${url.slice(at + 3, query < 0 ? undefined : query)}`);
  return version === 0 ? url : withVersion(id, version);
}

/** Whether Node loads `format` as an ES module. */
export function isEsm(format: string | undefined): boolean {
  return format === "module" || format === "module-typescript";
}

/** The file URL of an absolute path. */
export function pathUrl(file: string): string {
  return pathToFileURL(file).href;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
