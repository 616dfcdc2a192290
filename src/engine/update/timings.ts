/**
 * Where an update's time goes, split between the program and hotload: measured only with
 * `HOTLOAD_LOG=debug` (without it there is no instance and nothing is timed), and said in one
 * debug line per applied update (see reporter.ts).
 *
 * The program's share is the time the update waits on `import()` of the new versions while Node
 * resolves, reads, compiles, links and evaluates the program's modules (other loaders such as tsx
 * included), less the time hotload's own module hooks take inside it. hotload's own share is the
 * rest of the update: finding the change, the plan, the checkpoint, the CommonJS preflight, dispose
 * and in-place release, accept, commit, and its hooks. What hotload does inside the program's own
 * calls while it evaluates (a `listen()` handed over, `import.meta.hot` built) counts as the program's.
 */
import type { RegisterHooksOptions } from "node:module";

/** One runtime's update timings: reset when an update starts, split when it applied. */
export class UpdateTimings {
  readonly #now: () => number;
  #program = 0;
  /** Of {@link #program}, what hotload did while an import waited (the dispose at the gate). */
  #aside = 0;
  #hooks = 0;
  /** Of {@link #hooks}, what ran while the program's modules loaded or evaluated. */
  #hooksInProgram = 0;
  /** Imports of new versions under way. */
  #open = 0;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** An update starts: nothing counted yet. */
  reset(): void {
    this.#program = this.#aside = this.#hooks = this.#hooksInProgram = this.#open = 0;
  }

  /** Runs `work`, an import of new versions: the program's modules load and evaluate. */
  async program<T>(work: () => Promise<T>): Promise<T> {
    this.#open++;
    const since = this.#now();
    try {
      return await work();
    } finally {
      this.#program += this.#now() - since;
      this.#open--;
    }
  }

  /** hotload worked from `since` until now; if an import waited meanwhile, that was not the program's time. */
  aside(since: number): void {
    if (this.#open > 0) this.#aside += this.#now() - since;
  }

  /** hotload's hooks ran for `ms` (their own code, not the next hooks in the chain). */
  hooks(ms: number): void {
    this.#hooks += ms;
    if (this.#open > 0) this.#hooksInProgram += ms;
  }

  /** The clock these timings read. */
  now(): number {
    return this.#now();
  }

  /** The split of an update that took `totalMs` in all. */
  split(totalMs: number): UpdateSplit {
    const programMs = this.#program - this.#aside - this.#hooksInProgram;
    return { totalMs, programMs, ownMs: totalMs - programMs, hooksMs: this.#hooks };
  }
}

/** One update's time, split (ms). */
export interface UpdateSplit {
  readonly totalMs: number;
  /** Node loading and evaluating the program's modules, hotload's hooks excluded. */
  readonly programMs: number;
  /** hotload's own work: the total less the program's share. */
  readonly ownMs: number;
  /** Of hotload's own work, the time in its module hooks. */
  readonly hooksMs: number;
}

/** The line the debug log says of an update's split. */
export function splitLine(s: UpdateSplit): string {
  const ms = (v: number): string => `${v.toFixed(2)} ms`;
  return `update timings: total ${ms(s.totalMs)}, program ${ms(s.programMs)}, hotload ${ms(s.ownMs)} (hooks ${ms(s.hooksMs)})`;
}

/**
 * `hooks` timed: each call counts its own time, less the time in the next hooks of the chain
 * (Node's, or another loader's such as tsx), as hotload's; untimed while `timingsNow()` has no
 * timings (before the engine loaded: no update runs then).
 */
export function timedHooks(hooks: RegisterHooksOptions, timingsNow: () => UpdateTimings | undefined): RegisterHooksOptions {
  const { resolve, load } = hooks;
  const timed = <C, N, R>(hook: (input: string, context: C, next: (input: string, context?: N) => R) => R) =>
    function (input: string, context: C, next: (input: string, context?: N) => R): R {
      const timings = timingsNow();
      if (timings === undefined) return hook(input, context, next);
      let inNext = 0;
      const started = timings.now();
      try {
        return hook(input, context, (i, c) => {
          const since = timings.now();
          try {
            return next(i, c);
          } finally {
            inNext += timings.now() - since;
          }
        });
      } finally {
        timings.hooks(timings.now() - started - inNext);
      }
    };
  return { resolve: resolve && timed(resolve), load: load && timed(load) } as RegisterHooksOptions;
}
