/**
 * Why the `hotload` command starts the app again, how it says so on its `[hotload]` line, and
 * whether the file behind a cause was saved after a given run started (a restart requested while
 * another is under way is done again only then).
 */
import { statSync } from "node:fs";
import type { RestartMessage } from "../shared/link.js";
import { displayPath } from "../shared/log.js";

/** Why the app is started again. */
export type RestartCause =
  /** The app asked: an update it could not apply in place. */
  | { readonly kind: "child"; readonly message: RestartMessage }
  /** A file the supervisor watches changed. */
  | { readonly kind: "change"; readonly file: string }
  /** The user asked (`SIGHUP`, `rs`). */
  | { readonly kind: "request"; readonly via: string }
  /** The app died after a save (`how`: "crashed with exit code 1"). */
  | { readonly kind: "died"; readonly how: string };

/** A restart's cause, for the `[hotload]` line. */
export function describe(cause: RestartCause): string {
  switch (cause.kind) {
    case "change":
      return `${displayPath(cause.file)} changed`;
    case "request":
      return `restart requested (${cause.via})`;
    case "child": {
      const { file, reason, chain } = cause.message;
      switch (reason) {
        case "unaccepted":
          return `${displayPath(file)} changed and nothing accepts it`;
        case "declined": {
          const decliner = chain.at(-1);
          return decliner && decliner !== file
            ? `${displayPath(decliner)} declined the change to ${displayPath(file)}`
            : `${displayPath(file)} declined its change`;
        }
        case "invalidated":
          return `${displayPath(file)} called invalidate() and it reached the entry`;
        case "invalidation-cycle":
          return `${displayPath(file)} called invalidate() and it came back round an import cycle`;
        case "in-place-failed":
          return `the in-place update of ${displayPath(file)} failed`;
        case "in-place-threw":
          return `the new code of ${displayPath(file)} failed as it ran again in place: a fresh process tries it`;
        case "in-place-refused":
          return `${displayPath(file)} changed, and what its old version started (child processes) cannot be retired in place`;
        default:
          return reason satisfies never;
      }
    }
    case "died":
      return `the program ${cause.how} after a change`;
    default:
      return cause satisfies never;
  }
}

/** True when the file behind `cause` was saved after `time` (wall clock). */
export function savedAfter(cause: RestartCause, time: number): boolean {
  switch (cause.kind) {
    case "change":
      return modifiedAfter(cause.file, time);
    case "child":
      return modifiedAfter(cause.message.file, time);
    case "request":
    case "died":
      return false;
    default:
      return cause satisfies never;
  }
}

/** True when `file` was modified after `time` (wall clock); false when it cannot be read. */
export function modifiedAfter(file: string, time: number): boolean {
  try {
    return statSync(file).mtimeMs > time;
  } catch {
    return false;
  }
}
