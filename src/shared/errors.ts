/**
 * hotload's one error type, for everything users and API callers are handed: a method of
 * `import.meta.hot` or of `hotload/api` called wrongly, the API used outside hotload, a hot
 * module's file gone. Messages say what happened, to which file, and what to do next, and start
 * with `[hotload]` so they are recognisable wherever they surface; `code` says which case it is,
 * for code that handles them (as Node's `ERR_*` codes do). Errors of the program itself (a syntax
 * error in a saved file, a throwing dispose handler) are reported as they are, never wrapped.
 */

/**
 * Which case a {@link HotloadError} is. A closed set: a new case is a new member here.
 * - `"not-running"`: `hotload/api` was called in a process that hotload does not run (start it
 *   with `node --import hotload` or the `hotload` command).
 * - `"invalid-argument"`: a method of `import.meta.hot`, `swappable()` or `hotload/api` was given
 *   an argument it does not take; the message says what it takes.
 * - `"not-a-project-module"`: `importFresh()` was asked for a package or a builtin, which are
 *   shared, never hot; or `update()` for a file that holds no module of the program.
 * - `"file-missing"`: the file of a hot module was deleted or cannot be read; the previous version
 *   keeps running (the error of a `hotload:error` event, or of `update()`; `file` names it).
 * - `"internal"`: a bug in hotload itself; please report it with the message.
 */
export type HotloadErrorCode = "not-running" | "invalid-argument" | "not-a-project-module" | "file-missing" | "internal";

/**
 * What marks a HotloadError. hotload's loader is bundled apart from `hotload/api`, so the program
 * holds two copies of this class: `instanceof` asks for the mark, not the copy.
 */
const MARK = Symbol.for("hotload.HotloadError");

/** An error hotload raises itself; see {@link HotloadErrorCode} for the cases. */
export class HotloadError extends Error {
  /** Whether `value` is a HotloadError made by any copy of this class. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && MARK in value;
  }

  /** Which case this is. */
  readonly code: HotloadErrorCode;
  /** The file the error is about, when there is one. */
  readonly file: string | undefined;

  /** `message` without the `[hotload]` prefix, which is added. */
  constructor(code: HotloadErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(`[hotload] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HotloadError";
    Object.defineProperty(this, MARK, { value: true });
    this.code = code;
    this.file = options.file;
  }
}
