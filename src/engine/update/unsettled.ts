/**
 * An update whose new code never finishes evaluating (a top-level `await` on a promise that never
 * settles: a connection that hangs, a forgotten resolve). Waiting for it for ever would hold every
 * later save behind it; giving up on it early would roll back a start-up that is merely slow. So
 * the update waits as long as it takes, says once after the handler timeout that it is still
 * waiting, and gives up only when a newer save comes after that: as a restart would, the program
 * then runs the newer code. The abandoned versions are not current any more, so whatever of them
 * has not started yet does not run (contexts.ts).
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
}

/**
 * Settles as `evaluation` does, unless it has taken longer than `wait.ms` and a newer save came
 * since the update started: then rejects with {@link UnsettledEvaluation}.
 */
export async function evaluationWithin<T>(evaluation: Promise<T>, wait: EvaluationWait): Promise<T> {
  evaluation.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const replaced = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      wait.late(wait.waiting(), wait.ms);
      resolve();
    }, wait.ms);
    // The wait must not keep the program alive: a plain start of it would not be either.
    timer.unref();
  }).then(() => wait.superseded);
  try {
    const first = await Promise.race([evaluation.then((value) => ({ value })), replaced]);
    if (first === undefined) throw new UnsettledEvaluation(wait.waiting(), wait.ms);
    return first.value;
  } finally {
    clearTimeout(timer);
  }
}

/** The line said when the wait is over and the update still waits. */
export function lateLine(file: string, ms: number): string {
  return `${displayPath(file)} has not finished evaluating after ${ms} ms (a top-level await that does not settle?): the update waits for it, and the next save replaces it`;
}
