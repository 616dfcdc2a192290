/**
 * Failure isolation and the retry policy. A failed update is tried again without the changed files
 * it comes from, so that the other edits apply and a second broken file gets its own report; the
 * files held back wait in the retry set, tried again quietly after the next update that succeeds
 * (it may be what they waited for: a new export, a fixed import), or when a file they wait for
 * that is not in the graph is saved. What is said about failures is the reporter's (reporter.ts):
 * this finds what to say.
 */
import { fileOf } from "../modules/scope.js";
import type { Invalidation } from "../update/request.js";
import type { ModuleRegistry } from "../modules/registry.js";
import type { Reporter, UpdateReport } from "../update/reporter.js";
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
export interface HeldInvalidation extends Invalidation {
  /** The version of `url` that called it: a newer one makes it moot. */
  readonly version: number;
}

/**
 * The failed files of this process, and what to say about them. The one owner of the retry set,
 * the files awaited and the invalidations held back: the rest of the engine tells it what
 * happened (failed, passed, inGraph, holdInvalidation) and asks it to retry.
 */
export class Failures {
  /** Files whose last update failed: tried again after the next update that succeeds. */
  readonly #retry = new Set<string>();
  /** Files not in the graph that failed updates wait for (missing, or broken when first imported). */
  readonly #awaited = new Set<string>();
  readonly #watch: (file: string) => void;
  readonly #registry: ModuleRegistry;
  readonly #reporter: Pick<Reporter, "missing">;
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
    reporter: Pick<Reporter, "missing">,
    watch: { add(file: string): void; remove(file: string): void },
    retryQuietly: (files: readonly string[]) => void,
    retryInvalidation: (held: HeldInvalidation) => void,
  ) {
    this.#registry = registry;
    this.#reporter = reporter;
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
  isolate(
    failure: UpdateFailure,
    remaining: readonly string[],
    invalidator: string | undefined,
    invalidatedBy: (id: string) => readonly string[] | undefined,
  ): Isolation {
    const rest =
      failure.blame === undefined || invalidator !== undefined
        ? remaining
        : up().withoutBlamed(remaining, failure.blame, this.#registry.fileOf, invalidatedBy);
    const last = rest.length === 0 || rest.length === remaining.length;
    // What this failure keeps from applying besides the file it is blamed on: their own errors
    // are not known yet (they wait in the retry set).
    const held = (last ? remaining : remaining.filter((id) => !rest.includes(id))).filter(
      (id) => this.#registry.get(id)?.file !== failure.blame?.file,
    );
    const heldFiles = [...new Set(held.map((id) => this.#registry.get(id)?.file ?? fileOf(id)))].filter(
      (file) => file !== failure.location?.file,
    );
    return { rest, last, held, heldFiles };
  }

  /**
   * Has `report` say `failure` and the syntax errors of the modules it holds back. A file that
   * does not parse fails the same way whatever else changes: only its next save is worth a try,
   * not every later update. Returns whether anything was said.
   */
  async report(
    failure: UpdateFailure,
    isolation: Isolation,
    files: readonly string[],
    contents: ReadonlyMap<string, Buffer>,
    report: UpdateReport,
  ): Promise<boolean> {
    let said = report.failure(failure, isolation.heldFiles, files);
    if (failure.blame && isOwnSyntaxError(failure)) this.#retry.delete(failure.blame.file);
    for (const id of isolation.held) said = (await this.#reportSyntaxError(id, contents.get(id), report)) || said;
    return said;
  }

  /** A file of the graph was deleted or cannot be read: said once, until it can be read again. */
  reportMissing(file: string, what: string): void {
    for (const id of this.#registry.idsOf(file) ?? []) if (this.#registry.missing(id)) this.#reporter.missing(file, what);
  }

  /**
   * Has `report` say the syntax error of a module held back by another module's failure, so that
   * no broken file goes unmentioned while what blocks it is fixed. (Link and evaluation errors
   * need the real load.) Returns whether it was said.
   */
  async #reportSyntaxError(id: string, content: Buffer | undefined, report: UpdateReport): Promise<boolean> {
    const record = this.#registry.get(id);
    if (!record || !content) return false;
    const text = content.toString();
    const location = await up().findSyntaxError(text, id, record.format);
    if (!location) return false;
    this.#retry.delete(record.file);
    const error = new SyntaxError(location.message.replace(/^SyntaxError: /, ""));
    return report.failure({ error, location, source: text, evaluating: false }, [], [record.file]);
  }
}

/** A syntax error found by parsing the failing file itself (not a link error naming another). */
function isOwnSyntaxError(failure: UpdateFailure): boolean {
  return (
    failure.error instanceof SyntaxError &&
    failure.location?.message?.startsWith("SyntaxError") === true &&
    failure.blame?.file === failure.location.file
  );
}
