/**
 * Under the `hotload` command the supervisor holds every listening socket the program asks for
 * (werkzeug's model, issue 22): the program's first `listen()` on an address binds as under plain
 * node, and the socket goes to the supervisor; the next process gets it before its first line
 * runs, and its `listen()` on that address takes it instead of binding. So old and new process
 * accept on one socket while both run, and the kernel queues connections while neither does: a
 * restart refuses none.
 *
 * - Keys name what `listen()` asked for (`tcp:<host>:<port>`, `pipe:<path>`); a port 0 also counts
 *   its listens (`tcp:<host>:0#2`), so a new process gets the port the old one was given.
 * - A socket the program closes itself is released (the supervisor closes its copy).
 * - A unix path the program unlinked before listening (nearly every unix-socket server does) is
 *   bound again, as under plain node: the held socket is no longer reachable by that path.
 * - When a new process has taken over, this one retires: its listening sockets close without
 *   cutting idle keep-alive connections (http.Server#close would: a client sending its next
 *   request at that moment gets ECONNRESET). Every response from then on says `Connection: close`,
 *   so clients leave after their next answer, and connections idle for a while are closed. Then it
 *   tells the supervisor, which sends SIGTERM, so that the program's own shutdown handler runs; a
 *   connection that stays open (SSE, WebSocket, long poll) does not delay that beyond a short grace.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server, Socket } from "node:net";
import type { SupervisorLink } from "./link.js";

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
  const taken = (key: string, handle: Handle): void => {
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
      if (live.delete(handle) && !retiring) link.send({ hotload: "released", key });
      return closeHandle.call(this, callback);
    };
  };
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    const request = requestOf(args, zeroPorts);
    if (request === undefined || this.listening) return listen.apply(this, args);
    let handle = held.get(request.key) as Handle | undefined;
    held.delete(request.key);
    if (handle && request.path !== undefined && !isSocketFile(request.path)) {
      // Unlinked before listening: bound again, as under plain node.
      handle.close();
      handle = undefined;
    }
    if (handle) {
      adopt(this, handle, request, listen);
      taken(request.key, handle);
      link.send({ hotload: "listening", key: request.key });
      return this;
    }
    const result = listen.apply(this, args);
    const bound = (): void => {
      const own = (this as unknown as { _handle: Handle | null })._handle;
      if (!own || live.has(own)) return;
      taken(request.key, own);
      link.send({ hotload: "listening", key: request.key }, own);
    };
    // Bound synchronously, unless a host name had to be looked up first.
    if (this.listening) bound();
    else this.once("listening", bound);
    return result;
  } as typeof Server.prototype.listen;
  link.onRetire(() => {
    retiring = true;
    const closing = [...live].map(([handle, { connections }]) => retire(handle, connections, close));
    void Promise.all(closing).then(() => link.send({ hotload: "retired" }));
  });
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

/** The key and details of a `listen(...)` call, or undefined for a handle or file descriptor. */
function requestOf(args: readonly unknown[], zeroPorts: Map<string, number>): Request | undefined {
  const callback = args.findLast((arg) => typeof arg === "function") as (() => void) | undefined;
  const [first, second, third] = args;
  let port: unknown;
  let host: unknown;
  let path: unknown;
  let backlog: unknown;
  let ipv6Only = false;
  if (typeof first === "object" && first !== null) {
    const options = first as { port?: unknown; host?: unknown; path?: unknown; fd?: unknown; _handle?: unknown; handle?: unknown; backlog?: unknown; ipv6Only?: unknown };
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
  // Requests of connections an in-place update handed over reach the newest server, this one.
  if (server && isHttp(server)) {
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
        if ((socket as unknown as { _httpMessage?: unknown })._httpMessage || !isHttp(server!)) idleSince.delete(socket);
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
