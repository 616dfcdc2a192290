/**
 * The link between a hot child (`node --import hotload`) and the `hotload` supervisor: the
 * messages both send, and how they travel.
 *
 * The link is an IPC pipe of its own at {@link LINK_FD}, which the program never sees: not Node's
 * IPC channel (`process.send`, `process.connected`, `process.disconnect()` stay undefined, as under
 * plain node), so that a program that forks, or detaches from a parent, is not affected. It is an
 * IPC pipe, not a plain one, because listening sockets travel on it (SCM_RIGHTS): the supervisor
 * holds every socket the program listens on and hands it to the next process
 * (src/command/sockets.ts, loader/sockets.ts). On it, both ends speak Node's own IPC
 * protocol (one JSON message per line, a handle sent with a `NODE_HANDLE` message and
 * acknowledged), so that the supervisor's end is a plain `ChildProcess` channel; every message is
 * `{ cmd: LINK_COMMAND, ... }`, which Node hands to `internalMessage` listeners. The supervisor sets
 * `HOTLOAD_SUPERVISOR` (env.ts) to the descriptor; the child deletes it from its environment at once.
 */

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
  readonly reason:
    "unaccepted" | "declined" | "invalidated" | "invalidation-cycle" | "in-place-failed" | "in-place-threw" | "in-place-refused";
  /** Absolute path of the file whose change could not be applied. */
  readonly file: string;
  /** Absolute paths from the changed file up to the module that stopped propagation. */
  readonly chain: readonly string[];
}

/** Files the child has loaded as hot modules (sent in batches, each path once). */
interface FilesMessage {
  readonly hotload: "files";
  /** Absolute paths. */
  readonly files: readonly string[];
}

/** The program called `ready()` from `hotload/api`: it may take over from the previous run. */
interface ReadyMessage {
  readonly hotload: "ready";
}

/** The program's entry has finished evaluating: a program that never listens is ready then. */
interface EvaluatedMessage {
  readonly hotload: "evaluated";
}

/**
 * The program listens on `key` (see loader/sockets.ts for keys). Sent with the listening socket's
 * handle when this process bound it itself; without one when it took the socket the supervisor
 * handed it.
 */
interface ListeningMessage {
  readonly hotload: "listening";
  readonly key: string;
}

/** The program closed the server listening on `key` itself: the supervisor lets the socket go. */
interface ReleasedMessage {
  readonly hotload: "released";
  readonly key: string;
}

/** A retiring process has stopped listening and its connections have ended. */
interface RetiredMessage {
  readonly hotload: "retired";
}

/**
 * The program received SIGINT or SIGTERM (it listens for it: Node delivered it to `process.emit`),
 * from wherever it came: a terminal or a process group signals the program as it signals the
 * supervisor, which then does not pass its own on.
 */
interface SignalMessage {
  readonly hotload: "signal";
  readonly signal: "SIGINT" | "SIGTERM";
}

/** Every message a child may send. */
export type ChildMessage =
  RestartMessage | FilesMessage | ReadyMessage | EvaluatedMessage | ListeningMessage | ReleasedMessage | RetiredMessage | SignalMessage;

/**
 * The supervisor's first message to a child: `count` sockets follow, one `socket` message each,
 * with its handle. The child's program starts once it has them all.
 */
interface SocketsMessage {
  readonly hotload: "sockets";
  readonly count: number;
}

/** A listening socket the supervisor holds (the handle comes with the message). */
interface SocketMessage {
  readonly hotload: "socket";
  readonly key: string;
}

/** A new process has taken over: stop listening, let connections finish. */
interface RetireMessage {
  readonly hotload: "retire";
}

/**
 * The supervisor let the socket on `key` go (the program listens elsewhere now): a copy the child
 * got and never listened on is closed too.
 */
interface DropMessage {
  readonly hotload: "drop";
  readonly key: string;
}

/** Every message the supervisor may send. */
type SupervisorMessage = SocketsMessage | SocketMessage | RetireMessage | DropMessage;

/**
 * The `cmd` of every message on the link. NODE_-prefixed: Node's IPC code hands such messages to
 * `internalMessage` listeners, never to a `message` listener.
 */
export const LINK_COMMAND = "NODE_HOTLOAD";

/** Where the loader leaves, on globalThis, the function that sends {@link ReadyMessage}. */
export const READY_SLOT = "hotload.ready";

/**
 * Where the loader leaves, on globalThis, the promise loader/index.ts awaits before the program
 * runs: the supervisor has handed over the sockets it holds. It resolves to the function that
 * sends {@link EvaluatedMessage}.
 */
export const START_SLOT = "hotload.start";

const CHILD_KINDS: ReadonlySet<string> = new Set(["restart", "files", "ready", "evaluated", "listening", "released", "retired", "signal"]);
const SUPERVISOR_KINDS: ReadonlySet<string> = new Set(["sockets", "socket", "retire", "drop"]);

/** `message` as it travels on the link. */
export function wire(message: ChildMessage | SupervisorMessage): { readonly cmd: string } {
  return { cmd: LINK_COMMAND, ...message };
}

/** The child's message in what arrived on the link, or undefined when it is none. */
export function childMessage(value: unknown): ChildMessage | undefined {
  return kindOf(value, CHILD_KINDS) ? (value as ChildMessage) : undefined;
}

/** The supervisor's message in what arrived on the link, or undefined when it is none. */
export function supervisorMessage(value: unknown): SupervisorMessage | undefined {
  return kindOf(value, SUPERVISOR_KINDS) ? (value as SupervisorMessage) : undefined;
}

function kindOf(value: unknown, kinds: ReadonlySet<string>): boolean {
  if (typeof value !== "object" || value === null) return false;
  const { cmd, hotload } = value as { cmd?: unknown; hotload?: unknown };
  return cmd === LINK_COMMAND && typeof hotload === "string" && kinds.has(hotload);
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
