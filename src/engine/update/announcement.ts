/**
 * When an update is announced (`hotload:beforeUpdate`). An update says so once it is planned; a
 * quiet retry of held-back edits only once its new code has evaluated, before it prunes and calls
 * accept handlers: until then it may fail as it did before, and then it says nothing (its error
 * was reported). An announced retry ran new code, so its result is heard (`on("update")`,
 * `hotload:afterUpdate`): listeners see every update that ran new code as a pair.
 */
import type { BeforeUpdateEvent } from "../../hot-types.js";

export class Announcement {
  readonly #emit: (payload: BeforeUpdateEvent) => void;
  readonly #quiet: boolean;
  #payload: BeforeUpdateEvent | undefined;
  #announced = false;

  /** `emit` sends `hotload:beforeUpdate`; `quiet` for a quiet retry. */
  constructor(emit: (payload: BeforeUpdateEvent) => void, quiet: boolean) {
    this.#emit = emit;
    this.#quiet = quiet;
  }

  /** The update is planned: an update that is not quiet announces itself now. */
  planned(payload: BeforeUpdateEvent): void {
    this.#payload = payload;
    if (!this.#quiet) this.now();
  }

  /** The new code runs: announced now, if not before. */
  now(): void {
    if (this.#announced || this.#payload === undefined) return;
    this.#announced = true;
    this.#emit(this.#payload);
  }

}
