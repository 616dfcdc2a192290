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

/** The program called `ready()` from `hotload/api`: it may take over from the previous run. */
export interface ReadyMessage {
  readonly hotload: "ready";
}

/** Every message a child may send. */
export type ChildMessage = RestartMessage | FilesMessage | ReadyMessage;

/**
 * The `cmd` of the supervisor's message telling a cluster worker to retire (loader/cluster.ts).
 * NODE_-prefixed: Node hands such messages to its own `internalMessage` listeners, so the
 * program's `process.on("message")` never sees it.
 */
export const RETIRE_COMMAND = "NODE_HOTLOAD_RETIRE";

/** Where the loader leaves, on globalThis, the function that sends {@link ReadyMessage}. */
export const READY_SLOT = "hotload.ready";

/** True when `value` is a message from a hot child. */
export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== "object" || value === null) return false;
  const kind = (value as { hotload?: unknown }).hotload;
  return kind === "restart" || kind === "files" || kind === "ready";
}
