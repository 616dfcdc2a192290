/**
 * The listeners a replaced version had on `process`, across an in-place update. A restart has no
 * moment without the program's shutdown handler: the old process runs its own until it exits, and
 * a signal before the new one listens finds no process of the new program at all. In place, the
 * old version's `process.on("SIGTERM", …)` goes when it is released, and the new version's comes
 * when its entry runs, up to tens of milliseconds later. Node stops watching a signal when its last
 * listener goes, so a SIGTERM in between would be lost, or kill the process by the default action
 * where the program would have shut down gracefully. So:
 *
 * - the old listener goes at once (the new version sees `process.listenerCount("SIGTERM")` as a
 *   fresh start does), but Node keeps watching the signal;
 * - a signal that arrives while no version listens is held, and raised again once the update
 *   settled: it reaches the new version's handler, or kills the process by default as plain node
 *   would when the new version has none;
 * - an update that fails puts the old listeners back, where the failed versions added none.
 *
 * And a program that received SIGTERM or SIGINT with a handler of its own is shutting down: an
 * update would run its entry again and undo that (listen again, start its timers again), which no
 * restart does to a process that was told to stop. In-place updates are refused from then on.
 *
 * Likewise an error nobody catches while no version listens for it (`uncaughtException`,
 * `unhandledRejection`) reaches the old version's handler, as the old process's would.
 *
 * All of it costs one string comparison per `process.emit` (signals, warnings, exit), and nothing
 * on any other path.
 */
import type { EventEmitter } from "node:events";

const { EventEmitter: Emitter } = process.getBuiltinModule("node:events");
/** Whether `event` is a signal's name. node:os is loaded at the first one: at start-up it cost 1.6 M instructions. */
let signals: Readonly<Record<string, number>> | undefined;
const isSignal = (event: string | symbol): event is string =>
  typeof event === "string" && event.startsWith("SIG") && event in (signals ??= process.getBuiltinModule("node:os").constants.signals);

/** The events through which Node asks the program about an error it did not catch. */
const ERRORS: ReadonlySet<string | symbol> = new Set(["uncaughtException", "unhandledRejection"]);

/** The signals whose handler means the program was told to stop. */
const STOPPING: ReadonlySet<string> = new Set(["SIGTERM", "SIGINT"]);

type Listener = (...args: any[]) => void;

/** A listener a released version had on `process`. */
interface Retired {
  readonly event: string | symbol;
  readonly listener: Listener;
  /** Records it again under its version (the update failed, the version stays). */
  readonly reattached: () => void;
  /** A package added it for the version: it stays unless the package adds it again. */
  readonly byPackage: boolean;
}

/** The listeners on `process` of the versions an in-place update replaces, and the signals meanwhile. */
export class ProcessListeners {
  /** The retired listeners of the update running now, in the order they were removed. */
  readonly #retired: Retired[] = [];
  /** Per event, the listeners left when its first listener was retired (a failed update reattaches only onto these). */
  readonly #left = new Map<string | symbol, ReadonlySet<Function>>();
  /** Signals Node keeps watching for the update although no version listens. */
  readonly #held = new Set<string>();
  /** Signals that arrived while held, to raise again once the update settled. */
  readonly #pending = new Set<string>();
  /** The stopping signal the program handled, if any. */
  #stopping: string | undefined;

  /** Watches what `process.emit` delivers; returns the undo. */
  install(): () => void {
    const own = Object.getOwnPropertyDescriptor(process, "emit");
    const emit = process.emit;
    const listeners = this;
    // Node binds a signal's delivery to `process.emit` as it is when the signal is first listened
    // to: the program's listeners all come after this.
    process.emit = function (this: EventEmitter, event: string | symbol): boolean {
      if (isSignal(event)) {
        if (listeners.#held.has(event) && process.listenerCount(event) === 0) {
          listeners.#pending.add(event);
          return false;
        }
        if (STOPPING.has(event) && process.listenerCount(event) > 0) listeners.#stopping ??= event;
      } else if (listeners.#retired.length > 0 && ERRORS.has(event) && process.listenerCount(event) === 0) {
        // An error while no version listens (old in-flight work failing as the update runs): the
        // old version's handler still stands, as the old process's would until a restart ends it.
        return listeners.#stillStanding(event, arguments);
      }
      // `arguments` as they are: no array made on a path every event of `process` takes.
      return Reflect.apply(emit, this, arguments) as boolean;
    } as typeof process.emit;
    return () => {
      if (own) Object.defineProperty(process, "emit", own);
      else delete (process as { emit?: unknown }).emit;
    };
  }

  /** Runs the retired listeners of `event` with `args`; whether there were any (Node's fatal path otherwise). */
  #stillStanding(event: string | symbol, args: IArguments): boolean {
    const standing = this.#retired.filter((retired) => retired.event === event);
    for (const { listener } of standing) Reflect.apply(listener, process, [...args].slice(1));
    return standing.length > 0;
  }

  /** Whether an event a replaced version listened to on `process` has no listener yet (the new version has not added its own). */
  waiting(): boolean {
    return this.#retired.some(({ event }) => process.listenerCount(event) === 0);
  }

  /** The stopping signal the program received and handled (it is shutting down), if any. */
  get stopping(): string | undefined {
    return this.#stopping;
  }

  /**
   * Removes `listener` of a released version from `process`, keeping Node's watch of a signal.
   * `byPackage`: a package added it for the version; it comes back once the update settled unless
   * the package added it again for the new version (a helper that adds a listener per call, where a
   * singleton such as signal-exit adds its own once).
   */
  retire(event: string | symbol, listener: Listener, reattached: () => void, byPackage = false): void {
    if (!this.#left.has(event)) this.#left.set(event, new Set(process.rawListeners(event).filter((l) => l !== listener)));
    this.#retired.push({ event, listener, reattached, byPackage });
    if (!isSignal(event)) {
      process.removeListener(event, listener);
      return;
    }
    // Node's check when a listener goes (lib/internal/process/signal.js) asks process.listenerCount.
    const own = Object.getOwnPropertyDescriptor(process, "listenerCount");
    Object.defineProperty(process, "listenerCount", { value: () => 1, configurable: true, writable: true });
    try {
      process.removeListener(event, listener);
    } finally {
      if (own) Object.defineProperty(process, "listenerCount", own);
      else delete (process as { listenerCount?: unknown }).listenerCount;
    }
    if (process.listenerCount(event) === 0) this.#held.add(event);
  }

  /** The update settled: `updated`, or failed (the old versions stay, with their listeners). */
  settled(updated: boolean): void {
    for (const { event, listener, reattached, byPackage } of this.#retired.splice(0).reverse()) {
      const left = this.#left.get(event)!;
      const added = process.rawListeners(event).filter((l) => !left.has(l));
      const replaced = byPackage ? added.some((l) => sameSource(l, listener)) : updated || added.length > 0;
      if (replaced) continue;
      Emitter.prototype.on.call(process, event, listener);
      reattached();
    }
    this.#left.clear();
    for (const event of this.#held) {
      // Node stops watching it as the last listener goes: with none now, the signal acts by default.
      if (process.listenerCount(event) > 0) continue;
      const nothing = (): void => undefined;
      Emitter.prototype.on.call(process, event, nothing);
      process.removeListener(event, nothing);
    }
    this.#held.clear();
    for (const signal of this.#pending) process.kill(process.pid, signal);
    this.#pending.clear();
  }
}

/** Whether two listeners are the same function of the same code (a `once` listener is compared by what it wraps). */
function sameSource(a: Function, b: Function): boolean {
  const unwrap = (f: Function): Function => (f as { listener?: Function }).listener ?? f;
  return Function.prototype.toString.call(unwrap(a)) === Function.prototype.toString.call(unwrap(b));
}
