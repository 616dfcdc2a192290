/**
 * Watches exactly the files in the module graph and reports batches of touched files.
 *
 * chokidar keeps the watch set and tells adds and unlinks; its `change` events are throttled to
 * one per 50 ms per file (with a trailing replay), too slow for a save-to-code time of a few
 * milliseconds, so its unthrottled `raw` events also wake us. Either way a touch only schedules a
 * look: the runtime compares content hashes, so a duplicate wake costs one read.
 *
 * Protection against torn writes (an editor that truncates, then writes):
 * - a file is read at once after its event (every file touched by then goes into one batch),
 *   unless more events keep arriving for it with its size moving: a writer that writes in parts
 *   is waited for until it has been quiet for {@link WatcherOptions.settleMs} (see watch/settle.ts);
 * - a file found empty that was not empty before is held for {@link WatcherOptions.emptyHoldMs}:
 *   the write that usually follows replaces it; if none comes, the empty file is real.
 *
 * Saves no event reported are looked for (whether a file changed is decided in watch/changed.ts):
 * a file handed over before its watch was in effect is compared with what was loaded from it once
 * the watch is; a file whose size moved while its batch was handled, with no event since, gets
 * another look once the batch is done.
 *
 * The watcher never keeps the process alive: chokidar runs with `persistent: false` and every
 * timer is unref'd.
 */
import type { ChokidarOptions, FSWatcher } from "chokidar";
import { statSync } from "../shared/fs.js";
import { join, resolve } from "node:path";
import { systemClock, type Clock, type Timer } from "../shared/clock.js";
import { FALLBACK_POLL_MS, isWatchFailure, pollingOptions, sayPolling } from "./polling.js";
import { hotloadEnv } from "../shared/env.js";
import { settleDelay, whenReady } from "./settle.js";
import { needsAnotherLook, needsLook } from "./changed.js";
import { dynamicImport } from "../shared/dynamic-import.js";

/** Tuning knobs; the defaults are what the benchmarks were measured with. */
export interface WatcherOptions {
  /** Quiet time a file being written in parts (events with its size moving) must keep (ms). */
  readonly settleMs: number;
  /** Delay before a file is looked at after any other event (ms; 0: at once). */
  readonly quickMs: number;
  /** How long a file that became empty is held, waiting for the write that follows (ms). */
  readonly emptyHoldMs: number;
  /** How long a vanished file is given to come back (editors that delete, then create) (ms). */
  readonly unlinkHoldMs: number;
  /** After a truncation, how long the write that follows may take to report its end (ms). */
  readonly writeWaitMs: number;
  /** Poll files every that many ms instead of using the OS's watches (`HOTLOAD_POLL`). */
  readonly pollMs?: number | undefined;
}

/**
 * Default tuning. `HOTLOAD_SETTLE_MS` sets a fixed settle time on every event instead (for
 * writers that pause between the parts of one save).
 */
export const DEFAULT_WATCHER_OPTIONS: WatcherOptions = {
  settleMs: Math.max(3, hotloadEnv().settleMs ?? 3),
  quickMs: hotloadEnv().settleMs ?? 0,
  // The write that ends the hold usually comes within a millisecond, but a writer descheduled
  // between its truncation and its write can take longer on a busy machine: with 80 ms, one
  // single-write save in 176 ran empty in the benchmark at load 12 on 2 cores. Only a file that
  // stays empty waits this long.
  emptyHoldMs: 250,
  unlinkHoldMs: 40,
  writeWaitMs: 2000,
  pollMs: hotloadEnv().pollMs,
};

/** chokidar's `watch` (or a fake of it). */
export type WatchFunction = (paths: string[], options: ChokidarOptions) => FSWatcher;

/** What the watcher acts on the world with; each defaults to the real one. */
interface WatcherEffects {
  /** Loads chokidar's `watch` (default: chokidar, imported on first use). */
  readonly watch?: () => Promise<WatchFunction>;
  readonly clock?: Clock;
  /** A watched file was touched while a batch was being handled (it waits for that batch to end). */
  readonly touchedWhileBusy?: () => void;
}

/** chokidar is loaded only when the first file is watched, after the program's first modules ran: it costs ~25 ms. */
function loadChokidar(): Promise<WatchFunction> {
  return (dynamicImport("chokidar") as Promise<typeof import("chokidar")>).then(({ watch }) => watch);
}

/** A batch of files that need a look. */
export interface TouchedBatch {
  /** Files that exist now (their content may or may not have changed). */
  readonly changed: readonly string[];
  /** Files that are gone. */
  readonly deleted: readonly string[];
  /**
   * The size of each changed file when the batch was made. The handler may read a file later (the
   * batch may wait for an update to finish): a file whose size moved since is being saved again,
   * and that save gets a batch of its own.
   */
  readonly sizes: ReadonlyMap<string, number>;
}

/** Receives a batch; the next batch waits until the returned promise settles. */
type BatchHandler = (batch: TouchedBatch) => Promise<void>;

/** Watches the graph's files and hands batches of touched files to one handler, one at a time. */
export class Watcher {
  readonly #options: WatcherOptions;
  readonly #differs: ((file: string) => boolean | undefined) | undefined;
  readonly #handler: BatchHandler;
  readonly #onError: (error: unknown) => void;
  readonly #watched = new Set<string>();
  readonly #pendingAdd = new Set<string>();
  #chokidar: FSWatcher | undefined;
  #starting: Promise<void> | undefined;
  /** Polling interval, once the OS ran out of watches or when asked to poll. */
  #pollMs: number | undefined;
  /** When each file not yet looked at after its watch was set up was handed to us (Date.now()). */
  readonly #addedAt = new Map<string, number>();
  readonly #touched = new Set<string>();
  /** When each touched file may be looked at (ms, monotonic). */
  readonly #due = new Map<string, number>();
  #settle: Timer | undefined;
  #immediate: unknown;
  #running: Promise<void> | undefined;
  readonly #touchedWhileBusy: (() => void) | undefined;
  /** Files held back: became empty, or vanished. Value: when the hold ends (ms, monotonic). */
  readonly #held = new Map<string, number>();
  readonly #sizes = new Map<string, number>();
  /** Size when last looked at: a file that grew since, with no event, is still being written. */
  readonly #probed = new Map<string, number | undefined>();
  /** When each file last had an event: a large file must be quiet for longer (see #flush). */
  readonly #lastEvent = new Map<string, number>();
  readonly #loadWatch: () => Promise<WatchFunction>;
  readonly #clock: Clock;

  /**
   * `differs` tells whether a file holds something else than what was loaded from it (undefined
   * when it cannot tell): asked of each file once its watch is set up, since a save before that
   * made no event. Without an answer, a file modified shortly before it was handed over is looked at.
   */
  constructor(
    handler: BatchHandler,
    onError: (error: unknown) => void,
    options: WatcherOptions = DEFAULT_WATCHER_OPTIONS,
    differs?: (file: string) => boolean | undefined,
    effects: WatcherEffects = {},
  ) {
    this.#loadWatch = effects.watch ?? loadChokidar;
    this.#clock = effects.clock ?? systemClock;
    this.#touchedWhileBusy = effects.touchedWhileBusy;
    this.#handler = handler;
    this.#differs = differs;
    this.#onError = onError;
    this.#options = options;
    this.#pollMs = options.pollMs;
  }

  /** Number of files watched (equals the number of hot files in the graph). */
  get size(): number {
    return this.#watched.size;
  }

  /** Starts watching `file`. Cheap: files are handed to chokidar in one batch, off the load path. */
  add(file: string): void {
    if (this.#watched.has(file)) return;
    this.#watched.add(file);
    this.#pendingAdd.add(file);
    // Wall-clock, to compare with file modification times (coarse on some file systems).
    this.#addedAt.set(file, this.#clock.wall());
    // Soon, without keeping the process alive for it (see shared/later.ts).
    if (this.#pendingAdd.size === 1) this.#clock.setTimeout(() => this.#flushAdds(), 0).unref();
  }

  /** Stops watching `file`. */
  remove(file: string): void {
    if (!this.#watched.delete(file)) return;
    this.#addedAt.delete(file);
    if (this.#pendingAdd.delete(file)) return;
    this.#chokidar?.unwatch(file);
    this.#sizes.delete(file);
    this.#held.delete(file);
  }

  /** Stops everything. */
  async close(): Promise<void> {
    this.#clock.clearTimeout(this.#settle);
    this.#clock.clearImmediate(this.#immediate);
    this.#watched.clear();
    this.#pendingAdd.clear();
    await this.#starting;
    await this.#chokidar?.close();
    this.#chokidar = undefined;
  }

  #flushAdds(): void {
    if (this.#pendingAdd.size === 0) return;
    if (!this.#chokidar) {
      this.#starting ??= this.#loadWatch().then(
        (watch) => this.#start(watch),
        (error: unknown) => this.#onError(error),
      );
      return;
    }
    const files = [...this.#pendingAdd];
    this.#pendingAdd.clear();
    this.#chokidar.add(files);
    // As for the first batch: a save before the new watches are in effect would be missed. Look
    // twice (a watch may take a while to set up); a look at an unchanged file costs one read.
    this.#clock.setTimeout(() => this.#lookAtRecent(files, false), 30).unref();
    this.#clock.setTimeout(() => this.#lookAtRecent(files, true), 300).unref();
  }

  #start(watch: WatchFunction): void {
    const files = [...this.#pendingAdd];
    this.#pendingAdd.clear();
    {
      // A save between a file's load and its watch being set up would be missed: look at every
      // file modified since it was loaded.
      const polling = pollingOptions(this.#pollMs);
      this.#chokidar = watch(files, { persistent: false, ignoreInitial: true, atomic: false, ...polling });
      this.#chokidar.once("ready", () => this.#lookAtRecent(files, true));
      this.#chokidar.on("all", (_event, path) => this.#touch(resolve(path)));
      this.#chokidar.on("raw", (_event, name, details) => {
        const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
        if (!watched) return;
        const path = this.#watched.has(watched) ? watched : typeof name === "string" ? join(watched, name) : undefined;
        if (path) this.#touch(path);
      });
      this.#chokidar.on("error", (error) => {
        // A watch failure once polling: the old watcher's late word on a file polled already.
        if (!isWatchFailure(error)) this.#onError(error);
        else if (this.#pollMs === undefined) this.#fallBackToPolling(watch, error);
      });
    }
    if (this.#pendingAdd.size > 0) this.#flushAdds();
  }

  /** A watch could not be set up (see isWatchFailure): every file is polled from now on (and a save meanwhile seen). */
  #fallBackToPolling(watch: WatchFunction, error: unknown): void {
    sayPolling(error);
    this.#pollMs = FALLBACK_POLL_MS;
    const old = this.#chokidar;
    this.#chokidar = undefined;
    void old?.close();
    const now = this.#clock.wall();
    for (const file of this.#watched) {
      this.#pendingAdd.add(file);
      if (!this.#addedAt.has(file)) this.#addedAt.set(file, now);
    }
    this.#start(watch);
  }

  /**
   * Touches the files among `files` modified since shortly before they were handed to us. The
   * runtime asks for a watch only after Node read the file (its graph work is deferred, and may
   * wait long on a busy machine), so the margin is generous: a file touched for nothing costs one
   * read and a content comparison.
   */
  #lookAtRecent(files: readonly string[], last: boolean): void {
    for (const file of files) {
      const added = this.#addedAt.get(file);
      if (added !== undefined && needsLook(this.#differs?.(file), mtimeOf(file), added)) this.#touch(file);
      if (last) this.#addedAt.delete(file);
    }
  }

  #touch(path: string): void {
    if (!this.#watched.has(path)) return;
    const now = this.#clock.now();
    const size = sizeOf(path);
    const last = this.#lastEvent.get(path);
    const previous = last === undefined ? undefined : { at: last, size: this.#probed.get(path) };
    const delay = settleDelay(previous, { at: now, size }, this.#options.settleMs, this.#options.quickMs);
    this.#touched.add(path);
    if (this.#running) this.#touchedWhileBusy?.();
    this.#probed.set(path, size);
    this.#lastEvent.set(path, now);
    this.#due.set(path, now + delay);
    // A fixed settle time (HOTLOAD_SETTLE_MS) is the quiet time of the whole batch, as users of it
    // expect: files saved within it of each other are one update, whatever their order.
    if (this.#options.quickMs > 0) for (const file of this.#touched) this.#due.set(file, Math.max(this.#due.get(file) ?? 0, now + delay));
    let next = Infinity;
    for (const file of this.#touched) next = Math.min(next, this.#due.get(file) ?? now);
    this.#arm(next - now);
  }

  #arm(ms: number): void {
    this.#clock.clearTimeout(this.#settle);
    this.#clock.clearImmediate(this.#immediate);
    this.#settle = undefined;
    this.#immediate = undefined;
    if (ms <= 0) {
      // Right after the events of this turn of the loop, so that one save's events make one
      // batch. Not unref'd (see later.ts: an unref'd immediate may wait for an unrelated event);
      // it runs at once and holds nothing.
      this.#immediate = this.#clock.setImmediate(() => void this.#flush());
      return;
    }
    this.#settle = this.#clock.setTimeout(() => void this.#flush(), ms);
    this.#settle.unref();
  }

  async #flush(): Promise<void> {
    // One batch at a time: touches during a running batch go next (re-armed when it settles).
    if (this.#running) return;
    const now = this.#clock.now();
    const changed: string[] = [];
    const deleted: string[] = [];
    const sizes = new Map<string, number>();
    let nextHold = Infinity;
    for (const file of this.#touched) {
      const due = this.#due.get(file) ?? now;
      if (now < due) {
        nextHold = Math.min(nextHold, due);
        continue;
      }
      const step = whenReady(
        {
          size: sizeOf(file),
          probed: this.#probed.get(file),
          lastEvent: this.#lastEvent.get(file),
          heldUntil: this.#held.get(file),
          lastSize: this.#sizes.get(file),
        },
        now,
        this.#options,
      );
      if (!step.ready) {
        if (step.hold !== undefined) this.#held.set(file, step.hold);
        if (step.probed !== undefined) this.#probed.set(file, step.probed);
        nextHold = Math.min(nextHold, step.until);
        continue;
      }
      const { size } = step;
      this.#held.delete(file);
      this.#touched.delete(file);
      this.#due.delete(file);
      if (size === undefined) {
        deleted.push(file);
        this.#sizes.delete(file);
      } else {
        changed.push(file);
        sizes.set(file, size);
        this.#sizes.set(file, size);
      }
    }
    if (nextHold !== Infinity) this.#arm(Math.max(1, nextHold - now));
    if (changed.length === 0 && deleted.length === 0) return;
    const run = this.#handler({ changed, deleted, sizes }).catch((error: unknown) => this.#onError(error));
    this.#running = run;
    await run;
    this.#running = undefined;
    // A save while the batch was handled is normally brought by its own event; one whose event
    // never came (its watch lapsed, an editor's rename) still gets a look once things settle.
    for (const [file, size] of sizes)
      if (this.#watched.has(file) && needsAnotherLook(size, sizeOf(file), this.#touched.has(file))) this.#touch(file);
    // Anything touched meanwhile goes next, as one batch.
    if (this.#touched.size > 0) this.#arm(0);
  }
}

function sizeOf(file: string): number | undefined {
  try {
    const stats = statSync(file);
    return stats.isFile() ? stats.size : undefined;
  } catch {
    return undefined;
  }
}

function mtimeOf(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
