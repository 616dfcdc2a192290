/**
 * Running user handlers (accept, dispose and prune callbacks): each awaited up to the handler
 * timeout, a throwing one reported and collected, and the update goes on.
 */
import * as log from "../../shared/log.js";
import { handlerTimeoutMs, settleWithin } from "./handler-timeout.js";
import { HANDLER_TIMEOUT_ENV } from "../../shared/env.js";
import type { HotData, HotEvents } from "../../hot-types.js";
import { describe, stackOf } from "../failure/report.js";

/** What a kind of handler is called in messages. */
export type HandlerKind = "accept" | "dispose" | "prune";

/** Runs handlers and reports those that throw. */
export class HandlerRunner {
  readonly #timeoutMs: number;
  readonly #emit: <E extends keyof HotEvents>(event: E, payload: HotEvents[E]) => void;

  constructor(emit: <E extends keyof HotEvents>(event: E, payload: HotEvents[E]) => void, timeoutMs: number = handlerTimeoutMs()) {
    this.#emit = emit;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Runs `handlers` of the module `file` in order with its `data`; what a handler throws is
   * reported, emitted as `hotload:error` and pushed to `errors`.
   */
  async run(kind: HandlerKind, file: string, data: HotData, handlers: readonly ((data: HotData) => unknown)[], errors: unknown[]): Promise<void> {
    for (const handler of [...handlers]) {
      try {
        await settleWithin(handler(data), this.#timeoutMs, {
          late: () => log.warn(`${kind} handler of ${log.displayPath(file)} has not settled after ${this.#timeoutMs} ms: the update goes on without waiting for it (${HANDLER_TIMEOUT_ENV} sets the wait)`),
          failedLate: (error) => log.error(`${kind} handler of ${log.displayPath(file)} failed after the update went on: ${describe(error)}`, stackOf(error)),
        });
      } catch (error) {
        errors.push(error);
        log.error(`${kind} handler of ${file} threw: ${describe(error)}`, stackOf(error));
        this.#emit("hotload:error", { error, file });
      }
    }
  }
}
