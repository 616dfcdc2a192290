/**
 * Scheduling: updates are queued so that two never run at once (Vite's `queueUpdate`). Each one
 * finds which of its files changed (changes.ts), runs the update transaction (transaction.ts), and
 * settles its outcome: a result for `update()`, the `on("update")` listeners and the
 * `hotload:afterUpdate` event, a log line, a restart request to the supervisor.
 */
import { HotloadError } from "../../shared/errors.js";
import type { RestartMessage } from "../../shared/link.js";
import * as log from "../../shared/log.js";
import type { TouchedBatch } from "../../watch/watcher.js";
import { findChanges } from "../modules/changes.js";
import type { Events } from "../hot/events.js";
import type { Failures, HeldInvalidation } from "../failure/failures.js";
import { extendChain, type InvalidationChain } from "./invalidation.js";
import { fileOf } from "../modules/scope.js";
import type { TransactionEffects, TransactionHost, TransactionOutcome } from "./transaction.js";
import { loadUpdatePath, updatePath as up } from "./update-path.js";
import type { UpdateOutcome, UpdateResult } from "./update-result.js";

/** Where the runtime reports to a supervisor (see loader/link.ts). */
export interface RuntimeNotifier {
  filesLoaded(files: readonly string[]): void;
  restartNeeded(reason: RestartMessage["reason"], file: string, chain: readonly string[]): void;
}

/** What the scheduler does to the world besides the transaction's effects. */
export interface SchedulerEffects extends TransactionEffects {
  /** The clock of update durations (ms). */
  now(): number;
}

/** One queued update. */
interface UpdateRequest {
  readonly files: readonly string[];
  /** From the watcher: a touch that changed nothing is not an update worth announcing. */
  readonly quietIfUnchanged?: boolean;
  /** From the watcher: each file's size when it was settled (see TouchedBatch). */
  readonly sizes?: ReadonlyMap<string, number>;
  /** Try again files whose content failed before (a later update may have made them good). */
  readonly retryFailed?: boolean;
  readonly invalidated?: { readonly url: string; readonly message: string | undefined; readonly chain: InvalidationChain };
}

/** How one update settles a result: said to listeners unless it is quiet (see {@link UpdateScheduler}). */
type Finish = (partial: UpdateOutcome, files: readonly string[] | undefined, said?: boolean) => UpdateResult;

/** A settled update, or the changed modules to try again without the failure just reported. */
type Settled = { readonly result: UpdateResult; readonly rest?: never } | { readonly result?: undefined; readonly rest: readonly string[] };

/** The update queue of one runtime. */
export class UpdateScheduler {
  readonly #host: TransactionHost;
  readonly #effects: SchedulerEffects;
  readonly #failures: Failures;
  readonly #events: Events;
  readonly #notifier: RuntimeNotifier | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #gates = 0;
  /** While accept callbacks run: the invalidations that led to their update (see invalidation.ts). */
  #invalidationChain: InvalidationChain | undefined;

  constructor(
    parts: Omit<TransactionHost, "nextGateId" | "accepting">,
    failures: Failures,
    events: Events,
    notifier: RuntimeNotifier | undefined,
    effects: SchedulerEffects,
  ) {
    this.#host = { ...parts, nextGateId: () => ++this.#gates, accepting: (chain) => (this.#invalidationChain = chain), emit: (event, payload) => events.emit(event, payload) };
    this.#failures = failures;
    this.#events = events;
    this.#notifier = notifier;
    this.#effects = effects;
  }

  /** Applies an update for `files` (absolute paths) as if they had been saved. Queued. */
  update(files: readonly string[]): Promise<UpdateResult> {
    return this.#enqueue(() => this.#apply({ files }));
  }

  /** `url` called `import.meta.hot.invalidate()`: its importers update. Queued. */
  invalidate(url: string, message: string | undefined): void {
    const chain = extendChain(this.#invalidationChain, url);
    void this.#enqueue(() => this.#apply({ files: [], invalidated: { url, message, chain } }));
  }

  /**
   * One more, quiet, try of an invalidation a failure held back, unless the module that called it
   * has been evaluated again since (its new version says what it wants). Queued.
   */
  retryInvalidation(held: HeldInvalidation): void {
    void this.#enqueue(async () => {
      if (this.#host.versions.current(held.url) !== held.version || !this.#host.registry.get(held.url)) return undefined;
      return this.#apply({ files: [], retryFailed: true, quietIfUnchanged: true, invalidated: held });
    });
  }

  /** A look at `files()` (asked when its turn comes): an update if they changed, else quiet. Queued. */
  look(files: () => readonly string[]): void {
    void this.#enqueue(() => this.#apply({ files: files(), quietIfUnchanged: true }));
  }

  /** A quiet try of files whose content failed before. Queued. */
  retryQuietly(files: readonly string[]): void {
    void this.#enqueue(() => this.#apply({ files, retryFailed: true, quietIfUnchanged: true }));
  }

  /** Saves the watcher settled. */
  async onBatch(batch: TouchedBatch): Promise<void> {
    await loadUpdatePath();
    for (const file of batch.deleted) this.#failures.reportMissing(file, "was deleted");
    if (batch.changed.length === 0) return;
    log.debug(`looking at ${batch.changed.map(log.displayPath).join(", ")}`);
    const awaited = this.#failures.awaitedIn(batch.changed);
    await this.#enqueue(() => this.#apply({ files: batch.changed, quietIfUnchanged: true, sizes: batch.sizes }));
    if (awaited) this.#failures.retryFailed();
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(loadUpdatePath, loadUpdatePath).then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #apply(request: UpdateRequest): Promise<UpdateResult> {
    const started = this.#effects.now();
    const files = [...new Set(request.files)];
    let changedFiles: readonly string[] = files;
    const finish: Finish = (partial, only, said = false) => {
      const result: UpdateResult = { files: only ?? changedFiles, ...partial, durationMs: this.#effects.now() - started };
      if (result.status === "unchanged" && request.quietIfUnchanged) return result;
      // A quiet retry is heard only when it applied, or failed in a way not reported before.
      if (result.status !== "updated" && request.retryFailed && !said) return result;
      this.#events.settled(result);
      return result;
    };
    const { registry, tracker } = this.#host;
    const { changed, contents, previous, cameBack } = findChanges(request, files, {
      idsOf: (file) => registry.idsOf(file),
      record: (id) => registry.get(id)!,
      inGraph: (id) => tracker.graph.get(id) !== undefined,
      reportMissing: (file, what) => this.#failures.reportMissing(file, what),
      retry: this.#failures.retry,
    });
    const invalidator = request.invalidated?.url;
    if (invalidator !== undefined && !changed.includes(invalidator)) changed.push(invalidator);
    if (changed.length === 0) {
      log.debug(`unchanged: ${files.map(log.displayPath).join(", ")}`);
      if (cameBack && !request.retryFailed) this.#failures.retryFailed();
      return finish({ status: "unchanged", reevaluated: [], boundaries: [] }, undefined);
    }
    changedFiles = this.#filesOf(changed);
    if (request.invalidated && !request.retryFailed) {
      const why = request.invalidated.message ? `: ${request.invalidated.message}` : "";
      log.info(`${log.displayPath(fileOf(request.invalidated.url))} invalidated itself${why}`);
    }
    // A failure is tried again without the changed files it comes from: the other edits apply,
    // and a second broken file gets its own report. Those left out wait in the retry set.
    let remaining: readonly string[] = changed;
    for (;;) {
      const mine = new Map([...contents].filter(([id]) => remaining.includes(id)));
      const input = { changed: remaining, contents: mine, previous, invalidator, chain: request.invalidated?.chain, quiet: request.retryFailed === true };
      const outcome = await new (up().UpdateTransaction)(this.#host, this.#effects, input).run();
      const settled = await this.#settle(outcome, request, started, remaining, mine, finish);
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
    started: number,
    remaining: readonly string[],
    contents: ReadonlyMap<string, Buffer>,
    finish: Finish,
  ): Promise<Settled> {
    const quiet = request.retryFailed === true;
    const files = this.#filesOf(remaining);
    switch (outcome.kind) {
      case "dead-end": {
        const { chain, reason } = outcome;
        const shown = chain.map(log.displayPath).join(" → ");
        const what = log.displayPath(chain[0]!);
        // Under the command, its restart line is the one line for this event.
        const say = this.#notifier ? log.debug : log.warn;
        if (outcome.refused !== undefined) {
          say(`cannot update ${what} in place: ${outcome.refused}`);
          this.#notifier?.restartNeeded("in-place-refused", chain[0]!, chain);
          return { result: finish({ status: reason, reevaluated: [], boundaries: [], chain }, files) };
        } else if (reason === "declined") {
          say(`cannot hot-update ${what}: ${log.displayPath(chain[chain.length - 1]!)} declined updates (${shown}); restart needed, the previous version keeps running`);
        } else {
          say(`cannot hot-update ${what}: nothing accepts it (${shown}); restart needed, the previous version keeps running`);
        }
        this.#notifier?.restartNeeded(request.invalidated !== undefined && reason === "unaccepted" ? "invalidated" : reason, chain[0]!, chain);
        return { result: finish({ status: reason, reevaluated: [], boundaries: [], chain }, files) };
      }
      case "cycle": {
        const { chain, back } = outcome;
        log.warn(`cannot hot-update ${log.displayPath(fileOf(back))}: invalidate() came back to it round an import cycle (${chain.map(log.displayPath).join(" → ")}); restart needed`);
        this.#notifier?.restartNeeded("invalidation-cycle", fileOf(back), chain);
        return { result: finish({ status: "unaccepted", reevaluated: [], boundaries: [], chain }, files) };
      }
      case "rolled-back":
        return this.#rolledBack(outcome, request, remaining, files, contents, finish);
      case "applied": {
        for (const id of contents.keys()) {
          const record = this.#host.registry.get(id);
          if (!record) continue;
          record.failed = undefined;
          this.#failures.retry.delete(record.file);
        }
        const shownFiles = files.map(log.displayPath).join(", ");
        const shownBoundaries = [...new Set(outcome.boundaries)].map(log.displayPath).join(", ");
        const ms = (this.#effects.now() - started).toFixed(1);
        // Files that failed before may have waited for this update (an export it adds, a file it
        // brings back). The new code runs even when a handler threw, so they get their try then too.
        if (!quiet) this.#failures.retryFailed();
        const { reevaluated, boundaries, handlerErrors } = outcome;
        let result: UpdateResult;
        if (handlerErrors.length > 0) {
          log.error(`update of ${shownFiles} failed: ${handlerErrors.length} handler(s) threw (the new code is running)`);
          // New code runs: even a quiet retry is heard.
          result = finish({ status: "failed", reevaluated, boundaries, error: handlerErrors[0] }, files, true);
        } else {
          log.success(`updated ${shownFiles} → ${shownBoundaries} in ${ms} ms`);
          result = finish({ status: "updated", reevaluated, boundaries }, files);
        }
        this.#events.emit("hotload:afterUpdate", result);
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
    remaining: readonly string[],
    files: readonly string[],
    contents: ReadonlyMap<string, Buffer>,
    finish: Finish,
  ): Promise<Settled> {
    // A quiet retry that rolls back never announced itself (see announcement.ts): it stays quiet.
    const quiet = request.retryFailed === true;
    const { failure } = outcome;
    for (const id of contents.keys()) {
      const record = this.#host.registry.get(id);
      if (record) this.#failures.retry.add(record.file);
    }
    for (const file of outcome.awaits) this.#failures.await(file);
    const { invalidated } = request;
    if (invalidated) this.#failures.invalidations.set(invalidated.url, { ...invalidated, version: this.#host.versions.current(invalidated.url) });
    const isolation = this.#failures.isolate(failure, remaining, request.invalidated?.url, this.#invalidatedBy);
    const said = await this.#failures.report(failure, isolation, files, contents, quiet);
    const result = finish({ status: "failed", reevaluated: outcome.reevaluated, boundaries: outcome.boundaries, error: failure.error }, files, said);
    if (!quiet) this.#events.emit("hotload:afterUpdate", result);
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
