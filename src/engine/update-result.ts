/**
 * How an update ended: the one shape that `update()` resolves to, `on("update")` listeners get and
 * the `hotload:afterUpdate` event carries.
 */

/** How an update ended. */
export type UpdateStatus = "updated" | "unaccepted" | "declined" | "failed" | "unchanged";

/** The settled outcome of one update. */
export interface UpdateResult {
  /** `updated`: applied; `unaccepted`/`declined`: needs a restart, nothing ran; `failed`: an error
   * (the previous version keeps running, or a callback threw); `unchanged`: no content changed. */
  readonly status: UpdateStatus;
  /** Absolute paths of the files the update was about. */
  readonly files: readonly string[];
  /** Absolute paths of the modules evaluated again, in evaluation order. */
  readonly reevaluated: readonly string[];
  /** Absolute paths of the modules that accepted the update. */
  readonly boundaries: readonly string[];
  /** For `unaccepted` and `declined`: from the changed file up to where propagation stopped. */
  readonly chain?: readonly string[];
  /** What went wrong, for `failed`. */
  readonly error?: unknown;
  /** Time from the start of the update to its end. */
  readonly durationMs: number;
}

/** An update result before its files and duration are known to whoever settles it. */
export type UpdateOutcome = Omit<UpdateResult, "durationMs" | "files">;
