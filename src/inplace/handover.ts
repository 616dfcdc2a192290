/**
 * Servers are handed over, not closed and re-opened. When a module version that owned a listening
 * server is replaced, its server is *retired*: it keeps listening and serving. The new version's
 * `listen()` on the same address (same port, or port 0 again, or same pipe) does not bind: the
 * retired server's listening socket becomes the new server's, so the next connection is accepted
 * by the new server with all its settings, and no connection is ever refused.
 *
 * Why not bind a second socket with `reusePort` and close the old one: connections the kernel has
 * queued on the closing socket are reset (measured: 3 failures in 7,730 requests;
 * moving the socket: 0 in about 7,700).
 *
 * Connections the old server accepted stay open (a keep-alive client must not see a reset); their
 * next requests (and HTTP/2 streams) go to the newest server, whose `close()`,
 * `closeIdleConnections()` and `closeAllConnections()` close them too, so a shutdown ends as fast
 * as without an update. A retired server no new version takes over is closed a little after the
 * update. What stays open for good (an SSE stream, a WebSocket) is ended 1 s (the command's grace
 * too) after the newest server closes: else SIGTERM's `server.close()` would leave the
 * process running for as long as such a client stays.
 *
 * A unix socket's file stays while a retired server listens on it, though the new version removes
 * it before it listens (shared/socket-files.ts).
 */
import type { Server, Socket } from "node:net";
import { resolve } from "node:path";
import type { OwnerOf } from "./owner.js";
import { keepSocketFiles } from "../shared/socket-files.js";

// Not `import timers from "node:timers"`: an ES import of a builtin reads every export, and
// `timers.promises` then loads node:timers/promises at start-up for nothing.
const timers = process.getBuiltinModule("node:timers");

/** What a `listen()` call asked for, when it names an address hotload can compare. */
interface ListenTarget {
  readonly port?: number;
  readonly host?: string;
  readonly path?: string;
}

/** The address arguments of `server.listen(...)` (undefined for a handle or file descriptor). */
export function listenTarget(args: readonly unknown[]): ListenTarget | undefined {
  const [first, second] = args;
  if (typeof first === "object" && first !== null) {
    const options = first as { port?: unknown; host?: unknown; path?: unknown; fd?: unknown; _handle?: unknown; handle?: unknown };
    if (options._handle !== undefined || options.handle !== undefined || options.fd !== undefined) return undefined;
    if (typeof options.path === "string") return { path: options.path };
    const port = portOf(options.port ?? 0);
    if (port === undefined) return undefined;
    return typeof options.host === "string" ? { port, host: options.host } : { port };
  }
  if (typeof first === "string" && !/^\d+$/.test(first)) return { path: first };
  const port = portOf(typeof first === "function" || first === undefined || first === null ? 0 : first);
  if (port === undefined) return undefined;
  return typeof second === "string" ? { port, host: second } : { port };
}

/** Whether a new `listen()` asks for what an earlier one got: the same pipe, or port and host. */
export function sameTarget(a: ListenTarget, b: ListenTarget): boolean {
  if (a.path !== undefined || b.path !== undefined) return a.path === b.path;
  return a.port === b.port && hostKey(a.host) === hostKey(b.host);
}

function portOf(value: unknown): number | undefined {
  const port = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  return typeof port === "number" && Number.isInteger(port) && port >= 0 ? port : undefined;
}

/** Spellings of "every interface" and of "this machine" are one address each. */
function hostKey(host: string | undefined): string {
  if (host === undefined || host === "" || host === "::" || host === "0.0.0.0") return "*";
  if (host === "localhost" || host === "127.0.0.1" || host === "::1") return "localhost";
  return host.toLowerCase();
}

/** The internals of net.Server a handover moves (stable since Node 0.x; checked at install). */
interface ServerInternals {
  _handle: Record<symbol, unknown> | null;
  _connectionKey?: string;
}

interface Live {
  readonly target: ListenTarget;
  readonly owner: string | undefined;
  retired: boolean;
  /** How many retire() calls came before its listen(). */
  readonly since: number;
}

/** Events of connections an old server accepted, delivered to the newest server instead. */
const FORWARDED = new Set(["request", "upgrade", "checkContinue", "checkExpectation", "connect", "stream"]);
/**
 * The methods that close connections (http's) or sessions (http2's `close`): the newest server's
 * close those it took over too.
 */
const CLOSERS = ["close", "closeIdleConnections", "closeAllConnections"] as const;
/** How long the connections of taken-over servers get to finish once the newest server closes (ms). */
const CLOSING_GRACE_MS = 1000;
// Taken before anything is wrapped (see resources.ts): hotload's own timers belong to nobody.
const { setTimeout: rawSetTimeout, clearInterval: rawClearInterval } = timers;

/** Moves listening sockets from retired servers to the servers that replace them. */
export class Handover {
  readonly #ownerOf: OwnerOf;
  readonly #emitterOwner: (server: object) => string | undefined;
  readonly #graceMs: number;
  /** Listening servers, in the order they listened (a new version listens in the same order). */
  readonly #live = new Map<Server, Live>();
  /**
   * The server that took over from each old server that still has connections: always the newest,
   * so that a long-lived connection keeps no server between its own and the newest alive.
   */
  readonly #successor = new WeakMap<Server, Server>();
  /**
   * The old servers whose connections each listening server took over, however long ago, while
   * they have any: one flat list on the newest server, from which a drained server leaves.
   * Neither map holds a server that closed: old versions' servers, with their handlers and all
   * their code reaches, are garbage once their last connection ends.
   */
  readonly #predecessors = new WeakMap<Server, Server[]>();
  /** The open connections each listening server accepted (upgraded ones included: http forgets those). */
  readonly #accepted = new WeakMap<Server, Set<Socket>>();
  /** How to put back what was wrapped after the install (closers, fs removals). */
  readonly #undo: (() => void)[] = [];
  /** Whether removals of socket files are watched (shared/socket-files.ts; from the first listen() on a path). */
  #keepingFiles = false;
  /** How many times servers were retired (once per replaced module). */
  #retirements = 0;
  /** How many times a server was told to listen (a new version's listen() may take a retired server's socket). */
  #listens = 0;
  /** How many servers were handed over so far. */
  handedOver = 0;
  /** net's Server#close, as Node made it (taken at install: node:net loads only then). */
  #rawClose: Server["close"] | undefined;

  /**
   * `ownerOf` names the module calling `listen()`; `emitterOwner` the module that created a
   * server (when `listen()` runs later, from a framework's callback). A retired server that no
   * new version takes over within `graceMs` of a successful update is closed.
   */
  constructor(ownerOf: OwnerOf, emitterOwner: (server: object) => string | undefined, graceMs = 2000) {
    this.#ownerOf = ownerOf;
    this.#emitterOwner = emitterOwner;
    this.#graceMs = graceMs;
  }

  /** Wraps `net.Server.prototype.listen`; returns the function that puts it back. */
  install(): () => void {
    const { Server } = process.getBuiltinModule("node:net");
    this.#rawClose ??= Server.prototype.close;
    const original = Server.prototype.listen;
    const handover = this;
    Server.prototype.listen = function (this: Server, ...args: unknown[]): Server {
      return handover.#listen(this, original as (...a: unknown[]) => Server, args);
    } as typeof Server.prototype.listen;
    return () => {
      Server.prototype.listen = original;
      for (const step of this.#undo.splice(0).reverse()) step();
      this.#keepingFiles = false;
    };
  }

  /** Whether a retired server listens at the unix socket `path` (its file must stay). */
  #holds(path: string): boolean {
    const absolute = resolve(path);
    for (const [server, live] of this.#live) {
      if (live.retired && live.target.path !== undefined && server.listening && resolve(live.target.path) === absolute) return true;
    }
    return false;
  }

  /** Retires the listening servers `owner` created or started: the next matching listen() takes them. */
  retire(owner: string): number {
    this.#retirements++;
    let retired = 0;
    for (const [server, live] of this.#live) {
      if (!server.listening) this.#live.delete(server);
      else if (live.owner === owner || (live.owner === undefined && this.#emitterOwner(server) === owner)) {
        live.retired = true;
        retired++;
      }
    }
    return retired;
  }

  /** Whether a retired server still listens, waiting for a new version to take it over. */
  waiting(): boolean {
    for (const [server, live] of this.#live) if (live.retired && server.listening) return true;
    return false;
  }

  /**
   * After a successful update: a retired server that the new version does not take over soon (it
   * listens elsewhere now, or not at all) is closed, so no old code keeps answering.
   */
  settle(): void {
    const waiting = [...this.#live].filter(([, live]) => live.retired).map(([server]) => server);
    if (waiting.length === 0) return;
    rawSetTimeout(() => {
      for (const server of waiting) {
        if (this.#live.get(server)?.retired !== true) continue;
        this.#live.delete(server);
        server.close();
      }
    }, this.#graceMs).unref();
  }

  /** How many listen() calls there were so far: one during a failed update means a server may have moved. */
  get listens(): number {
    return this.#listens;
  }

  /** The server that now answers for `server` (itself, if never replaced or closed). */
  newest(server: Server): Server {
    return this.#successor.get(server) ?? server;
  }

  /** `old`, taken over before, emitted 'close': its last connection ended. */
  #drained(old: Server): void {
    const newest = this.#successor.get(old);
    this.#successor.delete(old);
    const list = newest && this.#predecessors.get(newest);
    const at = list?.indexOf(old) ?? -1;
    if (at >= 0) list!.splice(at, 1);
  }

  #listen(server: Server, original: (...args: unknown[]) => Server, args: unknown[]): Server {
    this.#listens++;
    const target = listenTarget(args);
    const owner = this.#ownerOf() ?? this.#emitterOwner(server);
    const same = this.#live.get(server);
    if (same?.retired && server.listening && target !== undefined && sameTarget(same.target, target)) {
      // A kept module's server that the new entry starts again: it listens already, and stays.
      same.retired = false;
      announce(server, args);
      return server;
    }
    const since = this.#retirements;
    if (target !== undefined) {
      const old = this.#retiredAt(target) ?? this.#heldFromBefore(target, server);
      if (old && this.#transfer(old, server, args)) {
        this.#live.set(server, { target, owner, retired: false, since });
        this.#track(server);
        return server;
      }
    }
    const result = original.apply(server, args);
    if (target !== undefined) {
      this.#live.set(server, { target, owner, retired: false, since });
      this.#track(server);
    }
    if (target?.path !== undefined && !this.#keepingFiles) {
      this.#keepingFiles = true;
      this.#undo.push(keepSocketFiles((path) => this.#holds(path)));
    }
    return result;
  }

  /** Keeps the connections `server` accepts, until they close. */
  #track(server: Server): void {
    if (this.#accepted.has(server)) return;
    const sockets = new Set<Socket>();
    this.#accepted.set(server, sockets);
    server.prependListener("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
  }

  /**
   * `server` (the newest) closes: the connections of the servers it took over, however long ago,
   * that are still open after the grace are ended. The timer does not keep the process alive.
   */
  #endTakenOver(server: Server): void {
    const old = [...(this.#predecessors.get(server) ?? [])];
    if (!old.some((previous) => (this.#accepted.get(previous)?.size ?? 0) > 0)) return;
    rawSetTimeout(() => {
      for (const previous of old) for (const socket of this.#accepted.get(previous) ?? []) socket.destroy();
    }, CLOSING_GRACE_MS).unref();
  }

  #retiredAt(target: ListenTarget): Server | undefined {
    for (const [server, live] of this.#live) {
      if (!server.listening) this.#live.delete(server);
      else if (live.retired && sameTarget(live.target, target)) return server;
    }
    return undefined;
  }

  /**
   * A server that still listens at `target` (a fixed port or a path) though a module was replaced
   * since it listened. Its owner was kept, yet the new code listens there again: after a restart
   * that listen() would succeed, since no old server would hold the address, so it takes this one
   * over. The usual way here: an async helper that the entry calls without awaiting it listens after
   * an `await` (`bootstrap()` in `lib/app.mjs`); the stack then shows the helper, not the entry.
   * Within one version, a second listen() on a held address fails with EADDRINUSE, as in plain node.
   */
  #heldFromBefore(target: ListenTarget, server: Server): Server | undefined {
    if (target.path === undefined && target.port === 0) return undefined;
    for (const [held, live] of this.#live) {
      if (held !== server && !live.retired && held.listening && live.since < this.#retirements && sameTarget(live.target, target))
        return held;
    }
    return undefined;
  }

  /**
   * Makes `server`'s class close the connections of the servers it took over when it closes its
   * own (http.Server#close calls closeIdleConnections; Http2Server#close closes every session).
   * Wrapped where the class defines them, once: nothing on the server itself changes. net's own
   * close closes no connection, and stays as it is.
   */
  #closeWithPredecessors(server: Server): void {
    const handover = this;
    for (const name of CLOSERS) {
      let owner: object | null = Object.getPrototypeOf(server) as object | null;
      while (owner !== null && !Object.hasOwn(owner, name)) owner = Object.getPrototypeOf(owner) as object | null;
      const methods = owner as Record<string, unknown> | null;
      const original = methods?.[name];
      if (methods === null || typeof original !== "function" || original === this.#rawClose || (original as { [WRAPPED]?: true })[WRAPPED])
        continue;
      const wrapped = Object.defineProperty(
        function (this: Server, ...args: unknown[]): unknown {
          const result: unknown = Reflect.apply(original, this, args);
          if (name === "close") handover.#endTakenOver(this);
          for (const old of [...(handover.#predecessors.get(this) ?? [])]) {
            // A drained old server emitted 'close' already: closing it again would emit it twice.
            if (name === "close" && !((old as unknown as { _connections: number })._connections > 0)) continue;
            (old as unknown as Record<string, (() => void) | undefined>)[name]?.();
          }
          return result;
        },
        WRAPPED,
        { value: true },
      );
      methods[name] = wrapped;
      this.#undo.push(() => (methods[name] = original));
    }
  }

  /** Gives `old`'s listening socket to `next`. False when the socket cannot be moved. */
  #transfer(old: Server, next: Server, args: readonly unknown[]): boolean {
    const from = old as unknown as ServerInternals;
    const to = next as unknown as ServerInternals;
    const handle = from._handle;
    // The listening socket calls back the server stored under this symbol for every connection.
    if (!handle || to._handle) return false;
    const owner = Object.getOwnPropertySymbols(handle).find((s) => s.description === "owner_symbol");
    if (owner === undefined) return false;
    handle[owner] = next;
    to._handle = handle;
    to._connectionKey = from._connectionKey;
    from._handle = null;
    this.#live.delete(old);
    // `next` answers for `old` and for every server `old` answered for (see #predecessors).
    const inherited = this.#predecessors.get(old) ?? [];
    this.#predecessors.delete(old);
    for (const previous of inherited) this.#successor.set(previous, next);
    this.#successor.set(old, next);
    this.#predecessors.set(next, [...(this.#predecessors.get(next) ?? []), old, ...inherited]);
    this.#closeWithPredecessors(next);
    this.handedOver++;
    forwardRequests(
      old,
      () => this.newest(old),
      () => this.#drained(old),
    );
    // net's close, not http's: http's would close idle keep-alive connections, and a client that
    // sends its next request on one just then sees a reset. This one emits 'close' when the last
    // connection ends by itself.
    this.#rawClose?.call(old);
    announce(next, args);
    return true;
  }
}

/** Marks hotload's wrappers of the closers, so that a class is wrapped once. */
const WRAPPED = Symbol("hotload.closesPredecessors");

/** Emits 'listening' on `server` (and calls listen()'s callback) as net does: on the next tick. */
function announce(server: Server, args: readonly unknown[]): void {
  const callback = args.findLast((arg) => typeof arg === "function") as (() => void) | undefined;
  if (callback) server.once("listening", callback);
  process.nextTick(() => server.emit("listening"));
}

/**
 * Requests on connections `old` accepted go to the newest server from now on. When the last of
 * them ends ('close'), the timer http keeps for their time-outs goes too.
 */
function forwardRequests(old: Server, newest: () => Server, drained: () => void): void {
  const emit = old.emit;
  const checking = Object.getOwnPropertySymbols(old).find((s) => s.description === "http.server.connectionsCheckingInterval");
  Object.defineProperty(old, "emit", {
    configurable: true,
    writable: true,
    value(this: Server, event: string | symbol, ...args: unknown[]): boolean {
      if (typeof event === "string" && FORWARDED.has(event)) {
        const to = newest();
        if (to !== old) return to.emit(event, ...args);
      }
      if (event === "close") {
        if (checking !== undefined) rawClearInterval((old as unknown as Record<symbol, NodeJS.Timeout>)[checking]);
        drained();
      }
      return Reflect.apply(emit, this, [event, ...args]) as boolean;
    },
  });
}
