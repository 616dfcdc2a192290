/**
 * In-flight work: what a server's connections and requests start. An in-place update retires what
 * a replaced version's evaluation set up (its intervals, the timers that recur from them, its
 * listeners), but a request that is being answered finishes under the code that took it, as in a
 * restart that lets the old process finish its requests: the timer of its `await sleep(1500)` or
 * of its long poll fires, an SSE stream's interval goes on until the client leaves.
 *
 * What is in flight is known by the async context: every event a server emits for a connection,
 * a request, an upgrade or an HTTP/2 stream runs in a context marked in flight (an
 * AsyncLocalStorage), and so does everything it leads to, through `await`, timers and I/O.
 * Everything else, at start-up, in an update, in the callbacks of what they set up, is the
 * evaluation's.
 *
 * That costs nothing where Node carries async contexts in V8 (AsyncContextFrame, the default from
 * Node 24): one context switch per connection (and per event that does not already run in one),
 * none per promise. Where AsyncLocalStorage runs on async_hooks instead (Node 22 without
 * `--experimental-async-context-frame`) it would slow every promise down (measured: 200,000 awaits
 * took 61 ms instead of 24), so there only what a server event starts synchronously is known to
 * be in flight, with the timers that recur from those and what runs in an accepted socket's own
 * callbacks: what a handler starts after its first `await` counts as the evaluation's, as before.
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import type { Server } from "node:net";

/** The server events that start work for a client (net, http, https, http2, tls). */
const STARTS_WORK: ReadonlySet<string | symbol> = new Set([
  "connection",
  "secureConnection",
  "request",
  "upgrade",
  "checkContinue",
  "checkExpectation",
  "connect",
  "session",
  "stream",
]);

const IN_FLIGHT = true;

/** Tells in-flight work from the rest (see the file's comment). */
export class InFlight {
  /** Where contexts are carried by V8: the context of in-flight work. */
  #context: AsyncLocalStorage<true> | undefined;
  /** Elsewhere: how many server events are being emitted now, and the timers they started. */
  #depth = 0;
  readonly #timers = new WeakSet<object>();
  #async: typeof import("node:async_hooks") | undefined;
  /** The symbol under which Node's handles point to their socket (found on the first one). */
  #ownerSymbol: symbol | undefined;

  /** Wraps `net.Server.prototype.emit` (servers exist only from now on); returns the undo. */
  install(): () => void {
    const hooks = (this.#async ??= process.getBuiltinModule("node:async_hooks"));
    // AsyncLocalStorage on async_hooks has these (Node's lib/internal/async_local_storage/async_hooks.js);
    // the one on AsyncContextFrame does not.
    const framed = !("_propagate" in hooks.AsyncLocalStorage.prototype);
    if (framed) this.#context ??= new hooks.AsyncLocalStorage<true>();
    const { Server } = process.getBuiltinModule("node:net");
    const original = Server.prototype.emit;
    const inFlight = this;
    Server.prototype.emit = function (this: Server, event: string | symbol): boolean {
      // `arguments` as they came, not a rest parameter: no array is made per event.
      const args = arguments as unknown as unknown[];
      const context = inFlight.#context;
      if (!STARTS_WORK.has(event) || context?.getStore() === IN_FLIGHT) return Reflect.apply(original, this, args) as boolean;
      if (context) return context.run(IN_FLIGHT, () => Reflect.apply(original, this, args) as boolean);
      inFlight.#depth++;
      try {
        return Reflect.apply(original, this, args) as boolean;
      } finally {
        inFlight.#depth--;
      }
    } as typeof Server.prototype.emit;
    return () => {
      Server.prototype.emit = original;
    };
  }

  /** Whether the code running now is in-flight work. */
  now(): boolean {
    if (this.#async === undefined) return false;
    if (this.#context !== undefined) {
      if (this.#context.getStore() === IN_FLIGHT) return true;
    } else if (this.#depth > 0) return true;
    const resource = this.#async.executionAsyncResource() as Record<PropertyKey, unknown>;
    return this.#timers.has(resource) || this.#acceptedSocket(resource);
  }

  /** In-flight work started `timer`: what its callback starts is in flight too. */
  started(timer: object): void {
    if (this.#context === undefined) this.#timers.add(timer);
  }

  /**
   * Whether `resource` belongs to a connection a server accepted: an accepted socket's handle (a
   * raw `net` server's 'data'), or the resource of an HTTP parser, which names its socket.
   */
  #acceptedSocket(resource: Record<PropertyKey, unknown>): boolean {
    if (typeof resource !== "object" || resource === null) return false;
    let socket = resource["socket"];
    if (socket === undefined) {
      this.#ownerSymbol ??= Object.getOwnPropertySymbols(resource).find((s) => s.description === "owner_symbol");
      if (this.#ownerSymbol !== undefined) socket = resource[this.#ownerSymbol];
    }
    return typeof socket === "object" && socket !== null && (socket as { server?: unknown }).server != null;
  }
}
