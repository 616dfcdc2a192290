/**
 * What a module version started, so that an in-place update can stop it before the module runs
 * again: its timers and intervals, the listeners it added to long-lived emitters (`process`,
 * servers, and stdin and `parentPort` through long-lived.ts), and what it opened there (readline
 * interfaces, workers). Each is recorded under the module that created it (see owner.ts);
 * releasing a module stops exactly what it owns and nothing a module that is kept owns. What
 * in-flight work starts is not the version's (see in-flight.ts).
 *
 * Only the functions are wrapped, never the callbacks: a timer or listener keeps its identity, so
 * `clearInterval(id)` and `removeListener(fn)` in user code work as before.
 */
import type { EventEmitter } from "node:events";
import { syncBuiltinESMExports } from "node:module";
import type { OwnerFinders, OwnerOf } from "./owner.js";

/** Tells in-flight work (a request's, a connection's) from the rest: see in-flight.ts. */
interface WorkInFlight {
  /** The in-flight work the code running now does (undefined: none, the code is the evaluation's). */
  work(): object | undefined;
  /** In-flight work started `timer` for `work`. */
  started(timer: object, work: object): void;
  /** Runs `done` once `work` is over and returns true; false (nothing called) when it is over already. */
  whenDone(work: object, done: () => void): boolean;
}

// Not `import timers from "node:timers"`: an ES import of a builtin reads every export, and
// `timers.promises` then loads node:timers/promises at start-up for nothing.
const timers = process.getBuiltinModule("node:timers");
const { EventEmitter: Emitter } = process.getBuiltinModule("node:events");

type Listener = (...args: any[]) => void;

type Tracked =
  | { readonly kind: "timer"; readonly timer: NodeJS.Timeout; readonly work?: object | undefined }
  | {
      readonly kind: "listener";
      readonly emitter: EventEmitter;
      readonly event: string | symbol;
      readonly listener: Listener;
      /** A package added it to `process` for the module: it goes only if the package adds it again (see signals.ts). */
      readonly byPackage?: boolean;
    }
  | { readonly kind: "closable"; readonly closable: Closable };

/** Takes a released version's listener off `process` (see signals.ts). */
interface ProcessListenerRetirer {
  retire(event: string | symbol, listener: Listener, reattached: () => void, byPackage: boolean): void;
}

/** Something a version opened that goes with it: a readline interface, a worker (see long-lived.ts), a promise timer (promise-timers.ts). */
interface Closable {
  /** Whether it is still open. */
  live(): boolean;
  /** Closes it without telling the version's own listeners (they go with the version). */
  close(): void;
  /** Closed only once the new version runs: until then it goes on, and a failed update leaves it be. */
  readonly atCommit?: boolean;
  /**
   * Of one closed at commit: stops it from running its version's code until the update is over
   * (what comes due meanwhile waits), as a held timer does; {@link resume} lets it go on.
   */
  hold?(): void;
  /** The update failed: what the held closable kept back runs now, and it goes on. */
  resume?(): void;
}

const TIMER_FUNCTIONS = ["setTimeout", "setInterval"] as const;
const LISTENER_METHODS = ["on", "addListener", "prependListener"] as const;
// `once` and `prependOnceListener` call `this.on` / `this.prependListener` with their wrapper.

/** What one owner had when an update suspended it. */
interface Held {
  /** Everything recorded for it. */
  readonly owned: Set<Tracked>;
  /** The listeners taken off emitters, oldest first. */
  readonly removed: { readonly emitter: EventEmitter; readonly event: string | symbol; readonly listener: Listener }[];
  /** Its live timers, held. */
  readonly timers: NodeJS.Timeout[];
  /** Timeouts that came due while held: they run if the version stays. */
  readonly due: (() => void)[];
  /** What it opened that closes only once the new version runs. */
  readonly later: Closable[];
  /** Something was closed that cannot be opened again. */
  lost: boolean;
}

const HELD = Symbol("hotload.held");

/** Node's own fields of a Timeout: the callback it calls when due, and the interval (null for a timeout). */
interface TimerFields {
  _onTimeout: (...args: unknown[]) => void;
  _repeat: number | null;
  [HELD]?: (...args: unknown[]) => void;
}

/**
 * Holds `timer`: it stays scheduled (so the version can get it back as it was, which a cleared
 * Timeout cannot), but a tick that comes due does nothing; a timeout's call is kept in `held.due`.
 */
function hold(timer: NodeJS.Timeout, held: Held): void {
  const fields = timer as unknown as TimerFields;
  const callback = fields._onTimeout;
  fields[HELD] = callback;
  fields._onTimeout = function (this: unknown, ...args: unknown[]): void {
    if (!fields._repeat) held.due.push(() => callback.apply(timer, args));
  };
  held.timers.push(timer);
}

/** Gives a held timer its callback back. */
function release(timer: NodeJS.Timeout): void {
  const fields = timer as unknown as TimerFields;
  if (fields[HELD] === undefined) return;
  fields._onTimeout = fields[HELD];
  delete fields[HELD];
}

/** The functions as Node made them, for our own use and for uninstalling. */
const originalClear = timers.clearTimeout;

/** Timers and listeners recorded by the module that created them. */
export class Resources {
  readonly #ownerOf: OwnerOf;
  readonly #callerOf: OwnerOf;
  readonly #inFlight: WorkInFlight | undefined;
  readonly #onProcess: ProcessListenerRetirer | undefined;
  readonly #owned = new Map<string, Set<Tracked>>();
  /** The module whose code added the first listener to an emitter (for servers: their creator). */
  readonly #emitterOwners = new WeakMap<object, string>();
  /** What {@link suspend} stopped, by owner, until {@link settle}. */
  readonly #held = new Map<string, Held>();
  /** Timers recorded since the last sweep of fired timeouts. */
  #sinceSweep = 0;
  /** The wrappers {@link wrapEveryEmitter} puts on EventEmitter.prototype, and Node's functions they stand for. */
  readonly #inherited = new Map<Function, Function>();

  /**
   * `finders.caller` names the module that calls setTimeout/setInterval or adds a `process`
   * listener itself: what a package or Node does is theirs (a package is never re-evaluated, and
   * its singletons, such as undici's clock or signal-exit's handlers, must live on).
   * `finders.owner` names the project module behind a server's listener, through the framework
   * that adds it: the server goes with that module. What `inFlight` work starts (a request's
   * timers) is nobody's: it finishes under the old code, as in a restart that lets the old process
   * answer its requests. A listener on `process` goes through `onProcess` (see signals.ts).
   */
  constructor(finders: OwnerFinders, inFlight?: WorkInFlight, onProcess?: ProcessListenerRetirer) {
    this.#ownerOf = finders.owner;
    this.#callerOf = finders.caller;
    this.#inFlight = inFlight;
    this.#onProcess = onProcess;
  }

  /**
   * Wraps the global timer functions (also those of `node:timers`) and the listener methods of
   * `process`, and, unless `servers` is false, those of every `net.Server` (so `http`, `https`
   * and the frameworks on top; see {@link installServers}). Returns the function that puts the
   * originals back.
   */
  install(servers = true): () => void {
    const undo: (() => void)[] = [];
    for (const name of TIMER_FUNCTIONS) {
      const original = timers[name] as (...args: any[]) => NodeJS.Timeout;
      const wrapped = this.#timerFunction(original, name === "setInterval");
      for (const target of [globalThis, timers] as Record<string, unknown>[]) {
        const before = target[name];
        target[name] = wrapped;
        undo.push(() => (target[name] = before));
      }
    }
    undo.push(this.#wrapListeners(process, true));
    if (servers) undo.push(this.installServers());
    syncBuiltinESMExports();
    return () => {
      for (const step of undo.reverse()) step();
      syncBuiltinESMExports();
    };
  }

  /**
   * Wraps the listener methods of every `net.Server`. Separate from {@link install} so that a
   * program that never reaches node:net does not load it (~4 ms of start-up, see inplace.ts).
   */
  installServers(): () => void {
    return this.#wrapListeners(process.getBuiltinModule("node:net").Server.prototype, false);
  }

  /** Stops every timer of `owner` and removes its listeners for good; returns how many things it stopped. */
  release(owner: string): number {
    const stopped = this.suspend(owner);
    this.settle(owner, true);
    return stopped;
  }

  /**
   * Stops what `owner` started, for an update that runs its new version: its listeners are removed
   * and what it opened is closed now, its timers are held (a tick that comes due does nothing) until
   * {@link settle} says whether the new version runs. Returns how many things it stopped.
   */
  suspend(owner: string): number {
    const owned = this.#owned.get(owner);
    if (!owned) return 0;
    this.#owned.delete(owner);
    const held: Held = this.#held.get(owner) ?? { owned: new Set(), removed: [], timers: [], due: [], later: [], lost: false };
    for (const item of owned) held.owned.add(item);
    this.#held.set(owner, held);
    let stopped = 0;
    // Newest first: removeListener(fn) takes the last listener that is fn or once(fn)'s wrapper.
    for (const item of [...owned].reverse()) {
      if (item.kind === "timer") {
        const { timer, work } = item;
        // An interval in-flight work started runs while the work does, as in a process that
        // finishes its requests before it exits.
        if (work !== undefined && this.#inFlight?.whenDone(work, () => originalClear(timer))) {
          owned.delete(item);
          continue;
        }
        if (isSpent(timer)) continue;
        stopped++;
        hold(timer, held);
      } else if (item.kind === "closable") {
        if (!item.closable.live()) continue;
        stopped++;
        if (item.closable.atCommit) {
          item.closable.hold?.();
          held.later.push(item.closable);
        } else {
          held.lost = true;
          item.closable.close();
        }
      } else if (this.#emitterOwners.get(item.emitter) !== owner) {
        // A server the module created goes with it (handed over, see handover.ts), listeners and
        // all; a listener it added to someone else's emitter must go now.
        if (!isListening(item)) continue;
        stopped++;
        if (item.emitter === process && this.#onProcess)
          this.#onProcess.retire(item.event, item.listener, () => this.#record(owner, item), item.byPackage === true);
        else {
          held.removed.unshift(item);
          item.emitter.removeListener(item.event, item.listener);
        }
      }
    }
    return stopped;
  }

  /**
   * The update that suspended `owner` is over. `applied`: its new version runs, and the held timers
   * stop for good. Otherwise the previous version stays, so it gets back what it had, as if it had
   * never stopped: its timers go on (a timeout that came due meanwhile runs now), its listeners
   * are added again, and what the failed version started goes. Returns false when something
   * cannot come back (a readline interface or a worker was closed).
   */
  settle(owner: string, applied: boolean): boolean {
    const held = this.#held.get(owner);
    if (!held) return true;
    this.#held.delete(owner);
    for (const timer of held.timers) release(timer);
    if (applied) {
      for (const timer of held.timers) originalClear(timer);
      for (const closable of held.later) closable.close();
      return true;
    }
    this.release(owner);
    for (const closable of held.later) closable.resume?.();
    for (const item of held.removed) item.emitter.on(item.event, item.listener);
    for (const item of held.owned) if (item.kind === "timer" && isSpent(item.timer)) held.owned.delete(item);
    this.#owned.set(owner, held.owned);
    for (const run of held.due) setImmediate(run);
    return !held.lost;
  }

  /** Live timers and listeners recorded for `owner` (for tests and debug output). */
  count(owner: string): number {
    let live = 0;
    for (const item of this.#owned.get(owner) ?? []) {
      if (item.kind === "timer" ? !isSpent(item.timer) : item.kind === "closable" ? item.closable.live() : isListening(item)) live++;
    }
    return live;
  }

  /**
   * Wraps the listener methods of one long-lived emitter the program shares across versions
   * (stdin, a worker's `parentPort`), as `process`'s are: a listener a project module adds itself
   * is removed with its version. `once` is wrapped too where it does not call `on` (Node's
   * NodeEventTarget, which a MessagePort is). Returns the undo.
   */
  wrapEmitter(target: EventEmitter): () => void {
    return this.#wrapListeners(target, true, typeof (target as { rawListeners?: unknown }).rawListeners !== "function");
  }

  /**
   * Wraps the listener methods every EventEmitter inherits, for a while: a listener a project
   * module adds itself to any emitter (`bus.on("job", …)` on one a kept module made) goes with its
   * version, as on `process`. These methods are hot (every stream and socket calls them), so they
   * are wrapped only while versions evaluate (see inplace.ts) and are Node's own the rest of the
   * time. Emitters with wrappers of their own (`process`, servers, stdin, `parentPort`) are left to
   * them. Returns the undo.
   */
  wrapEveryEmitter(): () => void {
    return this.#wrapListeners(Emitter.prototype, true, false, true);
  }

  /** A project module is opening `closable` now: it goes with that module's version (not in flight). */
  opened(closable: Closable): void {
    if (this.#inFlight?.work() !== undefined) return;
    const owner = this.#callerOf();
    if (owner === undefined) return;
    this.#record(owner, { kind: "closable", closable });
    // A polling loop opens a promise timer per turn.
    if (++this.#sinceSweep > 1000) this.#sweep();
  }

  /** The module whose code added the first listener to `emitter` (a server's creator). */
  emitterOwner(emitter: object): string | undefined {
    return this.#emitterOwners.get(emitter);
  }

  #record(owner: string, item: Tracked): void {
    let owned = this.#owned.get(owner);
    if (!owned) this.#owned.set(owner, (owned = new Set()));
    owned.add(item);
  }

  #timerFunction(original: (...args: any[]) => NodeJS.Timeout, recurs: boolean): (...args: any[]) => NodeJS.Timeout {
    const resources = this;
    const wrapped = function (this: unknown, ...args: unknown[]): NodeJS.Timeout {
      const timer = original.apply(this, args);
      const work = resources.#inFlight?.work();
      if (work !== undefined) {
        resources.#inFlight!.started(timer, work);
        // A request's timeout finishes by itself, and costs no stack capture. Its interval would
        // outlive it: it goes with its version once the work is done.
        if (!recurs) return timer;
      }
      const owner = resources.#callerOf();
      if (owner !== undefined) {
        resources.#record(owner, { kind: "timer", timer, work });
        if (++resources.#sinceSweep > 1000) resources.#sweep();
      }
      return timer;
    };
    // util.promisify(setTimeout) and friends read properties of the function itself.
    for (const key of Reflect.ownKeys(original)) {
      if (key === "length" || key === "name" || key === "prototype") continue;
      Object.defineProperty(wrapped, key, Object.getOwnPropertyDescriptor(original, key)!);
    }
    return wrapped;
  }

  /** Forgets timeouts that fired or were cleared (a request handler may make one per request), and what was closed. */
  #sweep(): void {
    this.#sinceSweep = 0;
    for (const owned of this.#owned.values()) {
      for (const item of owned) {
        if (item.kind === "timer" ? isSpent(item.timer) : item.kind === "closable" && !item.closable.live()) owned.delete(item);
      }
    }
  }

  /**
   * `isProcess`: attributed to the caller (see the constructor), else to the owner through packages.
   * `inherited`: the wrappers go on EventEmitter.prototype and pass on the emitters whose own
   * wrappers (or their class's) stand in front of them.
   */
  #wrapListeners(target: EventEmitter, isProcess: boolean, withOnce = false, inherited = false): () => void {
    const resources = this;
    const undo: (() => void)[] = [];
    // A package may have copied the inherited wrappers onto its own objects (Express mixes
    // EventEmitter.prototype into each app): after the undo they only pass calls on.
    let active = true;
    undo.push(() => (active = false));
    for (const name of withOnce ? ([...LISTENER_METHODS, "once"] as const) : LISTENER_METHODS) {
      if (typeof target[name] !== "function") continue;
      const had = Object.getOwnPropertyDescriptor(target, name);
      // Node's own, also when EventEmitter.prototype is wrapped now: these wrappers outlive that one.
      const original = (this.#inherited.get(target[name]) ?? target[name]) as EventEmitter["on"];
      const wrapped = function (this: EventEmitter, event: string | symbol, listener: Listener): EventEmitter {
        const result = original.call(this, event, listener);
        if (inherited && (!active || this[name] !== wrapped)) return result;
        if (resources.#inFlight?.work() !== undefined) return result;
        let owner = isProcess ? resources.#callerOf() : resources.#ownerOf();
        // What a package adds to `process` for a module (a graceful-shutdown helper's SIGTERM
        // listener) is the module's if the package adds it again for the new version.
        const byPackage = owner === undefined && this === process && resources.#onProcess !== undefined;
        if (byPackage) owner = resources.#ownerOf();
        if (owner !== undefined && typeof listener === "function") {
          if (!isProcess && !resources.#emitterOwners.has(this)) resources.#emitterOwners.set(this, owner);
          resources.#record(owner, { kind: "listener", emitter: this, event, listener, byPackage });
        }
        return result;
      };
      Object.defineProperty(target, name, { value: wrapped, writable: true, configurable: true, enumerable: had?.enumerable ?? false });
      if (inherited) this.#inherited.set(wrapped, original);
      undo.push(() => {
        if (inherited) this.#inherited.delete(wrapped);
        if (had) Object.defineProperty(target, name, had);
        else delete (target as unknown as Record<string, unknown>)[name];
      });
    }
    return () => undo.reverse().forEach((step) => step());
  }
}

/** Whether a recorded listener is still on its emitter (an EventTarget-style one cannot tell: yes). */
function isListening(item: { readonly emitter: EventEmitter; readonly event: string | symbol; readonly listener: Listener }): boolean {
  const { emitter } = item;
  return typeof emitter.rawListeners !== "function" || emitter.rawListeners(item.event).includes(item.listener);
}

/** A timeout that fired, or any timer that was cleared. */
function isSpent(timer: NodeJS.Timeout): boolean {
  return (timer as unknown as { _destroyed?: boolean })._destroyed === true;
}
