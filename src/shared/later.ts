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
