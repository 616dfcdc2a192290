/**
 * hotload's one error type. Messages say what happened, to which file, and what to do next, and
 * start with `[hotload]` so they are recognisable wherever they surface.
 */
export class HotloadError extends Error {
  /** The file the error is about, when there is one. */
  readonly file: string | undefined;

  constructor(message: string, options: { file?: string; cause?: unknown } = {}) {
    super(`[hotload] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HotloadError";
    this.file = options.file;
  }
}
