/**
 * What an outsider sees of a running program, and nothing else: the answers to a fixed list of
 * requests (HTTP, HTTPS, a unix socket, HTTP/2 on a session opened earlier and on a new one), the
 * first events of a server-sent event stream and whether a stream opened earlier still ticks, a
 * long poll sent before the moment of interest, the lines the program prints per event (each
 * event must be answered once), its child processes and threads (from /proc), and what SIGTERM
 * does. It knows nothing of hotload: the same observer watches a program run by plain `node`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { basename } from "node:path";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { connect as h2connect, type ClientHttp2Session } from "node:http2";
import type { Running } from "../helpers/e2e.js";

/** How a program is reached. */
export type Transport = "http" | "https" | "unix" | "http2";

/** Where a running program is reached. */
export interface Target {
  readonly transport: Transport;
  readonly port: number;
  /** The unix socket path (transport "unix"). */
  readonly socketPath: string;
}

/** A request's deadline: a server that hangs is an answer too ("no answer within 2 s"). */
const REQUEST_MS = 2_000;

/** "200 rev 1 +" or "error ECONNREFUSED": what a client sees of one GET (no answer within `ms` is an answer too). */
export function get(target: Target, path: string, agent: HttpAgent | false = false, ms: number = REQUEST_MS): Promise<string> {
  if (target.transport === "http2") return h2Fresh(target, path);
  const make = target.transport === "https" ? httpsRequest : httpRequest;
  const where = target.transport === "unix" ? { socketPath: target.socketPath } : { host: "127.0.0.1", port: target.port };
  return new Promise((resolve) => {
    const req = make({ ...where, path, agent, rejectUnauthorized: false, headers: agent ? {} : { connection: "close" } }, (res) => {
      readBody(res).then(
        (body) => resolve(`${res.statusCode} ${body}`),
        (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`),
      );
    });
    req.setTimeout(ms, () => req.destroy(Object.assign(new Error("no answer"), { code: `no answer within ${ms} ms` })));
    req.on("error", (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
    req.end();
  });
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => (body += chunk));
    res.on("end", () => resolve(body.trim()));
    res.on("error", reject);
  });
}

/** A keep-alive agent of one connection, for the client that stays connected across edits. */
export function keepAliveAgent(target: Target): HttpAgent {
  const options = { keepAlive: true, maxSockets: 1 };
  return target.transport === "https" ? new HttpsAgent({ ...options, rejectUnauthorized: false }) : new HttpAgent(options);
}

/** Opens an HTTP/2 session (resolves once connected, or with the error's code). */
export function h2Session(target: Target): Promise<ClientHttp2Session | string> {
  return new Promise((resolve) => {
    const session = h2connect(`http://127.0.0.1:${target.port}`);
    session.once("connect", () => resolve(session));
    session.once("error", (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
  });
}

/** GET `path` on an open HTTP/2 session. */
export function h2Get(session: ClientHttp2Session | string, path: string): Promise<string> {
  if (typeof session === "string") return Promise.resolve(session);
  if (session.destroyed || session.closed) return Promise.resolve("error session closed");
  return new Promise((resolve) => {
    const stream = session.request({ ":path": path });
    let status = 0;
    let body = "";
    const timer = setTimeout(() => stream.close(), REQUEST_MS);
    stream.setEncoding("utf8");
    stream.on("response", (headers) => (status = Number(headers[":status"])));
    stream.on("data", (chunk: string) => (body += chunk));
    stream.on("end", () => {
      clearTimeout(timer);
      resolve(status ? `${status} ${body.trim()}` : `error no answer within ${REQUEST_MS} ms`);
    });
    stream.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(`error ${err.code ?? err.message}`);
    });
    stream.end();
  });
}

async function h2Fresh(target: Target, path: string): Promise<string> {
  const session = await h2Session(target);
  try {
    return await h2Get(session, path);
  } finally {
    if (typeof session !== "string") session.destroy();
  }
}

/** An open server-sent event stream: the `data:` lines it has delivered so far. */
export interface EventStream {
  readonly events: string[];
  /** Resolves with the data of the next `n` events after `since` (fewer if the stream goes silent for `ms`). */
  next(n: number, ms: number, since?: number): Promise<string[]>;
  close(): void;
}

/** Opens `path` as an event stream (HTTP/1.1). */
export function openEvents(target: Target, path: string): Promise<EventStream | string> {
  const make = target.transport === "https" ? httpsRequest : httpRequest;
  const where = target.transport === "unix" ? { socketPath: target.socketPath } : { host: "127.0.0.1", port: target.port };
  return new Promise<EventStream | string>((resolve) => {
    const events: string[] = [];
    const wakes = new Set<() => void>();
    const req = make({ ...where, path, agent: false, rejectUnauthorized: false, headers: { accept: "text/event-stream" } }, (res) => {
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf("\n\n")) >= 0) {
          const data = buffer
            .slice(0, at)
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trim());
          buffer = buffer.slice(at + 2);
          if (data.length) events.push(data.join("\n"));
        }
        for (const wake of wakes) wake();
      });
      res.on("error", () => {});
      resolve({
        events,
        next(n, ms, since = events.length) {
          return new Promise((done) => {
            const finish = (): void => {
              clearTimeout(timer);
              wakes.delete(check);
              done(events.slice(since, since + n));
            };
            const check = (): void => void (events.length >= since + n && finish());
            const timer = setTimeout(finish, ms);
            wakes.add(check);
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.setTimeout(REQUEST_MS, () => req.destroy(Object.assign(new Error("no answer"), { code: "no answer" })));
    req.on("error", (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
    req.end();
  });
}

/** An open WebSocket (Node's own client): each question gets one answer. */
export interface Socket {
  ask(text: string): Promise<string>;
  close(): void;
}

/** Opens a WebSocket to `path` (resolves once open, or with what went wrong). */
export function openSocket(target: Target, path: string): Promise<Socket | string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${target.port}${path}`);
    const answers: string[] = [];
    const wakes = new Set<() => void>();
    let closed = false;
    socket.addEventListener("message", (event) => {
      answers.push(String(event.data));
      for (const wake of wakes) wake();
    });
    socket.addEventListener("close", () => {
      closed = true;
      for (const wake of wakes) wake();
      resolve("error closed before it opened");
    });
    socket.addEventListener("error", () => resolve("error could not connect"));
    socket.addEventListener("open", () =>
      resolve({
        ask(text) {
          if (closed) return Promise.resolve("error closed");
          const since = answers.length;
          socket.send(text);
          return new Promise((done) => {
            const check = (): void => {
              if (answers.length <= since && !closed) return;
              clearTimeout(timer);
              wakes.delete(check);
              done(answers[since] ?? "error closed");
            };
            const timer = setTimeout(() => {
              wakes.delete(check);
              done(`error no answer within ${REQUEST_MS} ms`);
            }, REQUEST_MS);
            wakes.add(check);
          });
        },
        close: () => socket.close(),
      }),
    );
  });
}

/** The pids of `pid`'s children (Linux /proc; none elsewhere). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // The command name is in parentheses and may hold spaces: the fields start after the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === pid && fields[0] !== "Z") out.push(Number(name));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return out;
}

/** Every descendant of `pid`, children first. */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  for (const child of childrenOf(pid)) out.push(child, ...descendantsOf(child));
  return out;
}

const comm = (path: string): string => {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "?";
  }
};

/** `pid`'s child processes, each named by the last argument of its command line (its script: "server.mjs"), sorted. */
export function children(pid: number): string[] {
  return childrenOf(pid).map(script).sort();
}

function script(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return basename(argv[argv.length - 1] ?? "?");
  } catch {
    return "?";
  }
}

/**
 * `pid`'s threads by name, without the ones every Node process has in varying numbers (V8's
 * platform workers, the libuv pool, the inspector's signal thread) and without the main thread
 * (a thread is called "MainThread" too from its start until it names itself): one "WorkerThread"
 * per worker_threads Worker remains, and any thread a package names.
 */
export function threads(pid: number): string[] {
  let ids: string[];
  try {
    ids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  // Node 26 names some of them "node-…" (node-MainThread, node-V8Worker).
  const infrastructure = /^(node-)?(MainThread|V8Worker|DelayedTaskSche|SignalInspector|libuv-worker|node)$/;
  return ids
    .map((id) => comm(`/proc/${pid}/task/${id}/comm`))
    .filter((name) => !infrastructure.test(name))
    .sort();
}

/** What SIGTERM did. */
export interface Shutdown {
  /** "SIGTERM" or an exit code, or "still running after 4 s" (then it was killed). */
  readonly exit: string;
  /** Descendants still alive 1 s after the process ended. */
  readonly leftBehind: number;
}

/** Exit deadline after SIGTERM; past it the process is killed. */
const SHUTDOWN_MS = 4_000;

/** Sends SIGTERM to `run` and sees what happens. */
export async function sigterm(run: Running): Promise<Shutdown> {
  const pid = run.child.pid!;
  const descendants = descendantsOf(pid);
  run.child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    run.exited,
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), SHUTDOWN_MS))),
  ]);
  clearTimeout(timer);
  if (code === undefined) await run.kill("SIGKILL");
  let alive = descendants.filter(isAlive);
  for (let waited = 0; alive.length > 0 && waited < 1_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50)); // polling /proc: there is no event for another process's exit
    alive = alive.filter(isAlive);
  }
  for (const pid of alive) kill(pid);
  // How fast within the deadline is not compared: on a busy machine plain node takes over 1 s too.
  return { exit: code === undefined ? `still running after ${SHUTDOWN_MS / 1000} s` : String(code), leftBehind: alive.length };
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** SIGKILL, ignoring a process already gone. */
export function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
