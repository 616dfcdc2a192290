/**
 * Time and timers, as an effect: the watcher and the command's supervisor take a {@link Clock}
 * (the {@link systemClock} by default), so their unit tests drive time with a fake one.
 */

/** A pending timer: Node's `Timeout`, or a fake clock's. */
export interface Timer {
  /** Lets the process exit while it is pending. */
  unref(): unknown;
}

/** What the stateful parts read the time and set timers with. */
export interface Clock {
  /** Monotonic time (ms), as `performance.now()`. */
  now(): number;
  /** Wall-clock time (ms), as `Date.now()`: what file modification times compare with. */
  wall(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(timer: Timer | undefined): void;
  /** Runs `fn` right after the events of this turn of the loop. */
  setImmediate(fn: () => void): unknown;
  clearImmediate(immediate: unknown): void;
}

/** Node's own time and timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wall: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
  setImmediate: (fn) => setImmediate(fn),
  clearImmediate: (immediate) => clearImmediate(immediate as NodeJS.Immediate | undefined),
};
