/**
 * Running user handlers (accept, dispose and prune callbacks): each awaited up to the handler
 * timeout, a throwing one reported and collected, and the update goes on.
 */
import { handlerTimeoutMs, settleWithin } from "./handler-timeout.js";
import type { HotData } from "../../hot-types.js";

/** What a kind of handler is called in messages. */
export type HandlerKind = "accept" | "dispose" | "prune";

/** Who says what handlers do wrong (the reporter, see reporter.ts). */
interface HandlerReport {
  /** A handler threw (it counts as a failure of the update). */
  handlerThrew(kind: HandlerKind, file: string, error: unknown): void;
  /** A handler has not settled after `ms`: the update goes on. */
  handlerLate(kind: HandlerKind, file: string, ms: number): void;
  /** A handler the update stopped waiting for failed. */
  handlerFailedLate(kind: HandlerKind, file: string, error: unknown): void;
}

/** Runs handlers and reports those that throw. */
export class HandlerRunner {
  /** How long one handler, or an update's evaluation before a newer save replaces it, is waited for (ms). */
  readonly timeoutMs: number;
  readonly #reporter: HandlerReport;

  constructor(reporter: HandlerReport, timeoutMs: number = handlerTimeoutMs()) {
    this.#reporter = reporter;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Runs `handlers` of the module `file` in order with its `data`; what a handler throws is
   * reported, emitted as `hotload:error` and pushed to `errors`.
   */
  async run(
    kind: HandlerKind,
    file: string,
    data: HotData,
    handlers: readonly ((data: HotData) => unknown)[],
    errors: unknown[],
  ): Promise<void> {
    for (const handler of [...handlers]) {
      try {
        await settleWithin(handler(data), this.timeoutMs, {
          late: () => this.#reporter.handlerLate(kind, file, this.timeoutMs),
          failedLate: (error) => this.#reporter.handlerFailedLate(kind, file, error),
        });
      } catch (error) {
        errors.push(error);
        this.#reporter.handlerThrew(kind, file, error);
      }
    }
  }
}
