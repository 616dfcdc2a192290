/**
 * Failure isolation and the retry policy. A failed update is tried again without the changed files
 * it comes from, so that the other edits apply and a second broken file gets its own report; the
 * files held back wait in the retry set, tried again quietly after the next update that succeeds
 * (it may be what they waited for: a new export, a fixed import), or when a file they wait for
 * that is not in the graph is saved. Each failure is reported once: a quiet retry that fails the
 * same way says nothing.
 */
import { fileOf } from "../modules/scope.js";
import { HotloadError } from "../../shared/errors.js";
import * as log from "../../shared/log.js";
import type { InvalidationChain } from "../update/invalidation.js";
import type { Events } from "../hot/events.js";
import type { ModuleRegistry } from "../modules/registry.js";
import type { UpdateFailure } from "./diagnose.js";
import { updatePath as up } from "../update/update-path.js";

/** How a failure splits the changed modules of an update. */
interface Isolation {
  /** The changed modules to try again without the failure (empty or all: this was the last try). */
  readonly rest: readonly string[];
  /** Whether no further try is worth it. */
  readonly last: boolean;
  /** Changed modules the failure keeps from applying, besides the one it is blamed on. */
  readonly held: readonly string[];
  /** Their files, without the file the failure is located in. */
  readonly heldFiles: readonly string[];
}

/** An invalidate() whose update failed (a file its importers need was missing or broken). */
export interface HeldInvalidation {
  readonly url: string;
  readonly message: string | undefined;
  readonly chain: InvalidationChain;
  /** The version of `url` that called it: a newer one makes it moot. */
  readonly version: number;
}

/**
 * The failed files of this process, and what is said about them. The one owner of the retry set,
 * the files awaited and the invalidations held back: the rest of the engine tells it what
 * happened (failed, passed, inGraph, holdInvalidation) and asks it to retry.
 */
export class Failures {
  /** Files whose last update failed: tried again after the next update that succeeds. */
  readonly #retry = new Set<string>();
  /** Files not in the graph that failed updates wait for (missing, or broken when first imported). */
  readonly #awaited = new Set<string>();
  readonly #watch: (file: string) => void;
  /** The last error line reported per file (a quiet retry does not repeat it). */
  readonly #lastErrors = new Map<string, string>();
  readonly #registry: ModuleRegistry;
  readonly #events: Events;
  readonly #unwatch: (file: string) => void;
  readonly #retryQuietly: (files: readonly string[]) => void;
  /**
   * Invalidations held back by a failure, by the module that called invalidate(): tried again with
   * the held-back files. Its own content did not change, so no file of the retry set stands for it.
   */
  readonly #invalidations = new Map<string, HeldInvalidation>();
  readonly #retryInvalidation: (held: HeldInvalidation) => void;

  /**
   * `retryQuietly` queues a quiet update of `files`, `retryInvalidation` a quiet update for an
   * invalidation held back (see schedule.ts).
   */
  constructor(
    registry: ModuleRegistry,
    events: Events,
    watch: { add(file: string): void; remove(file: string): void },
    retryQuietly: (files: readonly string[]) => void,
    retryInvalidation: (held: HeldInvalidation) => void,
  ) {
    this.#registry = registry;
    this.#events = events;
    this.#unwatch = (file) => watch.remove(file);
    this.#watch = (file) => watch.add(file);
    this.#retryQuietly = retryQuietly;
    this.#retryInvalidation = retryInvalidation;
  }

  /** An update of `file` failed (or was held back by a failure): it is tried again later. */
  failed(file: string): void {
    this.#retry.add(file);
  }

  /** No content of `file` is known to fail any more (an update of it applied, or it was saved back). */
  passed(file: string): void {
    this.#retry.delete(file);
  }

  /** The update for `held`'s invalidate() failed: it is tried again with the files held back. */
  holdInvalidation(held: HeldInvalidation): void {
    this.#invalidations.set(held.url, held);
  }

  /** Watches `file`, not in the graph, for the save that may let failed updates through. */
  await(file: string): void {
    if (this.#registry.hasFile(file) || this.#awaited.has(file)) return;
    this.#awaited.add(file);
    this.#watch(file);
  }

  /** `file` holds a module of the graph now: the graph's watch is its watch. */
  inGraph(file: string): void {
    this.#awaited.delete(file);
  }

  /** Queues one more try of the files whose last update failed (they may have waited for this). */
  retryFailed(): void {
    const invalidations = [...this.#invalidations.values()];
    this.#invalidations.clear();
    if (this.#retry.size === 0 && invalidations.length === 0) {
      for (const file of this.#awaited) if (!this.#registry.hasFile(file)) this.#unwatch(file);
      this.#awaited.clear();
      return;
    }
    if (this.#retry.size > 0) this.#retryQuietly([...this.#retry]);
    for (const held of invalidations) this.#retryInvalidation(held);
  }

  /** Whether one of `files` is waited for by a failed update and not in the graph. */
  awaitedIn(files: readonly string[]): boolean {
    return files.some((file) => this.#awaited.has(file) && !this.#registry.hasFile(file));
  }

  /**
   * Splits `remaining` after `failure`: `invalidatedBy(id)` gives the modules an update of `id`
   * alone would re-evaluate (undefined: it cannot be applied).
   */
  isolate(failure: UpdateFailure, remaining: readonly string[], invalidator: string | undefined, invalidatedBy: (id: string) => readonly string[] | undefined): Isolation {
    const rest = failure.blame === undefined || invalidator !== undefined ? remaining : up().withoutBlamed(remaining, failure.blame, this.#registry.fileOf, invalidatedBy);
    const last = rest.length === 0 || rest.length === remaining.length;
    // What this failure keeps from applying besides the file it is blamed on: their own errors
    // are not known yet (they wait in the retry set).
    const held = (last ? remaining : remaining.filter((id) => !rest.includes(id))).filter((id) => this.#registry.get(id)?.file !== failure.blame?.file);
    const heldFiles = [...new Set(held.map((id) => this.#registry.get(id)?.file ?? fileOf(id)))].filter((file) => file !== failure.location?.file);
    return { rest, last, held, heldFiles };
  }

  /**
   * Reports `failure` and the syntax errors of the modules it holds back. A file that does not
   * parse fails the same way whatever else changes: only its next save is worth a try, not every
   * later update. Returns whether anything was printed.
   */
  async report(failure: UpdateFailure, isolation: Isolation, files: readonly string[], contents: ReadonlyMap<string, Buffer>, quiet: boolean): Promise<boolean> {
    let said = this.#reportError(failure, isolation.heldFiles, files, quiet);
    if (failure.blame && isOwnSyntaxError(failure)) this.#retry.delete(failure.blame.file);
    for (const id of isolation.held) said = (await this.#reportSyntaxError(id, contents.get(id), quiet)) || said;
    return said;
  }

  /** A file of the graph was deleted or cannot be read: said once, until it can be read again. */
  reportMissing(file: string, what: string): void {
    for (const id of this.#registry.idsOf(file) ?? []) {
      if (!this.#registry.missing(id)) continue;
      log.error(`${file} ${what} — the previous version keeps running`);
      this.#events.emit("hotload:error", { error: new HotloadError("file-missing", `${file} ${what}`, { file }), file });
    }
  }

  /**
   * Reports the syntax error of a module held back by another module's failure, so that no broken
   * file goes unmentioned while what blocks it is fixed. (Link and evaluation errors need the real
   * load.) Returns whether it printed.
   */
  async #reportSyntaxError(id: string, content: Buffer | undefined, quiet: boolean): Promise<boolean> {
    const record = this.#registry.get(id);
    if (!record || !content) return false;
    const text = content.toString();
    const location = await up().findSyntaxError(text, id, record.format);
    if (!location) return false;
    this.#retry.delete(record.file);
    const error = new SyntaxError(location.message.replace(/^SyntaxError: /, ""));
    return this.#reportError({ error, location, source: text, evaluating: false }, [], [record.file], quiet);
  }

  /**
   * Prints a failure, with the changed files it keeps from applying (`held`), once: a quiet retry
   * does not repeat it. Returns whether it printed.
   */
  #reportError(failure: UpdateFailure, held: readonly string[], changedFiles: readonly string[], quiet: boolean): boolean {
    const { line, detail, file } = up().failureReport(failure, held, changedFiles);
    // A quiet retry that fails the same way again has nothing new to say.
    if (quiet && this.#lastErrors.get(file) === line) return false;
    this.#lastErrors.set(file, line);
    log.error(line, detail);
    this.#events.emit("hotload:error", { error: failure.error, file: failure.location?.file ?? failure.where ?? changedFiles[0] });
    return true;
  }
}

/** A syntax error found by parsing the failing file itself (not a link error naming another). */
function isOwnSyntaxError(failure: UpdateFailure): boolean {
  return failure.error instanceof SyntaxError && failure.location?.message?.startsWith("SyntaxError") === true && failure.blame?.file === failure.location.file;
}
