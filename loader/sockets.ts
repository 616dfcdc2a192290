/**
 * Under the `hotload` command the supervisor holds every listening socket the program asks for
 * (werkzeug's model): the program's first `listen()` on an address binds as under plain
 * node, and the socket goes to the supervisor; the next process gets it before its first line
 * runs, and its `listen()` on that address takes it instead of binding. So old and new process
 * accept on one socket while both run, and the kernel queues connections while neither does: a
 * restart refuses none.
 *
 * - Keys name what `listen()` asked for (`tcp:<host>:<port>`, `pipe:<path>`); a port 0 also counts
 *   its listens (`tcp:<host>:0#2`), so a new process gets the port the old one was given.
 * - A socket the program closes itself is released (the supervisor closes its copy).
 * - A unix path: bound under a name of its own and renamed (see listenAtPath); the program's
 *   removal of the path before it listens again leaves the path in place while the socket behind
 *   it is held (see keepHeldPaths); a path removed by someone else is bound again.
 * - In the program's own node:cluster workers (hotload runs there from the primary's execArgv,
 *   without a link), see followPrimary.
 * - When a new process has taken over, this one retires: its listening sockets close without
 *   cutting idle keep-alive connections (http.Server#close would: a client sending its next
 *   request at that moment gets ECONNRESET). Every response from then on says `Connection: close`,
 *   so clients leave after their next answer, and connections idle for a while are closed. Then it
 *   tells the supervisor, which sends SIGTERM, so that the program's own shutdown handler runs; a
 *   connection that stays open (SSE, WebSocket, long poll) does not delay that beyond a short grace.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Cluster } from "node:cluster";
import type { Server, Socket } from "node:net";
import { LINK_COMMAND, supervisorMessage, wire } from "../src/shared/link.js";
import type { SupervisorLink } from "./link.js";
import { keepSocketFiles } from "../src/shared/socket-files.js";

/** A connection idle this long after retiring is closed (ms). */
const IDLE_CLOSE_MS = 250;

/** A handle of node:net (TCP or Pipe wrap): what travels to and from the supervisor. */
type Handle = Record<string | symbol, unknown> & { close(callback?: () => void): void };

/** What a `listen()` call asked for. */
interface Request {
  readonly key: string;
  readonly path?: string;
  readonly backlog?: number;
  readonly callback?: () => void;
}

/**
 * Installs the `listen()` wrapper: `held` has the supervisor's sockets by key (filled before the
 * program runs).
 */
export function holdSockets(link: SupervisorLink, held: Map<string, object>): void {
  const net = process.getBuiltinModule("node:net");
  const { Server } = net;
  const listen = Server.prototype.listen as (this: Server, ...args: unknown[]) => Server;
  const close = Server.prototype.close;
  /** The handles this process listens on: their key, and the connections they accepted. */
  const live = new Map<Handle, { key: string; connections: Set<Socket> }>();
  const zeroPorts = new Map<string, number>();
  let retiring = false;
  const taken = (key: string, handle: Handle, path: string | undefined): void => {
    const connections = new Set<Socket>();
    live.set(handle, { key, connections });
    // Connections are counted at the handle: an in-place update may hand it to another server.
    const onconnection = handle["onconnection"] as (...args: unknown[]) => void;
    handle["onconnection"] = function (this: Handle, ...args: unknown[]) {
      const server = ownerOf(handle);
      const count = (socket: Socket): void => {
        connections.add(socket);
        socket.once("close", () => connections.delete(socket));
      };
      server?.prependOnceListener("connection", count);
      onconnection.apply(this, args);
      server?.removeListener("connection", count);
    };
    const closeHandle = handle.close;
    handle.close = function (this: Handle, callback?: () => void) {
      if (live.delete(handle) && !retiring) {
        link.send({ hotload: "released", key });
        // Node removes the path of a unix socket it closes; this handle's was bound elsewhere.
        if (path !== undefined && isSocketFile(path)) process.getBuiltinModule("node:fs").rmSync(path, { force: true });
      }
      return closeHandle.call(this, callback);
    };
  };
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    const request = requestOf(args, zeroPorts);
    if (request === undefined || this.listening) return listen.apply(this, args);
    let handle = held.get(request.key) as Handle | undefined;
    held.delete(request.key);
    if (handle && request.path !== undefined && !isSocketFile(request.path)) {
      // Removed behind hotload's back: bound again, as under plain node.
      handle.close();
      handle = undefined;
    }
    if (handle) {
      adopt(this, handle, request, listen);
      taken(request.key, handle, request.path);
      link.send({ hotload: "listening", key: request.key });
      return this;
    }
    const result = request.path === undefined ? listen.apply(this, args) : listenAtPath(this, args, request.path, listen);
    const bound = (): void => {
      const own = (this as unknown as { _handle: Handle | null })._handle;
      if (!own || live.has(own)) return;
      taken(request.key, own, request.path);
      link.send({ hotload: "listening", key: request.key }, own);
    };
    // Bound synchronously, unless a host name had to be looked up first.
    if (this.listening) bound();
    else this.once("listening", bound);
    return result;
  } as typeof Server.prototype.listen;
  // Once the supervisor's sockets are here, before the program runs (loader/index.ts awaits the
  // same promise, later).
  void link.started.then(() => keepHeldPaths(held));
  link.onRetire(() => {
    retiring = true;
    const closing = [...live].map(([handle, { connections }]) => retire(handle, connections, close));
    closing.push(retireWorkers() as Promise<void>);
    void Promise.all(closing).then(() => link.send({ hotload: "retired" }));
  });
}

/**
 * A unix socket's path that the program removes before it listens again (nearly every such server
 * does) is left in place while the supervisor holds the socket behind it: `listen()` then takes
 * that socket, which stayed reachable all along. Removed for real, clients would get ENOENT until
 * the new process has bound again. The program's removal succeeds as it would; only the file
 * stays, as if it had been bound again at once (src/shared/socket-files.ts, as in place).
 */
function keepHeldPaths(held: Map<string, object>): void {
  if (![...held.keys()].some((key) => key.startsWith("pipe:"))) return;
  keepSocketFiles((path) => held.has(`pipe:${path}`));
}

/**
 * `listen(path)` for a path where no socket is: bound under a name of its own next to it, then
 * renamed to `path`. Node (libuv) removes the path a unix socket was bound to when it closes it;
 * under its own name, the socket a retiring process closes cannot take the new process's path
 * with it. (A path that exists is listened on as given: EADDRINUSE, as under plain node.)
 */
function listenAtPath(server: Server, args: unknown[], path: string, listen: (this: Server, ...args: unknown[]) => Server): Server {
  const { dirname, basename, join } = process.getBuiltinModule("node:path");
  const fs = process.getBuiltinModule("node:fs");
  const own = join(dirname(path), `.${basename(path)}.hotload-${process.pid}`);
  // Linux's limit for a socket's path is 107 bytes; an abstract name (\0...) has no file.
  if (path.startsWith("\0") || Buffer.byteLength(own) > 100 || fs.existsSync(path)) return listen.apply(server, args);
  fs.rmSync(own, { force: true });
  const renamed =
    typeof args[0] === "object" && args[0] !== null ? [{ ...(args[0] as object), path: own }, ...args.slice(1)] : [own, ...args.slice(1)];
  const result = listen.apply(server, renamed);
  if (server.listening) {
    fs.renameSync(own, path);
    (server as unknown as { _pipeName: string })._pipeName = path;
  }
  return result;
}

/** The server a listening handle calls back for each connection. */
function ownerOf(handle: Handle): Server | undefined {
  const owner = Object.getOwnPropertySymbols(handle).find((s) => s.description === "owner_symbol");
  return owner === undefined ? undefined : (handle[owner] as Server | undefined);
}

/** Listens on a socket the supervisor handed over, as `listen()` would have bound it. */
function adopt(server: Server, handle: Handle, request: Request, listen: (this: Server, ...args: unknown[]) => Server): void {
  if (request.path === undefined) {
    // net's listen(handle) takes a TCP handle as it is.
    listen.call(server, handle, request.backlog, request.callback);
    return;
  }
  // A pipe handle it would open again from its descriptor: what net does for a TCP one instead.
  const internals = server as unknown as { _handle: Handle; _pipeName: string; _listen2(...args: unknown[]): void };
  if (request.callback) server.once("listening", request.callback);
  internals._handle = handle;
  internals._pipeName = request.path;
  internals._listen2(null, -1, -1, request.backlog);
}

function isSocketFile(path: string): boolean {
  try {
    return process.getBuiltinModule("node:fs").statSync(path).isSocket();
  } catch {
    return false;
  }
}

/**
 * The key and details of a `listen(...)` call, or undefined for a handle or file descriptor.
 * `zeroPorts` counts the port-0 listens of this process, by address.
 */
export function requestOf(args: readonly unknown[], zeroPorts: Map<string, number>): Request | undefined {
  const callback = args.findLast((arg) => typeof arg === "function") as (() => void) | undefined;
  const [first, second, third] = args;
  let port: unknown;
  let host: unknown;
  let path: unknown;
  let backlog: unknown;
  let ipv6Only = false;
  if (typeof first === "object" && first !== null) {
    const options = first as {
      port?: unknown;
      host?: unknown;
      path?: unknown;
      fd?: unknown;
      _handle?: unknown;
      handle?: unknown;
      backlog?: unknown;
      ipv6Only?: unknown;
    };
    if (options._handle !== undefined || options.handle !== undefined || options.fd !== undefined) return undefined;
    ({ port, host, path, backlog } = options);
    ipv6Only = options.ipv6Only === true;
    if (path === undefined) port ??= 0;
  } else if (typeof first === "string" && !/^\d+$/.test(first)) {
    path = first;
    backlog = second;
  } else {
    port = typeof first === "function" || first === undefined || first === null ? 0 : first;
    if (typeof second === "string") {
      host = second;
      backlog = third;
    } else backlog = second;
  }
  const numericBacklog = typeof backlog === "number" ? backlog : undefined;
  if (typeof path === "string") return { key: `pipe:${path}`, path, backlog: numericBacklog, callback };
  const number = typeof port === "string" && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 0) return undefined;
  let key = `tcp:${typeof host === "string" ? host : ""}:${number}${ipv6Only ? ":v6only" : ""}`;
  if (number === 0) {
    const count = (zeroPorts.get(key) ?? 0) + 1;
    zeroPorts.set(key, count);
    key = `${key}#${count}`;
  }
  return { key, backlog: numericBacklog, callback };
}

function isHttp(server: Server): boolean {
  return typeof (server as { closeIdleConnections?: unknown }).closeIdleConnections === "function";
}

/**
 * Stops `handle` listening and lets its connections finish; resolves when the last one has ended
 * (the supervisor sends SIGTERM then, or after a grace).
 */
function retire(handle: Handle, connections: Set<Socket>, close: Server["close"]): Promise<void> {
  const server = ownerOf(handle);
  if (server && (server as unknown as { _handle: unknown })._handle === handle) {
    // net's close, not http's: http's also cuts every idle keep-alive connection at once.
    close.call(server);
  } else {
    // A handle without its server (node:cluster's primary keeps it so): it only stops accepting.
    handle.close();
  }
  return drain(server, connections);
}

/**
 * Lets `connections` of `server` finish: every response from now on says `Connection: close`, a
 * connection idle for {@link IDLE_CLOSE_MS} is closed. Resolves when none is left.
 */
function drain(server: Server | undefined, connections: Set<Socket>): Promise<void> {
  const http = server !== undefined && isHttp(server);
  // Requests of connections an in-place update handed over reach the newest server, this one.
  if (http) {
    server.prependListener("request", (_request: IncomingMessage, response: ServerResponse) => {
      if (!response.headersSent) response.setHeader("Connection", "close");
    });
  }
  return new Promise((resolve) => {
    const idleSince = new Map<Socket, number>();
    const sweep = (): void => {
      const now = Date.now();
      for (const socket of connections) {
        // http keeps the response being written on its socket: none means the connection is idle.
        if (!http || (socket as unknown as { _httpMessage?: unknown })._httpMessage) idleSince.delete(socket);
        else if (!idleSince.has(socket)) idleSince.set(socket, now);
        else if (now - idleSince.get(socket)! >= IDLE_CLOSE_MS) socket.destroy();
      }
      if (connections.size > 0) return;
      clearInterval(timer);
      resolve();
    };
    const timer = setInterval(sweep, IDLE_CLOSE_MS / 4);
    timer.unref();
    sweep();
  });
}

/**
 * In the program's node:cluster primary: its workers hold the connections. Each is told to retire
 * too (over cluster's own channel, a NODE_ message the program never sees); resolves when each
 * has said it is done, or has gone.
 */
function retireWorkers(): Promise<unknown> {
  const cluster = process.getBuiltinModule("node:cluster") as unknown as Cluster;
  return Promise.all(
    Object.values(cluster.workers ?? {}).map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (!worker?.isConnected()) return resolve();
          const child = worker.process as unknown as NodeJS.EventEmitter;
          child.on("internalMessage", (message: unknown) => {
            const { cmd, hotload } = (message ?? {}) as { cmd?: unknown; hotload?: unknown };
            if (cmd === LINK_COMMAND && hotload === "retired") resolve();
          });
          worker.once("exit", () => resolve());
          // An error (the worker is gone) comes to the callback, not as an event.
          worker.process.send(wire({ hotload: "retire" }), () => {});
        }),
    ),
  );
}

/**
 * In a node:cluster worker of a program under the command (it runs hotload from its primary's
 * execArgv, without a link): when its primary retires, it stops listening and lets its
 * connections finish as well, then says so.
 */
export function followPrimary(): void {
  if (!process.channel) return;
  // Loaded already in a cluster worker; only a program forked with an IPC channel pays for it.
  const cluster = process.getBuiltinModule("node:cluster") as unknown as Cluster;
  if (!cluster.isWorker) return;
  const { Server } = process.getBuiltinModule("node:net");
  const listen = Server.prototype.listen as (this: Server, ...args: unknown[]) => Server;
  const close = Server.prototype.close;
  const servers = new Map<Server, Set<Socket>>();
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    if (!servers.has(this)) {
      const connections = new Set<Socket>();
      servers.set(this, connections);
      this.on("connection", (socket: Socket) => {
        connections.add(socket);
        socket.once("close", () => connections.delete(socket));
      });
    }
    return listen.apply(this, args);
  } as typeof Server.prototype.listen;
  process.on("internalMessage" as "message", (message: unknown) => {
    if (supervisorMessage(message)?.hotload !== "retire") return;
    const draining = [...servers].map(([server, connections]) => {
      if (server.listening) close.call(server);
      return drain(server, connections);
    });
    void Promise.all(draining).then(() => process.send?.(wire({ hotload: "retired" })));
  });
}
