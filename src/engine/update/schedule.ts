/**
 * Scheduling: updates are queued so that two never run at once (Vite's `queueUpdate`). Each one
 * finds which of its files changed (changes.ts), runs the update transaction (transaction.ts), and
 * settles its outcome: a result for `update()`, and the facts the reporter tells (reporter.ts:
 * the `on("update")` listeners, `hotload:afterUpdate`, the lines, a restart request).
 */
import { HotloadError } from "../../shared/errors.js";
import type { TouchedBatch } from "../../watch/watcher.js";
import { findChanges } from "../modules/changes.js";
import type { Failures, HeldInvalidation } from "../failure/failures.js";
import { extendChain, type InvalidationChain } from "./invalidation.js";
import { fileOf } from "../modules/scope.js";
import type { Reporter, UpdateReport } from "./reporter.js";
import { invalidationOf, requestedFiles, type UpdateRequest } from "./request.js";
import type { TransactionEffects, TransactionHost, TransactionOutcome } from "./transaction-types.js";
import { loadUpdatePath, updatePath as up } from "./update-path.js";
import type { UpdateOutcome, UpdateResult } from "./update-result.js";

/** What the scheduler does to the world besides the transaction's effects. */
export interface SchedulerEffects extends TransactionEffects {
  /** The clock of update durations (ms). */
  now(): number;
}

/** How one update settles a result, and tells it (`said`: something new was said about it; see reporter.ts). */
type Finish = (partial: UpdateOutcome, files: readonly string[] | undefined, said?: boolean) => UpdateResult;

/** A settled update, or the changed modules to try again without the failure just reported. */
type Settled = { readonly result: UpdateResult; readonly rest?: never } | { readonly result?: undefined; readonly rest: readonly string[] };

/** The update queue of one runtime. */
export class UpdateScheduler {
  readonly #host: TransactionHost;
  readonly #effects: SchedulerEffects;
  readonly #failures: Failures;
  readonly #reporter: Reporter;
  #queue: Promise<unknown> = Promise.resolve();
  #gates = 0;
  /** Settled by the next save, for the transaction that waits on it (see unsettled.ts). */
  #newer: { readonly promise: Promise<void>; resolve(): void } | undefined;
  /** While accept callbacks run: the invalidations that led to their update (see invalidation.ts). */
  #invalidationChain: InvalidationChain | undefined;

  constructor(
    parts: Omit<TransactionHost, "nextGateId" | "accepting" | "superseded">,
    failures: Failures,
    reporter: Reporter,
    effects: SchedulerEffects,
  ) {
    this.#host = {
      ...parts,
      nextGateId: () => ++this.#gates,
      accepting: (chain) => (this.#invalidationChain = chain),
      superseded: () => (this.#newer ??= deferred()).promise,
    };
    this.#failures = failures;
    this.#reporter = reporter;
    this.#effects = effects;
  }

  /** Applies an update for `files` (absolute paths) as if they had been saved. Queued. */
  update(files: readonly string[]): Promise<UpdateResult> {
    return this.#enqueue(() => this.#apply({ kind: "api", files }));
  }

  /** `url` called `import.meta.hot.invalidate()`: its importers update. Queued. */
  invalidate(url: string, message: string | undefined): void {
    const chain = extendChain(this.#invalidationChain, url);
    void this.#enqueue(() => this.#apply({ kind: "invalidate", invalidated: { url, message, chain } }));
  }

  /**
   * One more, quiet, try of an invalidation a failure held back, unless the module that called it
   * has been evaluated again since (its new version says what it wants). Queued.
   */
  retryInvalidation(held: HeldInvalidation): void {
    void this.#enqueue(async () => {
      if (this.#host.versions.current(held.url) !== held.version || !this.#host.registry.get(held.url)) return undefined;
      return this.#apply({ kind: "retry", files: [], invalidated: held });
    });
  }

  /** A look at `files()` (asked when its turn comes): an update if they changed, else quiet. Queued. */
  look(files: () => readonly string[]): void {
    void this.#enqueue(() => this.#apply({ kind: "look", files: files() }));
  }

  /** A quiet try of files whose content failed before. Queued. */
  retryQuietly(files: readonly string[]): void {
    void this.#enqueue(() => this.#apply({ kind: "retry", files }));
  }

  /** A file was saved while an update runs (the watcher brings it once that update is over). */
  newerSave(): void {
    this.#newer?.resolve();
    this.#newer = undefined;
  }

  /** Saves the watcher settled. */
  async onBatch(batch: TouchedBatch): Promise<void> {
    await loadUpdatePath();
    for (const file of batch.deleted) this.#failures.reportMissing(file, "was deleted");
    if (batch.changed.length === 0) return;
    this.#reporter.looking(batch.changed);
    const awaited = this.#failures.awaitedIn(batch.changed);
    await this.#enqueue(() => this.#apply({ kind: "save", files: batch.changed, sizes: batch.sizes }));
    if (awaited) this.#failures.retryFailed();
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(loadUpdatePath, loadUpdatePath).then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #apply(request: UpdateRequest): Promise<UpdateResult> {
    const started = this.#effects.now();
    this.#effects.timings?.reset();
    const files = [...new Set(requestedFiles(request))];
    const report = this.#reporter.update(request);
    let changedFiles: readonly string[] = files;
    const finish: Finish = (partial, only, said = false) => {
      const result: UpdateResult = { files: only ?? changedFiles, ...partial, durationMs: this.#effects.now() - started };
      report.settled(result, said);
      return result;
    };
    const { registry, tracker } = this.#host;
    const { changed, contents, previous, cameBack } = findChanges(request, files, {
      idsOf: (file) => registry.idsOf(file),
      record: (id) => registry.get(id)!,
      inGraph: (id) => tracker.graph.get(id) !== undefined,
      reportMissing: (file, what) => this.#failures.reportMissing(file, what),
      back: (id) => registry.back(id),
      savedBack: (id) => registry.savedBack(id),
      passed: (file) => this.#failures.passed(file),
      savedAgain: (file) => report.savedAgain(file),
    });
    const invalidated = invalidationOf(request);
    const invalidator = invalidated?.url;
    if (invalidator !== undefined && !changed.includes(invalidator)) changed.push(invalidator);
    if (changed.length === 0) {
      report.unchanged(files);
      if (cameBack && request.kind !== "retry") this.#failures.retryFailed();
      return finish({ status: "unchanged", reevaluated: [], boundaries: [] }, undefined);
    }
    changedFiles = this.#filesOf(changed);
    report.invalidating();
    // A failure is tried again without the changed files it comes from: the other edits apply,
    // and a second broken file gets its own report. Those left out wait in the retry set.
    let remaining: readonly string[] = changed;
    for (;;) {
      const mine = new Map([...contents].filter(([id]) => remaining.includes(id)));
      const input = { changed: remaining, contents: mine, previous, invalidator, chain: invalidated?.chain };
      const outcome = await new (up().UpdateTransaction)(this.#host, this.#effects, input, report).run();
      const settled = await this.#settle(outcome, request, report, started, remaining, mine, finish);
      if (settled.result !== undefined) return settled.result;
      remaining = settled.rest;
    }
  }

  /**
   * What one transaction's outcome means: the result of the update, or, after a failure that
   * left other changed modules worth a try without it, those modules.
   */
  async #settle(
    outcome: TransactionOutcome,
    request: UpdateRequest,
    report: UpdateReport,
    started: number,
    remaining: readonly string[],
    contents: ReadonlyMap<string, Buffer>,
    finish: Finish,
  ): Promise<Settled> {
    const files = this.#filesOf(remaining);
    switch (outcome.kind) {
      case "dead-end": {
        const { chain, reason } = outcome;
        report.deadEnd(outcome);
        return { result: finish({ status: reason, reevaluated: [], boundaries: [], chain }, files) };
      }
      case "cycle": {
        report.cycle(outcome);
        return { result: finish({ status: "unaccepted", reevaluated: [], boundaries: [], chain: outcome.chain }, files) };
      }
      case "rolled-back":
        return this.#rolledBack(outcome, request, report, remaining, files, contents, finish);
      case "applied": {
        for (const id of contents.keys()) {
          const record = this.#host.registry.get(id);
          if (!record) continue;
          this.#host.registry.applied(id);
          this.#failures.passed(record.file);
        }
        const durationMs = this.#effects.now() - started;
        // Files that failed before may have waited for this update (an export it adds, a file it
        // brings back). The new code runs even when a handler threw, so they get their try then too.
        if (request.kind !== "retry") this.#failures.retryFailed();
        const { reevaluated, boundaries, handlerErrors } = outcome;
        const split = this.#effects.timings?.split(durationMs);
        const heard = report.applied(files, boundaries, durationMs, handlerErrors.length, split, outcome.running);
        const result =
          handlerErrors.length > 0
            ? finish({ status: "failed", reevaluated, boundaries, error: handlerErrors[0] }, files, heard)
            : finish({ status: "updated", reevaluated, boundaries }, files);
        report.after(result, false);
        return { result };
      }
      default:
        return unreachable(outcome);
    }
  }

  /** A roll-back: the failure is reported, and the changed modules it does not hold back get another try. */
  async #rolledBack(
    outcome: Extract<TransactionOutcome, { kind: "rolled-back" }>,
    request: UpdateRequest,
    report: UpdateReport,
    remaining: readonly string[],
    files: readonly string[],
    contents: ReadonlyMap<string, Buffer>,
    finish: Finish,
  ): Promise<Settled> {
    const { failure } = outcome;
    for (const id of contents.keys()) {
      const record = this.#host.registry.get(id);
      if (record) this.#failures.failed(record.file);
    }
    for (const file of outcome.awaits) this.#failures.await(file);
    const invalidated = invalidationOf(request);
    if (invalidated) this.#failures.holdInvalidation({ ...invalidated, version: this.#host.versions.current(invalidated.url) });
    const isolation = this.#failures.isolate(failure, remaining, invalidated?.url, this.#invalidatedBy);
    const said = await this.#failures.report(failure, isolation, files, contents, report);
    const result = finish(
      { status: "failed", reevaluated: outcome.reevaluated, boundaries: outcome.boundaries, error: failure.error },
      files,
      said,
    );
    report.after(result, true);
    return isolation.last ? { result } : { rest: isolation.rest };
  }

  /** The files of `ids`; a module pruned by the update that changed it has no record left. */
  #filesOf(ids: readonly string[]): string[] {
    return [...new Set(ids.map((id) => this.#host.registry.get(id)?.file ?? fileOf(id)))];
  }

  /** The modules an update of `id` alone would re-evaluate (undefined: it cannot be applied). */
  readonly #invalidatedBy = (id: string): readonly string[] | undefined => {
    const plan = up().propagate([id], this.#host.view);
    return plan.kind === "update" ? plan.invalidated : undefined;
  };
}

function unreachable(outcome: never): never {
  throw new HotloadError("internal", `internal error: an update ended in an unknown way (${JSON.stringify(outcome)})`);
}

function deferred(): { readonly promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
