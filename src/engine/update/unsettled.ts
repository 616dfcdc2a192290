/**
 * An update whose new code never finishes evaluating (a top-level `await` on a promise that never
 * settles: a connection that hangs, a forgotten resolve). Waiting for it for ever would hold every
 * later save behind it; giving up on it early would roll back a start-up that is merely slow. So
 * the update waits as long as it takes, says once after the handler timeout that it is still
 * waiting, and gives up only when a newer save comes after that: as a restart would, the program
 * then runs the newer code. The abandoned versions are not current any more, so whatever of them
 * has not started yet does not run (contexts.ts).
 *
 * The program's entry is the exception. Its top level may wait for as long as the program runs
 * (`await once(process, "SIGTERM")`, a `for await` loop over requests or a queue), and nothing
 * waits on it: a restarted program in that state is simply running. So once every module it
 * imports has evaluated, its own top level still waits after a short while, and in place it serves
 * where the old version served, the update counts as applied, and what its top level does later is
 * the program's (see entry-evaluation.ts).
 */
import { displayPath } from "../../shared/log.js";

/** The update's new code had not finished evaluating when a newer save came. */
export class UnsettledEvaluation extends Error {
  /** The module whose evaluation started last: the one most likely waiting. */
  readonly file: string;

  constructor(file: string, ms: number) {
    super(`has not finished evaluating after ${ms} ms (a top-level await that does not settle?) and a newer save came`);
    this.name = "UnsettledEvaluation";
    this.file = file;
    // Nothing of hotload's own is worth showing under the line.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** How often an update looks at the program's entry while its top level waits (ms; see {@link entryLook}). */
export const ENTRY_LOOK_MS = 200;

/** How an update's evaluation ended for the update: it settled, or the entry's top level still waits (`running`, its file). */
type Evaluated<T> = { readonly value: T } | { readonly running: string };

/** What {@link evaluationWithin} needs besides the evaluation. */
interface EvaluationWait {
  /** Settles when a newer save comes. */
  readonly superseded: Promise<void>;
  /** How long an evaluation may take before the update says it is waiting and a newer save replaces it (ms). */
  readonly ms: number;
  /** The module most likely waiting (the last one that started evaluating), as a file path. */
  waiting(): string;
  /** Says once that the update is still waiting for `file`. */
  late(file: string, ms: number): void;
  /**
   * Whether the module waiting now is the program's entry, running: every module it imports
   * evaluated and, unless `patient` (the timeout is over), it took over what the old version had.
   */
  entryWaits?(patient: boolean): boolean;
  /** How often the entry is looked at (ms): it counts as running at the first look that finds it so. */
  readonly entryMs?: number;
}

/**
 * Settles as `evaluation` does, unless it has taken longer than `wait.ms` and a newer save came
 * since the update started: then rejects with {@link UnsettledEvaluation}. When the program's
 * entry is what still waits, after `wait.entryMs` or `wait.ms`, resolves as `running` instead.
 */
export async function evaluationWithin<T>(evaluation: Promise<T>, wait: EvaluationWait): Promise<Evaluated<T>> {
  evaluation.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const replaced = new Promise<Evaluated<T> | undefined>((resolve) => {
    // The entry is looked at every `entryMs` (it may be running only once it listens again), one
    // timer at a time; anything else once, at `ms`.
    const every = wait.entryWaits && wait.entryMs !== undefined && wait.entryMs > 0 ? wait.entryMs : wait.ms;
    const look = (since: number): void => {
      const at = Math.min(since + every, wait.ms);
      const last = at >= wait.ms;
      timer = setTimeout(() => {
        if (wait.entryWaits?.(last)) resolve({ running: wait.waiting() });
        else if (!last) look(at);
        else {
          wait.late(wait.waiting(), wait.ms);
          resolve(wait.superseded.then(() => undefined));
        }
      }, at - since);
      // The wait must not keep the program alive: a plain start of it would not be either.
      timer.unref();
    };
    look(0);
  });
  try {
    const first = await Promise.race([evaluation.then((value) => ({ value })), replaced]);
    if (first === undefined) throw new UnsettledEvaluation(wait.waiting(), wait.ms);
    return first;
  } finally {
    clearTimeout(timer);
  }
}

/** What {@link entryLook} asks of in-place updates (inplace/inplace.ts). */
export interface InPlaceLook {
  /** Whether the new version of `id` started anything (its top level runs). */
  started(id: string): boolean;
  /** Whether the new versions took over the old ones' servers and `process` listeners. */
  takenOver(): boolean;
}

/**
 * How an update looks at the program's entry `main` as its new version evaluates (the
 * `entryWaits` of {@link evaluationWithin}). The entry evaluates last: once its own top level runs
 * (it is the last module of the update to start, `evaluated`, or in place it started something),
 * all it imports has evaluated. In place it runs as a started program once it took over the old
 * version's servers and signal handlers; at the timeout (`patient`), once it runs at all.
 */
export function entryLook(main: string, evaluated: readonly string[], inPlace: InPlaceLook | undefined): (patient: boolean) => boolean {
  return (patient) => (evaluated.at(-1) === main || inPlace?.started(main) === true) && (patient || inPlace?.takenOver() !== false);
}

/** The line said when the wait is over and the update still waits. */
export function lateLine(file: string, ms: number): string {
  return `${displayPath(file)} has not finished evaluating after ${ms} ms (a top-level await that does not settle?): the update waits for it, and the next save replaces it`;
}
