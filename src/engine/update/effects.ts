/**
 * The engine's effects in a real process: import(), require.cache, the clock, the log (what the
 * reporter prints through, see reporter.ts) and the file watcher. Unit tests pass fakes instead (see test/unit/transaction.test.ts).
 */
import * as log from "../../shared/log.js";
import { DEFAULT_WATCHER_OPTIONS, Watcher, type TouchedBatch } from "../../watch/watcher.js";
import { requirableModule, requireCache } from "../commonjs/commonjs.js";
import type { SchedulerEffects } from "./schedule.js";
import type { Log } from "./reporter.js";
import { dynamicImport } from "../../shared/dynamic-import.js";
import { UpdateTimings } from "./timings.js";
import { EntryEvaluation } from "../hot/entry-evaluation.js";

/** The files a runtime watches. */
export interface WatchedFiles {
  add(file: string): void;
  remove(file: string): void;
}

/** Everything a runtime does to the world outside the engine. */
export interface RuntimeEffects extends SchedulerEffects {
  /**
   * Starts watching: `onBatch` gets settled saves; `differs(file)` tells whether a file holds
   * something else than what was loaded (undefined: not a module of the graph).
   */
  watch(
    onBatch: (batch: TouchedBatch) => Promise<void>,
    differs: (file: string) => boolean | undefined,
    touchedWhileBusy?: () => void,
  ): WatchedFiles;
  readonly log: Log;
  /** The entry Node ran, an ES module, before any update ran it again: how its evaluation ends counts at exit (see hot/entry-evaluation.ts). */
  entryStarted?(url: string): void;
}

/**
 * The effects of a real process. `entryFailed`: the entry's top level failed after its update was
 * applied (see hot/entry-evaluation.ts).
 */
export function nodeEffects(entryFailed: (file: string, error: unknown) => void = () => {}): RuntimeEffects {
  const now = (): number => performance.now();
  const entry = new EntryEvaluation(process, entryFailed);
  // Measured only when the log would say it.
  const timings = log.timed ? new UpdateTimings(now) : undefined;
  return {
    importModule: (url, json) => {
      const load = (): Promise<Record<string, unknown>> => (json ? dynamicImport(url, { with: { type: "json" } }) : dynamicImport(url));
      return timings ? timings.program(load) : load();
    },
    requireCache,
    requirable: requirableModule,
    entryReplaced: (running) => entry.replaced(running),
    // The same module instance as Node's entry: an import of it settles as its evaluation does.
    entryStarted: (url) => entry.first(dynamicImport(url)),
    now,
    timings,
    log,
    watch: (onBatch, differs, touchedWhileBusy) =>
      new Watcher(onBatch, (error) => log.error(`watcher error: ${String(error)}`), DEFAULT_WATCHER_OPTIONS, differs, { touchedWhileBusy }),
  };
}
