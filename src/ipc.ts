/**
 * The messages a hot child (`node --import hotload`) sends to the `hotload` supervisor over the
 * Node IPC channel. The supervisor sets {@link SUPERVISOR_ENV} to "1" in the child's environment;
 * without it (or without an IPC channel) the child sends nothing.
 */

/** Environment variable the supervisor sets so the child knows someone is listening. */
export const SUPERVISOR_ENV = "HOTLOAD_SUPERVISOR";

/** The child cannot apply a change in place: the supervisor should restart it. */
export interface RestartMessage {
  readonly hotload: "restart";
  /** Why: nothing accepted the change, a module declined it, `invalidate()` reached the entry, or
   * an in-place update failed after the old versions were stopped. */
  readonly reason: "unaccepted" | "declined" | "invalidated" | "in-place-failed";
  /** Absolute path of the file whose change could not be applied. */
  readonly file: string;
  /** Absolute paths from the changed file up to the module that stopped propagation. */
  readonly chain: readonly string[];
}

/** Files the child has loaded as hot modules (sent in batches, each path once). */
export interface FilesMessage {
  readonly hotload: "files";
  /** Absolute paths. */
  readonly files: readonly string[];
}

/** Every message a child may send. */
export type ChildMessage = RestartMessage | FilesMessage;

/** True when `value` is a message from a hot child. */
export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== "object" || value === null) return false;
  const kind = (value as { hotload?: unknown }).hotload;
  return kind === "restart" || kind === "files";
}
