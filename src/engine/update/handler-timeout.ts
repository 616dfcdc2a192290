/**
 * A bound on how long an update waits for one handler (dispose, prune, accept). A handler's
 * promise may never settle: `new Promise((r) => server.close(r))` waits for every keep-alive or
 * server-sent-events client to leave. Waiting for ever would hold every later update behind it
 * in silence; instead the update waits a bounded time, says once which handler is late, and goes
 * on as if it had settled.
 */
import { hotloadEnv, type HotloadEnv } from "../../shared/env.js";

/** The default wait for one handler (ms). */
const DEFAULT_HANDLER_TIMEOUT_MS = 5_000;

/** The wait set by `HOTLOAD_HANDLER_TIMEOUT_MS` (a positive number), else the default. */
export function handlerTimeoutMs(env: HotloadEnv = hotloadEnv()): number {
  return env.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS;
}

/** What {@link settleWithin} tells about a handler that did not settle in time. */
export interface LateHandler {
  /** Called once, when the wait is over and the handler's promise has not settled. */
  late(): void;
  /** Called if the late promise rejects after all (nobody awaits it any more). */
  failedLate(error: unknown): void;
}

/**
 * Waits for `value` (what a handler returned) for at most `ms`. A value that is not a promise is
 * not waited for. Rejects as `value` does, when that happens in time.
 */
export async function settleWithin(value: unknown, ms: number, report: LateHandler): Promise<void> {
  if (!isThenable(value)) return;
  let timer: NodeJS.Timeout | undefined;
  let isLate = false;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      isLate = true;
      report.late();
      resolve();
    }, ms);
  });
  const settled = Promise.resolve(value).then(
    () => undefined,
    (error: unknown) => {
      if (!isLate) throw error;
      report.failedLate(error);
    },
  );
  try {
    await Promise.race([settled, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Waits for `promise` as long as it takes, telling `progress` once if that is longer than a handler
 * may take (an update's evaluation of `ids` with a top-level await that never settles).
 */
export async function waitSaying(
  promise: Promise<unknown>,
  progress: { stillEvaluating(ids: readonly string[], ms: number): void },
  ids: readonly string[],
  ms: number = handlerTimeoutMs(),
): Promise<void> {
  const timer = setTimeout(() => progress.stillEvaluating(ids, ms), ms).unref();
  try {
    await promise;
  } finally {
    clearTimeout(timer);
  }
}
