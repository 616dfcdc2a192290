/**
 * The reporter: everything hotload tells about updates, in one place. Every `[hotload]` line of an
 * update or a failure, the `hotload:*` events, the `on("update")` listeners and the restart
 * requests to the supervisor. The scheduler and the transaction hand it facts (what asked for the
 * update, how it ended); whether anything is said, and what, is decided here. The runtime makes
 * one, with the log it is given (as Vite hands `HMRClient` its logger): unit tests pass a fake.
 *
 * Its two rules: each failure is said once (a quiet retry that fails the same way says nothing),
 * and a quiet retry is heard only when it runs new code (or fails in a way not said before).
 */
import { HotloadError } from "../../shared/errors.js";
import { HANDLER_TIMEOUT_ENV } from "../../shared/env.js";
import type { RestartMessage } from "../../shared/link.js";
import { displayPath, type DebugMessage } from "../../shared/log.js";
import type { BeforeUpdateEvent, HotEvents } from "../../hot-types.js";
import { describe, failureReport, stackOf, type ReportedFailure } from "../failure/report.js";
import { fileOf } from "../modules/scope.js";
import type { HandlerKind } from "./handlers.js";
import { invalidationOf, type UpdateRequest } from "./request.js";
import type { TransactionOutcome } from "./transaction-types.js";
import { splitLine, type UpdateSplit } from "./timings.js";
import type { UpdateResult } from "./update-result.js";
import { lateLine } from "./unsettled.js";

/** Where lines go (src/shared/log.ts in a real process). */
export interface Log {
  info(message: string): void;
  success(message: string): void;
  warn(message: string): void;
  error(message: string, detail?: string): void;
  debug(message: DebugMessage): void;
  /** Where an update's time went (only when updates are timed). */
  timing(message: string): void;
}

/** Where the runtime reports to a supervisor (see loader/link.ts). */
export interface RuntimeNotifier {
  filesLoaded(files: readonly string[]): void;
  restartNeeded(reason: RestartMessage["reason"], file: string, chain: readonly string[]): void;
  /** Calls `run` as the process is about to end, with no listener the program would count (loader/link.ts). */
  beforeEnd?(run: () => void): void;
}

/** Where events go (see hot/events.ts). */
interface EventSink {
  emit<E extends keyof HotEvents>(event: E, payload: HotEvents[E]): void;
  /** The `on("update")` listeners. */
  settled(result: UpdateResult): void;
}

/** Everything said about updates in one runtime. */
export class Reporter {
  readonly #log: Log;
  readonly #events: EventSink;
  readonly #notifier: RuntimeNotifier | undefined;
  /** The last error line said per file (a quiet retry does not repeat it). */
  readonly #lastErrors = new Map<string, string>();

  constructor(log: Log, events: EventSink, notifier: RuntimeNotifier | undefined) {
    this.#log = log;
    this.#events = events;
    this.#notifier = notifier;
  }

  /** What is said about the update `request` asked for, from its start to its result. */
  update(request: UpdateRequest): UpdateReport {
    return new UpdateReport(request, this.#log, this.#events, this.#notifier, (failure, held, changedFiles, quiet) =>
      this.#failure(failure, held, changedFiles, quiet),
    );
  }

  /** The watcher settled saves of `files`. */
  looking(files: readonly string[]): void {
    this.#log.debug(() => `looking at ${files.map(displayPath).join(", ")}`);
  }

  /**
   * An in-place update of `file` failed after the old versions stopped, and they could not all get
   * back what they had: the command restarts the program; without it, the user is told once.
   */
  inPlaceFailed(file: string, chain: readonly string[]): void {
    if (this.#notifier) this.#notifier.restartNeeded("in-place-failed", file, chain);
    else
      this.#log.warn(
        `in-place update of ${displayPath(file)} failed after its old version stopped: restart to be sure (the next good save is applied in place)`,
      );
  }

  /**
   * The entry `file` was applied while its top level still waited, and that wait failed later with
   * `error`: the program's own failure, as a restarted program's would be (Node would end it). The
   * old version is gone by then: the command restarts the program; without it, the user is told.
   */
  entryFailed(file: string, error: unknown): void {
    const stack = stackOf(error);
    this.#log.error(`${displayPath(file)} failed at its top level after its update was applied: ${describe(error)}`, stack || undefined);
    this.#events.emit("hotload:error", { error, file });
    if (this.#notifier) this.#notifier.restartNeeded("in-place-failed", file, [file]);
    else this.#log.warn(`restart to be sure: ${displayPath(file)} stopped part way (the next good save is applied in place)`);
  }

  /**
   * An in-place update of `file` failed as its new code ran, and the old versions run on (said as
   * a failure already): under the command, a fresh process tries the new code.
   */
  threwInPlace(file: string, chain: readonly string[]): void {
    this.#notifier?.restartNeeded("in-place-threw", file, chain);
  }

  /** The file of a module is deleted or cannot be read (`what`): said once per module, until it can be read again. */
  missing(file: string, what: string): void {
    this.#log.error(`${file} ${what} — the previous version keeps running`);
    this.#events.emit("hotload:error", { error: new HotloadError("file-missing", `${file} ${what}`, { file }), file });
  }

  /** A `kind` handler of the module `file` threw `error` (it is reported as a failure of the update). */
  handlerThrew(kind: HandlerKind, file: string, error: unknown): void {
    this.#log.error(`${kind} handler of ${file} threw: ${describe(error)}`, stackOf(error));
    this.#events.emit("hotload:error", { error, file });
  }

  /** A `kind` handler of `file` has not settled after `ms`: the update goes on. */
  handlerLate(kind: HandlerKind, file: string, ms: number): void {
    this.#log.warn(
      `${kind} handler of ${displayPath(file)} has not settled after ${ms} ms: the update goes on without waiting for it (${HANDLER_TIMEOUT_ENV} sets the wait)`,
    );
  }

  /** A `kind` handler of `file` the update stopped waiting for failed. */
  handlerFailedLate(kind: HandlerKind, file: string, error: unknown): void {
    this.#log.error(`${kind} handler of ${displayPath(file)} failed after the update went on: ${describe(error)}`, stackOf(error));
  }

  /**
   * Says `failure`, with the changed files it keeps from applying (`held`), unless `quiet` and
   * said before for its file. Returns whether it was said.
   */
  #failure(failure: ReportedFailure, held: readonly string[], changedFiles: readonly string[], quiet: boolean): boolean {
    const { line, detail, file } = failureReport(failure, held, changedFiles);
    // A quiet retry that fails the same way again has nothing new to say.
    if (quiet && this.#lastErrors.get(file) === line) return false;
    this.#lastErrors.set(file, line);
    this.#log.error(line, detail);
    this.#events.emit("hotload:error", { error: failure.error, file: failure.location?.file ?? failure.where ?? changedFiles[0] });
    return true;
  }
}

/** What is said about one update: made by {@link Reporter.update}. */
export class UpdateReport {
  readonly #request: UpdateRequest;
  readonly #log: Log;
  readonly #events: EventSink;
  readonly #notifier: RuntimeNotifier | undefined;
  readonly #sayFailure: (failure: ReportedFailure, held: readonly string[], changedFiles: readonly string[], quiet: boolean) => boolean;
  readonly #quiet: boolean;
  /** `hotload:beforeUpdate` of the transaction under way, until it is sent. */
  #before: BeforeUpdateEvent | undefined;

  constructor(
    request: UpdateRequest,
    log: Log,
    events: EventSink,
    notifier: RuntimeNotifier | undefined,
    sayFailure: (failure: ReportedFailure, held: readonly string[], changedFiles: readonly string[], quiet: boolean) => boolean,
  ) {
    this.#request = request;
    this.#log = log;
    this.#sayFailure = sayFailure;
    this.#events = events;
    this.#notifier = notifier;
    this.#quiet = request.kind === "retry";
  }

  debug(message: DebugMessage): void {
    this.#log.debug(message);
  }

  /** The update's new code is still evaluating after `ms` (a quiet retry says it too: it holds every later save). */
  late(file: string, ms: number): void {
    this.#log.warn(lateLine(file, ms));
  }

  /** None of `files` holds anything new. */
  unchanged(files: readonly string[]): void {
    this.#log.debug(() => `unchanged: ${files.map(displayPath).join(", ")}`);
  }

  /** `file` is being saved again since the watcher settled it: its next batch takes it. */
  savedAgain(file: string): void {
    this.#log.debug(() => `${displayPath(file)} is being saved again: its next batch takes it`);
  }

  /** The update of an invalidate() call found what to update. */
  invalidating(): void {
    const invalidated = invalidationOf(this.#request);
    if (!invalidated || this.#quiet) return;
    const why = invalidated.message ? `: ${invalidated.message}` : "";
    this.#log.info(`${displayPath(fileOf(invalidated.url))} invalidated itself${why}`);
  }

  /**
   * A transaction planned `payload`: announced now (`hotload:beforeUpdate`), or, for a quiet
   * retry, once its new code runs: until then it may fail as it did before, and then it says
   * nothing. An announced retry ran new code, so its result is heard too: listeners see every
   * update that ran new code as a pair.
   */
  planned(payload: BeforeUpdateEvent): void {
    this.#before = payload;
    if (!this.#quiet) this.running();
  }

  /** The transaction's new code runs (before it prunes and calls accept handlers): announced now, if not before. */
  running(): void {
    const payload = this.#before;
    if (payload === undefined) return;
    this.#before = undefined;
    this.#events.emit("hotload:beforeUpdate", payload);
  }

  /** Nothing accepts the change, or a module declined it, or in place refused it: a restart is needed. */
  deadEnd(outcome: Extract<TransactionOutcome, { kind: "dead-end" }>): void {
    const { chain, reason } = outcome;
    const log = this.#log;
    const shown = chain.map(displayPath).join(" → ");
    const what = displayPath(chain[0]!);
    // Under the command, its restart line is the one line for this event.
    const say = this.#notifier ? (m: string) => log.debug(m) : (m: string) => log.warn(m);
    if (outcome.refused !== undefined) {
      say(`cannot update ${what} in place: ${outcome.refused}`);
      this.#notifier?.restartNeeded("in-place-refused", chain[0]!, chain);
      return;
    } else if (reason === "declined") {
      say(
        `cannot hot-update ${what}: ${displayPath(chain[chain.length - 1]!)} declined updates (${shown}); restart needed, the previous version keeps running`,
      );
    } else {
      say(`cannot hot-update ${what}: nothing accepts it (${shown}); restart needed, the previous version keeps running`);
    }
    this.#notifier?.restartNeeded(
      invalidationOf(this.#request) !== undefined && reason === "unaccepted" ? "invalidated" : reason,
      chain[0]!,
      chain,
    );
  }

  /** An accept callback's invalidate() came back round an import cycle: a restart is needed. */
  cycle(outcome: Extract<TransactionOutcome, { kind: "cycle" }>): void {
    const { chain, back } = outcome;
    this.#log.warn(
      `cannot hot-update ${displayPath(fileOf(back))}: invalidate() came back to it round an import cycle (${chain.map(displayPath).join(" → ")}); restart needed`,
    );
    this.#notifier?.restartNeeded("invalidation-cycle", fileOf(back), chain);
  }

  /**
   * The new code of `files` runs, taken by `boundaries`, after `durationMs`; `handlerErrors`: what
   * its handlers threw (said as they threw); `split`: where its time went, when measured;
   * `running`: the entry, whose top level still waits (see unsettled.ts). Returns whether it must
   * be heard even if quiet.
   */
  applied(
    files: readonly string[],
    boundaries: readonly string[],
    durationMs: number,
    handlerErrors: number,
    split?: UpdateSplit,
    running?: string,
  ): boolean {
    const shownFiles = files.map(displayPath).join(", ");
    if (split) this.#log.timing(splitLine(split));
    if (handlerErrors > 0) {
      this.#log.error(`update of ${shownFiles} failed: ${handlerErrors} handler(s) threw (the new code is running)`);
      // New code runs: even a quiet retry is heard.
      return true;
    }
    const shownBoundaries = [...new Set(boundaries)].map(displayPath).join(", ");
    const waits = running === undefined ? "" : `; ${displayPath(running)} waits at a top-level await, as after a start`;
    this.#log.success(`updated ${shownFiles} → ${shownBoundaries} in ${durationMs.toFixed(1)} ms${waits}`);
    return false;
  }

  /**
   * Says a failure of this update, with the changed files it keeps from applying (`held`), once:
   * a quiet retry does not repeat a line said before for its file. Returns whether it was said.
   */
  failure(failure: ReportedFailure, held: readonly string[], changedFiles: readonly string[]): boolean {
    return this.#sayFailure(failure, held, changedFiles, this.#quiet);
  }

  /**
   * The update settled `result` (`said`: something new was said about it): the `on("update")`
   * listeners hear it, except for a touch that changed nothing, and a quiet retry that did not
   * apply and said nothing new.
   */
  settled(result: UpdateResult, said: boolean): void {
    if (result.status === "unchanged" && this.#request.kind !== "api" && this.#request.kind !== "invalidate") return;
    if (result.status !== "updated" && this.#quiet && !said) return;
    this.#events.settled(result);
  }

  /** `hotload:afterUpdate` for an update that ran (a quiet retry that rolled back never announced itself, so stays quiet). */
  after(result: UpdateResult, rolledBack: boolean): void {
    if (rolledBack && this.#quiet) return;
    this.#events.emit("hotload:afterUpdate", result);
  }
}
