/**
 * Child processes a module version started while it evaluated (a cluster primary's `fork()`, a
 * helper program spawned at start-up). hotload cannot know what retiring them would mean (a
 * worker pool to shrink, a daemon to keep, a database to stop), so it does not guess: a version
 * whose evaluation started a child that still runs is not replaced in place (see inplace.ts).
 *
 * Children started later, from callbacks (a request that runs a converter), are in-flight work:
 * they finish under the old code and do not count.
 */
import type { ChildProcess } from "node:child_process";
import type { OwnerOf } from "./owner.js";

/** The live children of each module whose evaluation started them. */
export class Children {
  readonly #evaluating: OwnerOf;
  readonly #started = new Map<string, Set<ChildProcess>>();

  /** `evaluating` names the module whose top-level code runs now (undefined in a callback). */
  constructor(evaluating: OwnerOf) {
    this.#evaluating = evaluating;
  }

  /**
   * Wraps `ChildProcess#spawn`, which every asynchronous way of starting a child goes through
   * (`spawn`, `fork`, `exec`, `execFile`, `cluster.fork()`). Returns the function that puts it back.
   */
  install(): () => void {
    // Public since Node 0.x, though @types/node does not declare it.
    const prototype = process.getBuiltinModule("node:child_process").ChildProcess.prototype as ChildProcess & {
      spawn: (...args: unknown[]) => unknown;
    };
    const original = prototype.spawn;
    const children = this;
    prototype.spawn = function (this: ChildProcess, ...args: unknown[]): unknown {
      const result = Reflect.apply(original, this, args);
      const owner = children.#evaluating();
      if (owner !== undefined) {
        let started = children.#started.get(owner);
        if (!started) children.#started.set(owner, (started = new Set()));
        started.add(this);
      }
      return result;
    };
    return () => {
      prototype.spawn = original;
    };
  }

  /** The children that the evaluation of one of `owners` started and that still run, with the module. */
  running(owners: Iterable<string>): { readonly owner: string; readonly child: ChildProcess }[] {
    const running: { owner: string; child: ChildProcess }[] = [];
    for (const owner of owners) {
      const started = this.#started.get(owner);
      if (!started) continue;
      for (const child of started) {
        if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) running.push({ owner, child });
        else started.delete(child);
      }
    }
    return running;
  }
}
