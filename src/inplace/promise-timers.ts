/**
 * The promise timers of `node:timers/promises`: a polling loop a version starts (`for (;;) { await
 * setTimeout(ms); poll(); }`, `for await (const _ of setInterval(ms))`) goes with that version, as
 * its callback timers do (resources.ts), as it would with its process. Each timer a project module
 * starts is recorded as something it opened; the update that replaces the module stops it once the
 * new version runs; meanwhile a timer that comes due waits, as a held callback timer does, so that
 * the old version's loop takes no turn while the update runs (a failed update lets it go on). A
 * stopped timer's promise never settles:
 * rejecting it would reach the loop as an unhandled AbortError and end the program. Its Node timer
 * is aborted, so nothing stays alive for it. What in-flight work starts (a handler's `await
 * setTimeout(1500)`) is not recorded, and finishes.
 */
import type { Resources } from "./resources.js";

type Promises = typeof import("node:timers/promises");

/** A promise that never settles: what a stopped timer's awaiter waits on. */
const NEVER: Promise<never> = new Promise<never>(() => undefined);

/** One promise timer, as Resources sees it. */
interface Stoppable {
  /** The signal to give Node's timer: the caller's and ours. */
  readonly signal: AbortSignal;
  /** Whether it was stopped (its promise must then never settle). */
  stopped(): boolean;
  /** It settled, or its iterator returned: nothing left to stop. */
  done(): void;
  /** What its awaiter gets `value` through: at once, or once the update that holds it lets it go on. */
  after<T>(value: T): T | Promise<T>;
}

/** Records a new promise timer with `resources` (through `opened`, which knows who calls). */
function stoppable(resources: Resources, signal: unknown): Stoppable {
  const controller = new AbortController();
  let stopped = false;
  let done = false;
  // While an update holds it: what its awaiter gets waits for this (and never comes if it stops).
  let held: { readonly until: Promise<void>; readonly go: () => void } | undefined;
  resources.opened({
    live: () => !done && !stopped,
    close: () => {
      stopped = true;
      controller.abort();
    },
    atCommit: true,
    hold: () => {
      let go!: () => void;
      held ??= { until: new Promise<void>((resolve) => (go = resolve)), go: () => go() };
    },
    resume: () => {
      held?.go();
      held = undefined;
    },
  });
  return {
    signal: signal instanceof AbortSignal ? AbortSignal.any([signal, controller.signal]) : controller.signal,
    stopped: () => stopped,
    done: () => (done = true),
    after: (value) => (held === undefined ? value : held.until.then(() => (stopped ? NEVER : value))),
  };
}

/** `options` with `signal` in place of the caller's. */
function withSignal(options: unknown, signal: AbortSignal): object {
  return { ...(typeof options === "object" && options !== null ? options : {}), signal };
}

/** What the caller gave as `options.signal`. */
const signalOf = (options: unknown): unknown => (options as { signal?: unknown } | undefined)?.signal;

/** Wraps `setTimeout`, `setInterval` and `scheduler.wait` of node:timers/promises; returns the undo. */
export function wrapPromiseTimers(resources: Resources): () => void {
  const promises = process.getBuiltinModule("node:timers/promises") as Promises;
  const { setTimeout: timeout, setInterval: interval, scheduler } = promises;
  const wait = scheduler.wait;
  const settle = <T>(timer: Stoppable, promise: Promise<T>): Promise<T> =>
    promise.then(
      (value) => (timer.done(), timer.after(value)),
      (error: unknown) => (timer.stopped() ? NEVER : (timer.done(), Promise.reject(error))),
    );
  promises.setTimeout = function (delay?: number, value?: unknown, options?: unknown) {
    const timer = stoppable(resources, signalOf(options));
    return settle(timer, timeout(delay, value, withSignal(options, timer.signal)));
  } as Promises["setTimeout"];
  scheduler.wait = function (this: unknown, delay: number, options?: unknown) {
    const timer = stoppable(resources, signalOf(options));
    return settle(timer, Reflect.apply(wait, this, [delay, withSignal(options, timer.signal)]) as Promise<void>);
  } as typeof wait;
  promises.setInterval = function (delay?: number, value?: unknown, options?: unknown) {
    const timer = stoppable(resources, signalOf(options));
    const ticks = interval(delay, value, withSignal(options, timer.signal));
    const iterator: AsyncIterableIterator<unknown> = {
      next: () => (timer.stopped() ? NEVER : settleTick(timer, ticks.next())),
      return: (result?: unknown) => (timer.done(), ticks.return!(result as undefined)),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  } as Promises["setInterval"];
  return () => {
    promises.setTimeout = timeout;
    promises.setInterval = interval;
    scheduler.wait = wait;
  };
}

/** One tick of an interval: a stopped interval's awaiter waits forever instead of seeing the AbortError. */
function settleTick<T>(timer: Stoppable, tick: Promise<T>): Promise<T> {
  return tick.then(
    (value) => timer.after(value),
    (error: unknown) => (timer.stopped() ? NEVER : Promise.reject(error)),
  );
}
