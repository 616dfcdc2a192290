/**
 * Events: the `import.meta.hot.on()` listeners of current module versions (`hotload:*` events),
 * and the API's `on("update")` listeners. A throwing listener is reported and the others still run.
 */
import { registrations, type HotContext } from "./hot.js";
import type { HotEvents } from "../../hot-types.js";
import { updatePath as up } from "../update/update-path.js";
import type { UpdateResult } from "../update/update-result.js";

export class Events {
  readonly #listening = new Set<HotContext>();
  readonly #updateListeners = new Set<(result: UpdateResult) => void>();
  readonly #isCurrent: (context: HotContext) => boolean;
  readonly #log: { error(message: string): void };

  /** `isCurrent`: whether a context belongs to the current version of its module; `log` says what a listener threw. */
  constructor(isCurrent: (context: HotContext) => boolean, log: { error(message: string): void }) {
    this.#isCurrent = isCurrent;
    this.#log = log;
  }

  listening(context: HotContext): void {
    // A version that is no longer current (an update rolled back while it still evaluated, after
    // a top-level await) must not start hearing events.
    if (!this.#isCurrent(context)) return;
    this.#listening.add(context);
  }

  /** A context whose version is gone hears nothing more. */
  drop(context: HotContext): void {
    this.#listening.delete(context);
  }

  /** Sends `event` to the listeners of every current version. */
  emit<E extends keyof HotEvents>(event: E, payload: HotEvents[E]): void {
    for (const context of [...this.#listening]) {
      if (!this.#isCurrent(context)) {
        this.#listening.delete(context);
        continue;
      }
      for (const listener of registrations(context).listeners.get(event) ?? []) {
        try {
          listener(payload);
        } catch (error) {
          this.#log.error(`a ${event} listener threw: ${up().describe(error)}`);
        }
      }
    }
  }

  /** Calls `listener` after every settled update; returns the unsubscribe function. */
  onUpdate(listener: (result: UpdateResult) => void): () => void {
    this.#updateListeners.add(listener);
    return () => this.#updateListeners.delete(listener);
  }

  settled(result: UpdateResult): void {
    for (const listener of this.#updateListeners) {
      try {
        listener(result);
      } catch (error) {
        this.#log.error(`an update listener threw: ${String(error)}`);
      }
    }
  }
}
