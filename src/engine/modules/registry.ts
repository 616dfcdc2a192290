/**
 * The module registry: one record per hot module (its file, its `hot.data`, the content last acted
 * on, the context of each live version), and which modules each file holds.
 *
 * It is the one owner of each module's content state (`seen`, `failed`, `missing`, `stopped`, what
 * a pruned module parked in require.cache runs): everyone else reads the records, and changes them
 * only through the named transitions below (loaded, validated, failed, applied, ...). Their rules
 * are the table test/unit/module-state.test.ts checks.
 */
import { clearRegistrations, type HotContext } from "../hot/hot.js";
import type { HotData } from "../../hot-types.js";
import type { Acted } from "../../watch/changed.js";
import { ParkedModules } from "../commonjs/required-again.js";
import { fileOf } from "./scope.js";
import type { VersionTable } from "./versions.js";

/** What the engine keeps of one hot module. */
export interface ModuleRecord {
  readonly url: string;
  readonly file: string;
  readonly data: HotData;
  /**
   * The content last acted on (loaded, applied, failed or refused). Kept as the text itself:
   * comparing it with the file costs less than hashing every module at start-up.
   */
  readonly seen: Acted;
  /** Context of every live version: the current one, and the previous one during an update. */
  readonly instances: Map<number, HotContext>;
  /** Reported as deleted or unreadable; cleared when it can be read again. */
  readonly missing: boolean;
  /** `asset`: a file made a dependency with addDependency(), not a module. */
  readonly kind: "module" | "asset";
  /** The content of the last update of this module that failed to load (nothing new to try). */
  readonly failed: Acted;
  /** The format Node loaded it as (`module`, `commonjs`, `json`, ...). */
  readonly format: string | undefined;
  /**
   * Its running version was disposed by an update that then failed: it no longer runs as it was,
   * so a save of the content it ran is an update too (the next good save applies, whatever it holds).
   */
  readonly stopped: boolean;
}

/** A record as its owner changes it. */
type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * What a load of a module tells about the content it runs (see {@link ModuleRegistry.loaded}):
 * - `given`: the load hook handed on this content;
 * - `read-after`: Node (or another loader) read the file after the hook: what it holds then;
 * - `unknown`: nothing (a require() answered by an instance that runs what it ran).
 */
export type LoadedContent = { readonly kind: "given" | "read-after"; readonly runs: () => Acted } | { readonly kind: "unknown" };

/** What the registry tells the rest of the engine. */
interface RegistryEvents {
  /** A record was made for a module of `file`. */
  added(file: string): void;
  /** The last module of `file` was forgotten. */
  fileGone(file: string): void;
  /** A context of a version that is gone: it hears no more events. */
  dropped(context: HotContext): void;
  /**
   * Before a question about files (which modules a file holds): the hooks' queued work applies
   * first, so that every module loaded so far is known (see tracker.ts).
   */
  settle(): void;
}

/** The records of every hot module, by id and by file. */
export class ModuleRegistry {
  readonly #records = new Map<string, Writable<ModuleRecord>>();
  /** ES modules pruned while in require.cache, with what their instance runs (see required-again.ts). */
  readonly #parked = new ParkedModules();
  readonly #byFile = new Map<string, Set<string>>();
  readonly #versions: VersionTable;
  readonly #events: RegistryEvents;

  constructor(versions: VersionTable, events: RegistryEvents) {
    this.#versions = versions;
    this.#events = events;
  }

  /**
   * The record of `id`, made when there is none yet; `data`: the `hot.data` a context made before
   * the engine loaded handed out already (see loader/lazy-engine.ts), the module's from now on.
   */
  record(id: string, data?: HotData): ModuleRecord {
    const record = this.#record(id);
    if (data !== undefined) record.data = data;
    return record;
  }

  #record(id: string): Writable<ModuleRecord> {
    let record = this.#records.get(id);
    if (!record) {
      const file = fileOf(id);
      record = {
        url: id,
        file,
        data: {},
        seen: undefined,
        instances: new Map(),
        missing: false,
        kind: "module",
        format: undefined,
        failed: undefined,
        stopped: false,
      };
      this.#records.set(id, record);
      let ids = this.#byFile.get(file);
      if (!ids) this.#byFile.set(file, (ids = new Set()));
      ids.add(id);
      this.#events.added(file);
    }
    return record;
  }

  get(id: string): ModuleRecord | undefined {
    return this.#records.get(id);
  }

  readonly fileOf = (id: string): string | undefined => this.#records.get(id)?.file;

  /** The files of `ids`, in order (an id without a record stands for itself). */
  files(ids: readonly string[]): string[] {
    return ids.map((id) => this.#records.get(id)?.file ?? id);
  }

  /** The modules `file` holds (undefined: none). */
  idsOf(file: string): ReadonlySet<string> | undefined {
    this.#events.settle();
    return this.#byFile.get(file);
  }

  hasFile(file: string): boolean {
    this.#events.settle();
    return this.#byFile.has(file);
  }

  current(id: string): HotContext | undefined {
    return this.#records.get(id)?.instances.get(this.#versions.current(id));
  }

  /**
   * Drops the contexts of every version of `id` but `keep`, with what they registered, except what
   * `kept` (the version a roll-back returns to) registered. Node keeps every version's
   * `import.meta.hot` for good: what a dropped context registered (its callbacks, and all they
   * reach) must not stay with it.
   */
  dropInstancesExcept(id: string, keep: number, kept?: { readonly version: number; readonly context: HotContext | undefined }): void {
    const record = this.#records.get(id);
    if (!record) return;
    for (const [version, context] of record.instances) {
      if (version === keep) continue;
      record.instances.delete(version);
      this.#events.dropped(context);
      // The old version's handlers are spent (dispose ran); a rolled-back one keeps its own.
      if (context !== kept?.context || version !== kept.version) clearRegistrations(context);
    }
  }

  // -----------------------------------------------------------------------------------------------
  // Content state: the transitions. Each names what happened; the record's fields follow.

  /**
   * A load of `id` as `format` was applied. What it runs becomes what was last acted on, except
   * during an update (`inUpdate`) that already read it (Node may read the file mid-save then; the
   * watcher brings that save). A load that read the file after the hook only fills in what is
   * not known.
   */
  loaded(id: string, format: string | undefined, content: LoadedContent, inUpdate: boolean): ModuleRecord {
    const record = this.#record(id);
    record.format = format;
    if (content.kind === "unknown" || (inUpdate && record.seen !== undefined)) return record;
    if (content.kind === "given" || record.seen === undefined) record.seen = content.runs();
    return record;
  }

  /** `file` became a dependency of a module (addDependency()): an asset, holding `read()`. Nothing for a known module. */
  dependedOn(id: string, read: () => Acted): void {
    if (this.#records.has(id)) return;
    const record = this.#record(id);
    record.kind = "asset";
    record.seen = read();
  }

  /** An update read `content` for `id` and tries it: acted on from now, applied or not. */
  validated(id: string, content: Buffer): void {
    const record = this.#records.get(id);
    if (record) record.seen = content;
  }

  /**
   * The update that tried `content` for `id` rolled back: what it ran before (`previous`) counts
   * again, and `content` is known to fail (a save of it again is no new try; see changes.ts).
   */
  failed(id: string, previous: Acted, content: Buffer): void {
    const record = this.#records.get(id);
    if (!record) return;
    record.seen = previous;
    record.failed = content;
  }

  /** An update that changed `id` applied: no content of it is known to fail. */
  applied(id: string): void {
    const record = this.#records.get(id);
    if (record) record.failed = undefined;
  }

  /**
   * The file of `id` was saved back to the content that runs: what failed with its broken
   * content may pass now. Returns whether some content of it had failed.
   */
  savedBack(id: string): boolean {
    const record = this.#records.get(id);
    if (record?.failed === undefined) return false;
    record.failed = undefined;
    return true;
  }

  /**
   * The running versions of `ids` were disposed by an update that then failed (`stopped`), or
   * replaced by one that applied: see {@link ModuleRecord.stopped}.
   */
  stopped(ids: Iterable<string>, stopped: boolean): void {
    for (const id of ids) {
      const record = this.#records.get(id);
      if (record) record.stopped = stopped;
    }
  }

  /** The file of `id` was found deleted or unreadable. Returns whether that is news (said once). */
  missing(id: string): boolean {
    const record = this.#records.get(id);
    if (!record || record.missing) return false;
    record.missing = true;
    return true;
  }

  /** The file of `id` could be read. Returns whether it was missing: it is back. */
  back(id: string): boolean {
    const record = this.#records.get(id);
    if (!record?.missing) return false;
    record.missing = false;
    return true;
  }

  /** What `id` runs is not known (not what its file held): whatever the file holds counts as a change. */
  runsUnknown(id: string): void {
    const record = this.#records.get(id);
    if (record) record.seen = undefined;
  }

  /**
   * A require() got the parked instance of `id` again (see required-again.ts): what it runs, and
   * it is parked no more; undefined when it was not parked.
   */
  takeParked(id: string): { readonly seen: Acted } | undefined {
    return this.#parked.take(id);
  }

  /**
   * Removes the record of `id` with every context it holds, and bumps its version: the next import
   * evaluates the file as it is then. `inRequireCache`: whether require.cache has an entry for its
   * file, which stays for an ES module, parked (see required-again.ts). Returns the removed record
   * (undefined: it had none) and whether it was parked.
   */
  forget(id: string, inRequireCache: (file: string) => boolean): { readonly record: ModuleRecord; readonly parked: boolean } | undefined {
    const seen = this.#records.get(id)?.seen;
    const record = this.#remove(id);
    if (!record) return undefined;
    return { record, parked: this.#parked.park(id, record.format, inRequireCache(record.file), seen) };
  }

  #remove(id: string): ModuleRecord | undefined {
    const record = this.#records.get(id);
    if (!record) return undefined;
    for (const context of record.instances.values()) {
      this.#events.dropped(context);
      clearRegistrations(context);
    }
    record.instances.clear();
    record.seen = undefined;
    // Never reuse a version: the next import evaluates the file as it is then.
    this.#versions.bump(id);
    const ids = this.#byFile.get(record.file);
    ids?.delete(id);
    if (ids && ids.size === 0) {
      this.#byFile.delete(record.file);
      this.#events.fileGone(record.file);
    }
    this.#records.delete(id);
    return record;
  }
}
