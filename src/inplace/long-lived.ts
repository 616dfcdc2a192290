/**
 * What a program shares across versions besides `process`: the emitters a version did not create
 * but listens to (stdin, a worker thread's `parentPort`), and what a version opens on them or
 * beside them (readline interfaces, worker threads). A restart starts each of these afresh, so
 * in place what a version's evaluation added or opened goes with it:
 *
 * - its listeners on stdin and `parentPort` are removed (a worker that is updated answers each
 *   task once, not once per version);
 * - the readline interfaces it created are closed, without closing stdin and without telling the
 *   old version's listeners (a restart would not run its `rl.on("close")` either);
 * - the worker threads it started are terminated, likewise without their 'exit' listeners;
 * - the uncaught exception capture callback it set is unset (it can be set only once).
 * - the promise timers of `node:timers/promises` it started stop (promise-timers.ts);
 * - what it subscribed to a diagnostics channel is unsubscribed once the new version runs;
 * - the UDP sockets it bound are closed (the new version binds the port again, which would fail
 *   with EADDRINUSE while the old socket held it).
 *
 * Each is wrapped only once the program reaches it (stdin when first read, the others with their
 * builtin), so a program that never uses them pays nothing. What a package opens is the
 * package's (a worker pool), and what in-flight work opens finishes (see in-flight.ts).
 */
import type { Channel, ChannelListener } from "node:diagnostics_channel";
import type { EventEmitter } from "node:events";
import { syncBuiltinESMExports } from "node:module";
import type { Interface as ReadlineInterface } from "node:readline";
import { wrapPromiseTimers } from "./promise-timers.js";
import type { Resources } from "./resources.js";

/** The builtins through which a program gets something of this file (promise timers also as `timers.promises`). */
const LONG_LIVED_BUILTINS: ReadonlySet<string> = new Set([
  "node:worker_threads",
  "node:readline",
  "node:readline/promises",
  "node:timers",
  "node:timers/promises",
  "node:diagnostics_channel",
  "node:dgram",
]);

/** Wraps what a program shares across versions, as the program reaches it. */
export class LongLived {
  readonly #resources: Resources;
  readonly #undo: (() => void)[] = [];
  readonly #installed = new Set<string>();

  constructor(resources: Resources) {
    this.#resources = resources;
  }

  /** Starts watching for stdin; returns the function that puts everything back. */
  install(): () => void {
    this.#captureCallback();
    const descriptor = Object.getOwnPropertyDescriptor(process, "stdin");
    if (descriptor?.get && descriptor.configurable) {
      const read = descriptor.get;
      let wrapped: EventEmitter | undefined;
      Object.defineProperty(process, "stdin", {
        ...descriptor,
        get: () => {
          const stdin = read.call(process) as EventEmitter;
          if (wrapped !== stdin) {
            wrapped = stdin;
            this.#undo.push(this.#resources.wrapEmitter(stdin));
          }
          return stdin;
        },
      });
      this.#undo.push(() => Object.defineProperty(process, "stdin", descriptor));
    }
    return () => {
      for (const step of this.#undo.splice(0).reverse()) step();
      this.#installed.clear();
      syncBuiltinESMExports();
    };
  }

  /**
   * `process.setUncaughtExceptionCaptureCallback(fn)` may be called once: the new version's call
   * would throw ERR_UNCAUGHT_EXCEPTION_CAPTURE_ALREADY_SET where a restart's succeeds, so the
   * callback a version set goes with it.
   */
  #captureCallback(): void {
    const set = process.setUncaughtExceptionCaptureCallback;
    let current: unknown = null;
    const resources = this.#resources;
    process.setUncaughtExceptionCaptureCallback = function (this: unknown, callback: ((error: Error) => void) | null) {
      Reflect.apply(set, this, [callback]);
      current = callback;
      if (callback === null) return;
      resources.opened({
        live: () => current === callback,
        close: () => {
          if (current === callback) set.call(process, (current = null));
        },
      });
    } as typeof set;
    this.#undo.push(() => (process.setUncaughtExceptionCaptureCallback = set));
  }

  /** A module resolved to the builtin `url`: the first one of each kind wraps it. */
  builtinResolved(url: string): void {
    if (!LONG_LIVED_BUILTINS.has(url) || this.#installed.has(url)) return;
    if (url === "node:worker_threads") {
      this.#installed.add(url);
      this.#workerThreads();
    } else if (url === "node:diagnostics_channel") {
      this.#installed.add(url);
      this.#diagnosticsChannel();
    } else if (url === "node:dgram") {
      this.#installed.add(url);
      this.#dgram();
    } else if (url.startsWith("node:timers")) {
      this.#installed.add("node:timers").add("node:timers/promises");
      this.#undo.push(wrapPromiseTimers(this.#resources));
    } else {
      // `readline.promises` is node:readline/promises: both go on together.
      this.#installed.add("node:readline").add("node:readline/promises");
      this.#readline("node:readline");
      this.#readline("node:readline/promises");
    }
    syncBuiltinESMExports();
  }

  #workerThreads(): void {
    const threads = process.getBuiltinModule("node:worker_threads");
    if (threads.parentPort) this.#undo.push(this.#resources.wrapEmitter(threads.parentPort as unknown as EventEmitter));
    const Worker = threads.Worker;
    const resources = this.#resources;
    // A Proxy, not a subclass: `Worker.prototype`, statics and `instanceof` stay Node's, and a
    // program's own subclass of Worker is constructed through it too.
    threads.Worker = new Proxy(Worker, {
      construct(target, args, newTarget) {
        const worker = Reflect.construct(target, args, newTarget === threads.Worker ? target : newTarget) as InstanceType<typeof Worker>;
        let exited = false;
        worker.once("exit", () => (exited = true));
        resources.opened({
          live: () => !exited,
          close: () => {
            worker.removeAllListeners();
            void worker.terminate();
          },
        });
        return worker;
      },
    });
    this.#undo.push(() => (threads.Worker = Worker));
  }

  /**
   * A channel's `subscribe()`, through `subscribe(name, fn)` of the module or a channel's own method
   * (Node switches a channel between two classes as it gains and loses subscribers: both are
   * wrapped). The subscription goes once the new version runs, which subscribes its own: until
   * then a message reaches the old one, and a failed update leaves it be.
   */
  #diagnosticsChannel(): void {
    const dc = process.getBuiltinModule("node:diagnostics_channel");
    type Subscribe = (this: Channel, onMessage: ChannelListener) => void;
    const resources = this.#resources;
    const opened = (channel: Channel, onMessage: ChannelListener): void => {
      let subscribed = true;
      resources.opened({
        live: () => subscribed,
        close: () => {
          subscribed = false;
          channel.unsubscribe(onMessage);
        },
        atCommit: true,
      });
    };
    // The module's subscribe(name, fn) calls the channel's: recorded once, with the program's frame
    // right above it (the owner is whoever calls through node:events only).
    let inModule = false;
    const probe = dc.channel(Symbol("hotload.probe"));
    const inactive = Object.getPrototypeOf(probe) as { subscribe: Subscribe };
    const nothing = (): void => undefined;
    probe.subscribe(nothing);
    const active = Object.getPrototypeOf(probe) as { subscribe: Subscribe };
    probe.unsubscribe(nothing);
    for (const prototype of new Set([inactive, active])) {
      const subscribe = prototype.subscribe;
      prototype.subscribe = function (onMessage) {
        Reflect.apply(subscribe, this, [onMessage]);
        if (!inModule) opened(this, onMessage);
      };
      this.#undo.push(() => (prototype.subscribe = subscribe));
    }
    const subscribe = dc.subscribe;
    dc.subscribe = function (this: unknown, name: string | symbol, onMessage: ChannelListener) {
      inModule = true;
      try {
        Reflect.apply(subscribe, this, [name, onMessage]);
      } finally {
        inModule = false;
      }
      opened(dc.channel(name), onMessage);
    } as typeof subscribe;
    this.#undo.push(() => (dc.subscribe = subscribe));
  }

  /**
   * A UDP socket goes with the version that bound it, at once: a restart's old process lets its
   * port go before the new one binds it (datagrams meanwhile are lost, as then). Recorded at
   * bind(), which send() calls for a socket that was not bound.
   */
  #dgram(): void {
    const { Socket } = process.getBuiltinModule("node:dgram");
    const { bind, close } = Socket.prototype;
    const closed = new WeakSet<object>();
    const resources = this.#resources;
    Socket.prototype.bind = function (this: InstanceType<typeof Socket>, ...args: unknown[]) {
      const result = Reflect.apply(bind, this, args) as InstanceType<typeof Socket>;
      resources.opened({
        live: () => !closed.has(this),
        close: () => {
          // Its listeners first: the old version's 'close' handler is not the new program's.
          this.removeAllListeners();
          this.close();
        },
      });
      return result;
    } as typeof bind;
    Socket.prototype.close = function (this: InstanceType<typeof Socket>, ...args: unknown[]) {
      closed.add(this);
      return Reflect.apply(close, this, args) as InstanceType<typeof Socket>;
    } as typeof close;
    this.#undo.push(() => Object.assign(Socket.prototype, { bind, close }));
  }

  #readline(url: string): void {
    const readline = process.getBuiltinModule(url as "node:readline");
    const { createInterface, Interface } = readline;
    const opened = (rl: ReadlineInterface): void => {
      let closed = false;
      rl.once("close", () => (closed = true));
      this.#resources.opened({
        live: () => !closed,
        close: () => {
          // Its listeners first: a `for await` over its lines must not end and run on, nor 'close' exit.
          rl.removeAllListeners();
          rl.close();
        },
      });
    };
    // Both ways of making one: createInterface() calls Node's own class, not the export.
    readline.createInterface = function (this: unknown, ...args: unknown[]) {
      const rl = Reflect.apply(createInterface, this, args) as ReturnType<typeof createInterface>;
      opened(rl);
      return rl;
    } as typeof createInterface;
    readline.Interface = new Proxy(Interface, {
      construct(target, args, newTarget) {
        const rl = Reflect.construct(target, args, newTarget === readline.Interface ? target : newTarget) as ReadlineInterface;
        opened(rl);
        return rl;
      },
    });
    this.#undo.push(() => {
      readline.createInterface = createInterface;
      readline.Interface = Interface;
    });
  }
}
