/**
 * Zero-config in-place updates: an update that reaches an entry with no hot code (no
 * `accept()`, no `decline()`) re-evaluates the chain up to the entry in the running process, as
 * if the entry accepted itself; modules off that chain keep their state. What the replaced
 * versions started is retired (resources.ts, long-lived.ts), their servers are handed over
 * (handover.ts), what in-flight work started finishes (in-flight.ts), and a version that started
 * a child process still running is refused before anything stops (children.ts,
 * {@link InPlace.refusal}).
 *
 * On by default; `HOTLOAD_IN_PLACE=0` turns it off, and then nothing is wrapped and nothing is paid.
 *
 * The server wrappers need node:net, which costs ~4 ms of start-up to load: they go on when the
 * program first reaches a module that can make a server ({@link SERVER_BUILTINS}, through import,
 * require() or process.getBuiltinModule()), before it can have one.
 */
import type { Cluster } from "node:cluster";
import * as log from "../shared/log.js";
import { hotloadEnv, type HotloadEnv } from "../shared/env.js";
import { fileOf } from "../engine/modules/scope.js";
import type { UpdateResult } from "../hot-types.js";
import { Children } from "./children.js";
import { Handover } from "./handover.js";
import { InFlight } from "./in-flight.js";
import { LongLived } from "./long-lived.js";
import { ownerFinder, type OwnerScope } from "./owner.js";
import { Resources } from "./resources.js";
import { ProcessListeners } from "./signals.js";

/** Whether in-place updates are on (`HOTLOAD_IN_PLACE`; default: on). */
export function inPlaceEnabled(env: HotloadEnv = hotloadEnv()): boolean {
  return env.inPlace;
}

/**
 * The builtins through which a program gets a `net.Server` (or a subclass), each loading node:net:
 * the first import or require() of one installs the server wrappers.
 */
const SERVER_BUILTINS: ReadonlySet<string> = new Set(
  ["net", "http", "https", "http2", "tls", "cluster", "child_process", "_http_server", "_tls_wrap"].map((name) => `node:${name}`),
);

/** The builtins through which a program starts child processes (each loads node:child_process). */
const CHILD_BUILTINS: ReadonlySet<string> = new Set(["node:child_process", "node:cluster"]);

/** Options of {@link InPlace}. */
interface InPlaceOptions {
  /** How long a retired server waits for a new version to take it over (ms). */
  readonly graceMs?: number;
}

/** The in-place machinery of one process: what the runtime calls when an entry updates itself. */
export class InPlace {
  readonly #resources: Resources;
  readonly #handover: Handover;
  readonly #inFlight = new InFlight();
  readonly #longLived: LongLived;
  readonly #children: Children;
  readonly #processListeners = new ProcessListeners();
  /** `process.exitCode` as the replaced versions left it, put back if the update fails. */
  #exitCode: typeof process.exitCode;
  /** Modules released by the update running now. */
  readonly #released = new Set<string>();
  /** Whether the update running now ran dispose handlers of a released module (what they undid cannot come back). */
  #disposed = false;
  /** Whether the last roll-back gave every released module back what it had. */
  #restored = false;
  /** The handover's listen() count when the update running now released its first module. */
  #listensBefore = 0;
  #uninstall: (() => void) | undefined;
  #uninstallServers: (() => void) | undefined;
  #uninstallChildren: (() => void) | undefined;
  /** Puts Node's EventEmitter methods back: set while versions evaluate (see {@link evaluating}). */
  #endEvaluation: (() => void) | undefined;

  constructor(scope: OwnerScope, options: InPlaceOptions = {}) {
    const finders = ownerFinder(scope);
    this.#resources = new Resources(finders, this.#inFlight, this.#processListeners);
    this.#longLived = new LongLived(this.#resources);
    this.#handover = new Handover(finders.owner, (server) => this.#resources.emitterOwner(server), options.graceMs);
    this.#children = new Children(finders.evaluating);
  }

  /**
   * Starts recording timers and listeners, and servers once the program reaches node:net (see
   * {@link builtinResolved}). Call before the program's code runs.
   */
  install(): this {
    if (this.#uninstall) return this;
    const resources = this.#resources.install(false);
    const longLived = this.#longLived.install();
    const processListeners = this.#processListeners.install();
    // A builtin got this way passes no hook: it counts as resolved.
    const getBuiltinModule = process.getBuiltinModule;
    const inPlace = this;
    process.getBuiltinModule = function (this: unknown, id: string) {
      if (typeof id === "string") inPlace.builtinResolved(id.startsWith("node:") ? id : `node:${id}`);
      return getBuiltinModule.call(this, id);
    } as typeof process.getBuiltinModule;
    // The program's first versions evaluate now: their listeners are theirs too.
    this.#evaluating(true);
    setImmediate(() => {
      if (this.#released.size === 0) this.#evaluating(false);
    });
    this.#uninstall = () => {
      this.#evaluating(false);
      this.#uninstallServers?.();
      this.#uninstallServers = undefined;
      this.#uninstallChildren?.();
      this.#uninstallChildren = undefined;
      process.getBuiltinModule = getBuiltinModule;
      longLived();
      processListeners();
      resources();
      this.#uninstall = undefined;
    };
    return this;
  }

  /**
   * A module resolved to the builtin `url` (`node:http`): the first one that can make a server
   * installs the server wrappers (listen() handover, listeners by owner).
   */
  builtinResolved(url: string): void {
    if (this.#uninstallServers === undefined && this.#uninstall !== undefined && SERVER_BUILTINS.has(url)) this.installServers();
    if (this.#uninstall !== undefined) this.#longLived.builtinResolved(url);
    if (this.#uninstallChildren === undefined && this.#uninstall !== undefined && CHILD_BUILTINS.has(url)) {
      this.#uninstallChildren = () => undefined;
      this.#uninstallChildren = this.#children.install();
    }
  }

  /** Installs the server wrappers now (the loader: before the cluster's listen() wrapper). */
  installServers(): void {
    if (this.#uninstallServers !== undefined || this.#uninstall === undefined) return;
    // Set first: loading node:net below goes through process.getBuiltinModule, wrapped above.
    this.#uninstallServers = () => undefined;
    const listeners = this.#resources.installServers();
    const handover = this.#handover.install();
    const inFlight = this.#inFlight.install();
    this.#uninstallServers = () => {
      inFlight();
      handover();
      listeners();
    };
  }

  /**
   * Whether versions evaluate now (the program's start, until its first turn of the event loop; an
   * in-place update, from its first release to its end). While they do, every EventEmitter's
   * listener methods record who adds a listener (Resources#wrapEveryEmitter), so that one a
   * version's evaluation puts on a kept module's emitter goes with that version. Only then: those
   * methods are hot, and the rest of the time they are Node's own, at no cost. What is added after
   * the first turn at start (after a top-level `await` of I/O, or under a loader whose hooks run on
   * another thread) is not seen, and stays.
   */
  #evaluating(on: boolean): void {
    if (on && this.#endEvaluation === undefined) this.#endEvaluation = this.#resources.wrapEveryEmitter();
    else if (!on && this.#endEvaluation !== undefined) {
      this.#endEvaluation();
      this.#endEvaluation = undefined;
    }
  }

  /** Puts Node's functions back (tests). */
  uninstall(): void {
    this.#uninstall?.();
  }

  /**
   * Why the modules `ids` cannot be replaced in place, and what runs instead (the end of one
   * line), or undefined when they can: asked before anything of theirs stops.
   *
   * A cluster primary's workers run hotload too (they inherit its `--import`), and each updates
   * itself in place, as the restarted program's new workers would run the new code: what a
   * restart would not show is only the primary's own part run again, and the line says so rather
   * than that the previous version keeps running. Other children, or workers forked without
   * hotload, keep the previous version everywhere.
   */
  refusal(ids: readonly string[]): string | undefined {
    const stopping = this.#processListeners.stopping;
    if (stopping !== undefined) return `the program is shutting down (its ${stopping} handler ran); it is not started again`;
    const running = this.#children.running(ids);
    if (running.length === 0) return undefined;
    const owners = [...new Set(running.map(({ owner }) => log.displayPath(fileOf(owner))))].join(", ");
    // Loaded already when a worker was forked; a program with no cluster has no workers.
    const workers = Object.values((process.getBuiltinModule("node:cluster") as unknown as Cluster).workers ?? {}).map(
      (worker) => worker?.process,
    );
    const forked = running.filter(({ child }) => workers.includes(child));
    const what =
      forked.length === running.length
        ? plural(forked.length, "cluster worker")
        : plural(running.length, "child process", "child processes");
    const why = `${owners} started ${what} as it ran, which hotload cannot retire`;
    // A worker is forked with the primary's execArgv (and NODE_OPTIONS) unless the program chose others.
    const hot =
      forked.length === running.length && forked.every(({ child }) => process.execArgv.every((arg) => child.spawnargs.includes(arg)));
    return hot
      ? `${why}; its workers update themselves in place, the primary keeps its version (restart for a change to what the primary does)`
      : `${why}; restart needed, the previous version keeps running`;
  }

  /**
   * The module `id` is about to be evaluated again by an in-place update: its servers are retired
   * (the new version takes them over), its timers and listeners stop. `disposing`: its dispose
   * handlers run too.
   */
  release(id: string, disposing = false): void {
    if (this.#released.size === 0) {
      // Every in-place update runs the entry again: the program starts over with Node's exit code.
      this.#exitCode = process.exitCode;
      process.exitCode = undefined;
      this.#listensBefore = this.#handover.listens;
    }
    this.#released.add(id);
    this.#disposed ||= disposing;
    this.#evaluating(true);
    const servers = this.#handover.retire(id);
    const stopped = this.#resources.suspend(id);
    if (servers + stopped > 0)
      log.debug(() => `in place: ${log.displayPath(fileOf(id))} stopped ${stopped} timer(s)/listener(s), retired ${servers} server(s)`);
  }

  /**
   * Whether the new version of `id`, released for an update, has started anything: its top level
   * runs, so every module it imports has evaluated (see engine/update/unsettled.ts).
   */
  started(id: string): boolean {
    return this.#released.has(id) && this.#resources.count(id) > 0;
  }

  /** Whether the new versions took over what the old ones had: every server, and a listener for each event they listened to on `process`. */
  takenOver(): boolean {
    return !this.#handover.waiting() && !this.#processListeners.waiting();
  }

  /**
   * The update that released modules failed and rolled back: each gets back what it had (see
   * Resources#settle), before the failure is reported and whatever comes next runs. Whole unless
   * a dispose handler ran, something was closed, or the failed code called listen().
   */
  rolledBack(): void {
    // A server the failed code started may hold a retired server's socket now.
    this.#restored = !this.#disposed && this.#handover.listens === this.#listensBefore;
    for (const id of this.#released) this.#restored = this.#resources.settle(id, false) && this.#restored;
  }

  /**
   * After every settled update (the runtime's onUpdate): what became of the versions it released,
   * if it released any. `restored`: the new code failed as it ran (a throw at its top level, a
   * handler), and the old versions got back all they had; `half`: they could not, the process is
   * half of each version.
   */
  settled(result: UpdateResult): "updated" | "restored" | "half" | undefined {
    if (this.#released.size === 0) return undefined;
    const released = [...this.#released];
    this.#released.clear();
    this.#evaluating(false);
    const restored = this.#restored;
    this.#restored = false;
    this.#disposed = false;
    // What no roll-back gave back stops for good, as when the new version runs.
    for (const id of released) this.#resources.settle(id, true);
    const updated = result.status === "updated";
    if (!updated && process.exitCode === undefined) process.exitCode = this.#exitCode;
    this.#processListeners.settled(updated);
    if (updated) {
      this.#handover.settle();
      return "updated";
    }
    // The new versions did not run, and the old ones got back what they had: nothing to say
    // beyond the failure itself (their servers stay retired until a new version takes them over).
    if (restored) {
      log.debug(`in place: the previous version of ${released.map((id) => log.displayPath(fileOf(id))).join(", ")} runs on`);
      return "restored";
    }
    // A dispose handler ran, or a readline interface or worker was closed: the process is half of
    // each version (the runtime's reporter says so, or asks the command for a restart).
    return "half";
  }
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
