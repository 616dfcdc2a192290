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
  watch(onBatch: (batch: TouchedBatch) => Promise<void>, differs: (file: string) => boolean | undefined): WatchedFiles;
  readonly log: Log;
}

/** The effects of a real process. */
export function nodeEffects(): RuntimeEffects {
  return {
    importModule: (url, json) => (json ? dynamicImport(url, { with: { type: "json" } }) : dynamicImport(url)),
    requireCache,
    requirable: requirableModule,
    now: () => performance.now(),
    log,
    watch: (onBatch, differs) =>
      new Watcher(onBatch, (error) => log.error(`watcher error: ${String(error)}`), DEFAULT_WATCHER_OPTIONS, differs),
  };
}
