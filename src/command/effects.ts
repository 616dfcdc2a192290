/**
 * What the supervisor (supervisor.ts) acts on the world with: the app's processes, its own file
 * watches, the clock and the log. Each is a parameter, the real one by default, so that its rules
 * are unit-tested with fakes (test/unit/supervisor.test.ts).
 */
import { snapshot, watchFiles, watchGlobs } from "./watch.js";
import { debug, error, info, warn } from "../shared/log.js";
import { systemClock, type Clock } from "../shared/clock.js";
import { processLaunch, type Launch } from "./run.js";

/** The command's own file watches (watch.ts). */
export interface CommandWatches {
  readonly files: typeof watchFiles;
  readonly globs: typeof watchGlobs;
  /** What the files hold now, to compare with once a watch is ready. */
  readonly snapshot: typeof snapshot;
}

/** Where the supervisor's `[hotload]` lines go (shared/log.ts). */
export interface CommandLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What the supervisor acts on the world with; each defaults to the real one. */
export interface SupervisorEffects {
  /** Starts the app's processes and signals them. */
  readonly launch?: Launch;
  readonly watch?: CommandWatches;
  readonly clock?: Clock;
  readonly log?: CommandLog;
}

/** `effects`, with the real processes, watches, clock and log for those not given. */
export function withDefaults(effects: SupervisorEffects): Required<SupervisorEffects> {
  return {
    launch: effects.launch ?? processLaunch,
    watch: effects.watch ?? { files: watchFiles, globs: watchGlobs, snapshot },
    clock: effects.clock ?? systemClock,
    log: effects.log ?? { debug, info, warn, error: (message) => error(message) },
  };
}
