/**
 * The module registry: one record per hot module (its file, its `hot.data`, the content last acted
 * on, the context of each live version), and which modules each file holds.
 */
import { clearRegistrations, type HotContext } from "../hot/hot.js";
import type { HotData } from "../../hot-types.js";
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
  /**
   * Its running version was disposed by an update that then failed: it no longer runs as it was,
   * so a save of the content it ran is an update too (the next good save applies, whatever it holds).
   */
  stopped: boolean;
}

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
  readonly #records = new Map<string, ModuleRecord>();
  readonly #byFile = new Map<string, Set<string>>();
  readonly #versions: VersionTable;
  readonly #events: RegistryEvents;

  constructor(versions: VersionTable, events: RegistryEvents) {
    this.#versions = versions;
    this.#events = events;
  }

  /** Marks the modules `ids` as stopped by a failed update, or running again (see ModuleRecord). */
  markStopped(ids: Iterable<string>, stopped: boolean): void {
    for (const id of ids) {
      const record = this.#records.get(id);
      if (record) record.stopped = stopped;
    }
  }

  /** The record of `id`, made when there is none yet. */
  record(id: string): ModuleRecord {
    let record = this.#records.get(id);
    if (!record) {
      const file = fileOf(id);
      record = { url: id, file, data: {}, seen: undefined, instances: new Map(), missing: false, kind: "module", format: undefined, failed: undefined, stopped: false };
      this.#records.set(id, record);
      let ids = this.#byFile.get(file);
      if (!ids) this.#byFile.set(file, (ids = new Set()));
      ids.add(id);
      this.#events.added(file);
    }
    return record;
  }

  /** The record of `id`, if it has one. */
  get(id: string): ModuleRecord | undefined {
    return this.#records.get(id);
  }

  /** The file of `id` (undefined when it has no record). */
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

  /** Whether `file` holds a module. */
  hasFile(file: string): boolean {
    this.#events.settle();
    return this.#byFile.has(file);
  }

  /** The context of the current version of `id`. */
  current(id: string): HotContext | undefined {
    return this.#records.get(id)?.instances.get(this.#versions.current(id));
  }

  /** Drops the contexts of every version of `id` but `keep`, with what they registered, except `keepContext`'s. */
  dropInstancesExcept(id: string, keep: number, kept: { readonly version: number; readonly context: HotContext | undefined }): void {
    const record = this.#records.get(id);
    if (!record) return;
    for (const [version, context] of record.instances) {
      if (version === keep) continue;
      record.instances.delete(version);
      this.#events.dropped(context);
      // The old version's handlers are spent (dispose ran); a rolled-back one keeps its own.
      if (context !== kept.context || version !== kept.version) clearRegistrations(context);
    }
  }

  /**
   * Removes the record of `id` with every context it holds, and bumps its version: the next import
   * evaluates the file as it is then. Returns the removed record (undefined: it had none).
   */
  remove(id: string): ModuleRecord | undefined {
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
