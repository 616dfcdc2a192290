/**
 * hotload's environment variables: every `HOTLOAD_*` name, and what its value means, in this one
 * module. {@link hotloadEnv} reads this process's once, when first asked (the log asks as it
 * loads, before the program's first line); the others take their values from it. The command
 * writes a child's variables with the same names (command/launch-spec.ts). Two files of the
 * loader read their one variable themselves, since they run before this module loads:
 * loader/index.ts (`HOTLOAD_HOT`) and loader/code-cache.ts (`HOTLOAD_CODE_CACHE`).
 */

/**
 * How much hotload prints: `silent`, `info` (the default), `timings` (info, and where each update's
 * time went: see update/timings.ts) or `debug` (all of it).
 */
const LOG_ENV = "HOTLOAD_LOG";
/** `0`: report the files loaded to the command, update nothing (set by `hotload --no-hot`). */
export const HOT_ENV = "HOTLOAD_HOT";
/** Comma-separated files or folders (absolute, or relative to the working directory) kept cold. */
export const IGNORE_ENV = "HOTLOAD_IGNORE";
/** Poll files every that many ms instead of using the OS's watches. */
export const POLL_ENV = "HOTLOAD_POLL";
/** A fixed settle time (ms) on every watch event, for writers that pause within one save. */
const SETTLE_ENV = "HOTLOAD_SETTLE_MS";
/** How long an update waits for one handler (ms). */
export const HANDLER_TIMEOUT_ENV = "HOTLOAD_HANDLER_TIMEOUT_MS";
/** `0` (or `false`, `off`, `no`): no in-place updates. */
const IN_PLACE_ENV = "HOTLOAD_IN_PLACE";
/** The file descriptor of the command's link, set by the command for its app (src/shared/link.ts). */
export const SUPERVISOR_ENV = "HOTLOAD_SUPERVISOR";
/**
 * The pid of the first process of a tree that ran hotload, handed to the processes a program
 * starts (log.ts; the program never sees it). Empty or unset: this process is the first.
 */
export const FIRST_PROCESS_ENV = "HOTLOAD_FIRST_PID";

/** How much hotload prints. */
export type LogLevel = "silent" | "info" | "timings" | "debug";

/** What the variables say; undefined where a variable is unset or not understood. */
export interface HotloadEnv {
  readonly log: LogLevel;
  readonly ignore: readonly string[];
  /** A positive polling interval. */
  readonly pollMs: number | undefined;
  /** A settle time of 0 or more. */
  readonly settleMs: number | undefined;
  /** A positive wait. */
  readonly handlerTimeoutMs: number | undefined;
  readonly inPlace: boolean;
  readonly supervisor: string | undefined;
  readonly firstPid: string | undefined;
}

/** What the variables of `env` say. */
export function readEnv(env: NodeJS.ProcessEnv): HotloadEnv {
  const log = env[LOG_ENV];
  const inPlace = env[IN_PLACE_ENV]?.trim().toLowerCase();
  return {
    log: log === "silent" || log === "debug" || log === "timings" || log === "info" ? log : "info",
    ignore: (env[IGNORE_ENV] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    pollMs: positive(Number(env[POLL_ENV])),
    settleMs: atLeastZero(Number(env[SETTLE_ENV])),
    handlerTimeoutMs: positive(Number(env[HANDLER_TIMEOUT_ENV])),
    inPlace: inPlace !== "0" && inPlace !== "false" && inPlace !== "off" && inPlace !== "no",
    supervisor: env[SUPERVISOR_ENV],
    firstPid: env[FIRST_PROCESS_ENV],
  };
}

function positive(value: number): number | undefined {
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

function atLeastZero(value: number): number | undefined {
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

let own: HotloadEnv | undefined;

/** What this process's variables say, read once. */
export function hotloadEnv(): HotloadEnv {
  return (own ??= readEnv(process.env));
}
