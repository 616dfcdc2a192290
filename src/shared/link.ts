/**
 * The link between a hot child (`node --import hotload`) and the `hotload` supervisor: the
 * messages the child sends, and how they travel.
 *
 * Not Node's IPC channel: that one is the program's (`process.send`, `process.disconnect()`, a
 * `disconnect` listener), and a program that closes it must not lose hotload with it (issue 10).
 * The supervisor gives the child one extra stdio pipe at {@link LINK_FD} and sets
 * {@link SUPERVISOR_ENV} to that number; the child writes one JSON message per line to it. Without
 * the variable (or without the pipe) the child sends nothing.
 */
import type { Readable } from "node:stream";

/** Environment variable the supervisor sets to the link's file descriptor, as a decimal number. */
export const SUPERVISOR_ENV = "HOTLOAD_SUPERVISOR";

/**
 * The child's file descriptor of the link: the stdio slot after stdin, stdout and stderr (the
 * supervisor's `stdio` array has the pipe at this index).
 */
export const LINK_FD = 3;

/** The child cannot apply a change in place: the supervisor should restart it. */
export interface RestartMessage {
  readonly hotload: "restart";
  /** Why: nothing accepted the change, a module declined it, `invalidate()` reached the entry,
   * `invalidate()` came back round an import cycle, an in-place update failed after the old
   * versions were stopped, or one was refused (the old version started child processes). */
  readonly reason: "unaccepted" | "declined" | "invalidated" | "invalidation-cycle" | "in-place-failed" | "in-place-refused";
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
function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== "object" || value === null) return false;
  const kind = (value as { hotload?: unknown }).hotload;
  return kind === "restart" || kind === "files" || kind === "ready";
}

/** A message as it travels on the link: one line of JSON (JSON escapes every newline inside). */
export function encodeMessage(message: ChildMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * The link's file descriptor from the child's environment value, or undefined when the child is
 * not supervised (unset, the `1` of older supervisors that used Node's IPC channel, or garbage).
 */
export function linkFdFrom(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const fd = Number(value);
  return fd > 2 ? fd : undefined;
}

/**
 * Calls `onMessage` with every message that arrives on the supervisor's end of the link. Lines
 * that are not messages are ignored; a line cut short by the child's death is dropped.
 */
export function readMessages(stream: Readable, onMessage: (message: ChildMessage) => void): void {
  let buffer = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffer += chunk;
    let at: number;
    while ((at = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      const message = parse(line);
      if (message) onMessage(message);
    }
  });
  // ECONNRESET and the like when the child dies: its exit is reported by the process anyway.
  stream.on("error", () => {});
}

function parse(line: string): ChildMessage | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return isChildMessage(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
