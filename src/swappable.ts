/**
 * A function whose implementation can be replaced while callers keep the same reference: the one
 * line that lets a server created once serve the newest request handler after every update.
 *
 *   const handler = (import.meta.hot?.data.handler ??= swappable(routes.handle));
 *   import.meta.hot?.accept("./routes.mjs", (next) => handler.swap(next.handle));
 */
import { HotloadError } from "./shared/errors.js";

/** A stable function that calls whatever implementation was swapped in last. */
export type Swappable<F extends (...args: any[]) => any> = F & {
  /** Replaces the implementation; callers holding this function call `next` from now on. */
  swap(next: F): void;
  /** The implementation called now. */
  readonly current: F;
};

/** Wraps `initial` in a stable function whose implementation {@link Swappable.swap} replaces. */
export function swappable<F extends (...args: any[]) => any>(initial: F): Swappable<F> {
  if (typeof initial !== "function") throw new HotloadError("invalid-argument", "swappable() takes a function");
  let current = initial;
  const stable = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    return current.apply(this, args) as ReturnType<F>;
  } as Swappable<F>;
  Object.defineProperties(stable, {
    swap: {
      value(next: F): void {
        if (typeof next !== "function") throw new HotloadError("invalid-argument", "swap() takes a function");
        current = next;
      },
    },
    current: { get: () => current },
  });
  return stable;
}
