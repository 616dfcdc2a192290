/**
 * Under the `hotload` command with overlap, the program runs as a node:cluster worker whose
 * servers hold no socket of their own: the command (the cluster primary) owns the listening
 * sockets and hands connections over the IPC channel (issue 13).
 *
 * - The loader unreferences that channel so a finished script can exit; while a server listens
 *   (or waits for its socket), the channel keeps the process alive, as in any cluster worker.
 * - When a new process has taken over, the command tells this one to retire
 *   (`RETIRE_COMMAND`, src/shared/link.ts). Its servers stop listening without cutting idle keep-alive
 *   connections (http.Server#close would: a client sending its next request at that moment gets
 *   ECONNRESET). Instead, every response from then on says `Connection: close`, so clients leave
 *   on their own after their next answer, and only connections idle for a while are closed.
 *   Once every server has closed, the worker disconnects, and the command sends it SIGTERM
 *   (src/command/run.ts), so that the program's own shutdown handler runs.
 */
import type { Cluster } from "node:cluster";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server, Socket } from "node:net";
import { RETIRE_COMMAND } from "../src/shared/link.js";


/** How long a retired worker still answers connections handed to it before it disconnects (ms). */
const HANDOFF_GRACE_MS = 200;

/** A connection idle this long after retiring is closed (ms). */
const IDLE_CLOSE_MS = 250;

/** In a cluster worker: keeps the IPC channel referenced while any server listens; retires. */
export function joinCluster(): void {
  const channel = process.channel;
  if (!channel) return;
  // Loaded here, not imported: node:cluster and node:net (with child_process, dgram and streams)
  // cost a few ms of start-up that a program outside a cluster should not pay.
  // (Its CommonJS exports are the Cluster object, typed as the default export.)
  const cluster = process.getBuiltinModule("node:cluster") as unknown as Cluster;
  if (!cluster.isWorker) return;
  const { Server } = process.getBuiltinModule("node:net");
  const open = new Map<Server, Connections | undefined>();
  const done = (server: Server): void => {
    if (open.delete(server) && open.size === 0) channel.unref();
  };
  const listen = Server.prototype.listen;
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    if (!open.has(this)) {
      open.set(this, isHttp(this) ? track(this) : undefined);
      channel.ref();
      this.once("close", () => done(this));
      // A listen that failed (EADDRINUSE) gets no `close`.
      this.once("error", () => {
        if (!this.listening) done(this);
      });
    }
    return (listen as (...all: unknown[]) => Server).apply(this, args);
  } as typeof listen;
  process.on("internalMessage" as "message", (message: unknown) => {
    if ((message as { cmd?: unknown } | null)?.cmd !== RETIRE_COMMAND) return;
    void Promise.all([...open].map(([server, connections]) => retire(server, connections, Server.prototype.close))).then(() => {
      // A connection the primary handed over just before it heard of the close is still on its
      // way: answered "not accepted", the primary gives it to the new worker; a worker already
      // gone would never answer, and that connection would hang.
      setTimeout(() => cluster.worker?.disconnect(), HANDOFF_GRACE_MS);
    });
  });
}

/** An http server's connections: when each became idle (0: a request is in flight). */
interface Connections {
  readonly idleSince: Map<Socket, number>;
  retiring: boolean;
}

function isHttp(server: Server): boolean {
  return typeof (server as { closeIdleConnections?: unknown }).closeIdleConnections === "function";
}

function track(server: Server): Connections {
  const connections: Connections = { idleSince: new Map(), retiring: false };
  const { idleSince } = connections;
  server.on("connection", (socket: Socket) => {
    idleSince.set(socket, Date.now());
    socket.once("close", () => idleSince.delete(socket));
  });
  // Prepended: it must set the header before the program's handler can answer.
  server.prependListener("request", (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    if (idleSince.has(socket)) idleSince.set(socket, 0);
    if (connections.retiring && !response.headersSent) response.setHeader("Connection", "close");
    response.once("finish", () => {
      if (idleSince.has(socket)) idleSince.set(socket, Date.now());
    });
  });
  return connections;
}

/**
 * Stops `server` listening; resolves when its last connection has ended. A server that no longer
 * listens (an in-place update handed its socket to the new version's server) may still have
 * connections: they are waited for too, since the command ends the process once it disconnects.
 */
function retire(server: Server, connections: Connections | undefined, close: Server["close"]): Promise<void> {
  return new Promise((resolve) => {
    const listening = server.listening;
    // net's close, not http's: http's also cuts every idle keep-alive connection at once.
    if (listening) close.call(server, () => resolve());
    if (!connections || connections.idleSince.size === 0) {
      if (!listening) resolve();
      if (!connections) return;
    }
    connections.retiring = true;
    const sweep = setInterval(() => {
      const now = Date.now();
      for (const [socket, since] of connections.idleSince) {
        if (since !== 0 && now - since >= IDLE_CLOSE_MS) socket.destroy();
      }
      if (connections.idleSince.size > 0) return;
      clearInterval(sweep);
      if (!listening) resolve();
    }, IDLE_CLOSE_MS / 4);
    sweep.unref();
  });
}
