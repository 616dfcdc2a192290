/**
 * Runs `fn` soon, without keeping the process alive for it.
 *
 * Not an unref'd setImmediate: with only unref'd immediates pending, Node stops the idle handle
 * that keeps libuv's poll from blocking, so in a quiet program (a server waiting on a long timer)
 * they run only after the next unrelated event, possibly never. An unref'd timer is part of the
 * poll timeout and fires whenever the program is still alive.
 */
export function later(fn: () => void): void {
  setTimeout(fn, 0).unref();
}

/** What {@link laterWhileRunning} looks at and waits with (a fake clock in unit tests). */
export interface RunningProcess {
  /** Whether something of the program's keeps the event loop alive (Node's own list of active resources). */
  alive(): boolean;
  /** An unref'd timer: it fires only while the program is alive anyway. */
  after(ms: number, fn: () => void): void;
}

const NODE: RunningProcess = {
  alive: () => process.getActiveResourcesInfo().length > 0,
  after: (ms, fn) => void setTimeout(fn, ms).unref(),
};

/**
 * Runs `fn` soon, once the program runs on by its own means (a server, a timer, stdin: anything
 * that keeps Node's event loop alive), looking again every `retryMs` until then. A program that
 * is only ending is left to end: Node may turn its loop a few more times for V8's own background
 * work, and a start slowed down (a busy machine, valgrind) then ran `fn` for nothing, so that the
 * cost of a start depended on its speed.
 */
export function laterWhileRunning(fn: () => void, retryMs = 50, node: RunningProcess = NODE): void {
  const look = (): void => (node.alive() ? fn() : node.after(retryMs, look));
  node.after(0, look);
}
