/**
 * A clock whose time moves only when a test says so (src/shared/clock.ts): the watcher's and the
 * supervisor's timers fire in order of their due time, with the real event loop turned between
 * callbacks so that the promises they settle run too. Nothing is left behind: a fake timer that
 * never fires is simply dropped with the clock.
 */
import type { Clock, Timer } from "../../src/shared/clock.js";

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** Turns the real event loop once: every promise settled so far has run its callbacks. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #wallStart: number;
  readonly #timers = new Map<Timer, Pending>();
  readonly #immediates = new Map<object, () => void>();

  /** `wallStart`: what {@link wall} says at time 0 (file modification times compare with it). */
  constructor(wallStart: number = Date.now()) {
    this.#wallStart = wallStart;
  }

  now(): number {
    return this.#now;
  }

  wall(): number {
    return this.#wallStart + this.#now;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const timer: Timer = { unref: () => timer };
    this.#timers.set(timer, { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn });
    return timer;
  }

  clearTimeout(timer: Timer | undefined): void {
    if (timer) this.#timers.delete(timer);
  }

  setImmediate(fn: () => void): unknown {
    const immediate = {};
    this.#immediates.set(immediate, fn);
    return immediate;
  }

  clearImmediate(immediate: unknown): void {
    this.#immediates.delete(immediate as object);
  }

  /** Timers and immediates not yet run. */
  get pending(): number {
    return this.#timers.size + this.#immediates.size;
  }

  /**
   * Moves time on by `ms`, running every immediate and every timer due by then, in order (the
   * real event loop turns between them). `advance()` runs only what is due now.
   */
  async advance(ms = 0): Promise<void> {
    const target = this.#now + ms;
    for (let step = 0; ; step++) {
      if (step === 10_000) throw new Error("the fake clock's timers keep re-arming themselves");
      await turn();
      if (this.#immediates.size > 0) {
        const immediates = [...this.#immediates.values()];
        this.#immediates.clear();
        for (const fn of immediates) fn();
        continue;
      }
      let next: [Timer, Pending] | undefined;
      for (const entry of this.#timers) {
        const [, pending] = entry;
        if (pending.at > target) continue;
        if (!next || pending.at < next[1].at || (pending.at === next[1].at && pending.seq < next[1].seq)) next = entry;
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = target;
    await turn();
  }
}
