/**
 * What asks for an update, as a closed union: each kind says where it comes from, and what is
 * said about it follows from the kind (see reporter.ts), not from flags the request carries.
 */
import type { InvalidationChain } from "./invalidation.js";

/** An `import.meta.hot.invalidate()` call. */
export interface Invalidation {
  readonly url: string;
  readonly message: string | undefined;
  readonly chain: InvalidationChain;
}

/** One queued update. */
export type UpdateRequest =
  /** Saves the watcher settled, with each file's size then (see TouchedBatch). A touch that changed nothing is not said. */
  | { readonly kind: "save"; readonly files: readonly string[]; readonly sizes: ReadonlyMap<string, number> }
  /** `update()` of the API: its result is said, whatever it is. */
  | { readonly kind: "api"; readonly files: readonly string[] }
  /** A module called `import.meta.hot.invalidate()`: its importers update. */
  | { readonly kind: "invalidate"; readonly invalidated: Invalidation }
  /**
   * A quiet try again of content (or an invalidation) that failed before, after an update that
   * succeeded: heard only when it runs new code, or fails in a way not said before.
   */
  | { readonly kind: "retry"; readonly files: readonly string[]; readonly invalidated?: Invalidation | undefined }
  /** hotload's own look at files (a require() got an instance that is not the file's): an update if they changed. */
  | { readonly kind: "look"; readonly files: readonly string[] };

/** The files `request` names (an invalidation names none: its module's content did not change). */
export function requestedFiles(request: UpdateRequest): readonly string[] {
  return request.kind === "invalidate" ? [] : request.files;
}

/** The invalidate() call `request` comes from, if it does. */
export function invalidationOf(request: UpdateRequest): Invalidation | undefined {
  return request.kind === "invalidate" || request.kind === "retry" ? request.invalidated : undefined;
}
