/**
 * In-flight work: what a server's connections and requests start. An in-place update retires what
 * a replaced version's evaluation set up (its intervals, the timers that recur from them, its
 * listeners), but a request that is being answered finishes under the code that took it, as in a
 * restart that lets the old process finish its requests: the timer of its `await sleep(1500)` or
 * of its long poll fires, an SSE stream's interval goes on until the client leaves. An interval
 * that outlives its request (a ticker a handler starts) would die with the old process: it goes
 * with its version once the request is done.
 *
 * What is in flight is known by the async context: every event a server emits for a connection,
 * a request, an upgrade or an HTTP/2 stream runs in a context that names its work (the socket,
 * the response, the stream: an AsyncLocalStorage), and so does everything it leads to, through
 * `await`, timers and I/O. Work that is over (a response ended) is in flight no more: a timeout
 * chain that re-arms itself after its request ended is the version's. Everything else, at
 * start-up, in an update, in the callbacks of what they set up, is the evaluation's.
 *
 * That costs nothing where Node carries async contexts in V8 (AsyncContextFrame, the default from
 * Node 24): one context entered per connection, none per HTTP/1 request (its response is read
 * off the connection) and none per promise. Where AsyncLocalStorage runs on async_hooks instead
 * (Node 22 without `--experimental-async-context-frame`) it would slow every promise down
 * (200,000 awaits: 61 ms instead of 24), so there only what a server event starts synchronously
 * is in flight, with the timers that recur from those and an accepted socket's own callbacks.
 * Nothing cheaper carries the work across an `await` there: executionAsyncResource() is then the
 * top-level resource, and V8's promise hooks cost about as much as AsyncLocalStorage.
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import type { Server } from "node:net";

/**
 * The server events that start work for a client (net, http, https, http2, tls), and which of
 * their arguments is that work: what closes when it is done.
 */
const STARTS_WORK: ReadonlyMap<string | symbol, number> = new Map([
  ["connection", 0],
  ["secureConnection", 0],
  ["session", 0],
  ["stream", 0],
  ["request", 1],
  ["checkContinue", 1],
  ["checkExpectation", 1],
  ["upgrade", 1],
  ["connect", 1],
]);

/** A connection, a response or a stream: open until it ends or is destroyed, then emits 'close'. */
interface Work {
  readonly destroyed?: boolean;
  readonly writableEnded?: boolean;
  /** On an HTTP/1 connection: the response being written now. */
  readonly _httpMessage?: Work | null;
  once?(event: "close", listener: () => void): unknown;
}

/** Tells in-flight work from the rest (see the file's comment). */
export class InFlight {
  /** Where contexts are carried by V8: the work the running code does. */
  #context: AsyncLocalStorage<Work> | undefined;
  /** Elsewhere: the work of the server event being emitted now, and what its timers work for. */
  #current: Work | undefined;
  readonly #timers = new WeakMap<object, Work>();
  #async: typeof import("node:async_hooks") | undefined;
  /** The symbol under which Node's handles point to their socket (found on the first one). */
  #ownerSymbol: symbol | undefined;

  /** Wraps `net.Server.prototype.emit` (servers exist only from now on); returns the undo. */
  install(): () => void {
    const hooks = (this.#async ??= process.getBuiltinModule("node:async_hooks"));
    // AsyncLocalStorage on async_hooks has these (Node's lib/internal/async_local_storage/async_hooks.js);
    // the one on AsyncContextFrame does not.
    const framed = !("_propagate" in hooks.AsyncLocalStorage.prototype);
    if (framed) this.#context ??= new hooks.AsyncLocalStorage<Work>();
    const { Server } = process.getBuiltinModule("node:net");
    const original = Server.prototype.emit;
    const inFlight = this;
    Server.prototype.emit = function (this: Server, event: string | symbol): boolean {
      // `arguments` as they came, not a rest parameter: no array is made per event.
      const args = arguments as unknown as unknown[];
      const at = STARTS_WORK.get(event);
      const context = inFlight.#context;
      // A request on a connection already runs in the connection's context: HTTP/1 tells its
      // response from the connection (see work()), so no context is entered per request.
      if (at === undefined || context?.getStore() !== undefined) return Reflect.apply(original, this, args) as boolean;
      const work = args[at + 1];
      if (typeof work !== "object" || work === null) return Reflect.apply(original, this, args) as boolean;
      if (context) return context.run(work, () => Reflect.apply(original, this, args) as boolean);
      const outer = inFlight.#current;
      inFlight.#current = work;
      try {
        return Reflect.apply(original, this, args) as boolean;
      } finally {
        inFlight.#current = outer;
      }
    } as typeof Server.prototype.emit;
    return () => {
      Server.prototype.emit = original;
    };
  }

  /**
   * The in-flight work the code running now does, while it is open: a response being written, a
   * connection, an HTTP/2 stream. Undefined: the code is the evaluation's (or what it set up).
   */
  work(): object | undefined {
    if (this.#async === undefined) return undefined;
    let work = this.#context !== undefined ? this.#context.getStore() : this.#current;
    if (work === undefined) {
      const resource = this.#async.executionAsyncResource() as Record<PropertyKey, unknown>;
      work = this.#timers.get(resource) ?? this.#acceptedSocket(resource);
    }
    if (work === undefined) return undefined;
    work = work._httpMessage ?? work;
    return work.destroyed === true || work.writableEnded === true ? undefined : work;
  }

  /** In-flight work started `timer` for `work`: what its callback starts works for it too. */
  started(timer: object, work: object): void {
    if (this.#context === undefined) this.#timers.set(timer, work as Work);
  }

  /** Runs `done` once `work` is over and returns true; false (nothing called) when it is over already. */
  whenDone(work: object, done: () => void): boolean {
    const open = work as Work;
    if (open.destroyed === true || typeof open.once !== "function") return false;
    open.once("close", done);
    return true;
  }

  /**
   * The connection `resource` belongs to, if a server accepted it: an accepted socket's handle (a
   * raw `net` server's 'data'), or the resource of an HTTP parser, which names its socket.
   */
  #acceptedSocket(resource: Record<PropertyKey, unknown>): Work | undefined {
    if (typeof resource !== "object" || resource === null) return undefined;
    let socket = resource["socket"];
    if (socket === undefined) {
      this.#ownerSymbol ??= Object.getOwnPropertySymbols(resource).find((s) => s.description === "owner_symbol");
      if (this.#ownerSymbol !== undefined) socket = resource[this.#ownerSymbol];
    }
    return typeof socket === "object" && socket !== null && (socket as { server?: unknown }).server != null ? (socket as Work) : undefined;
  }
}
