/**
 * The listening sockets the supervisor holds for the program (werkzeug's model): each
 * socket a run listened on comes here (loader/sockets.ts sends its handle over the link), and
 * every new run gets them all before its program starts, so a restart refuses no connection. The
 * supervisor never accepts on them: the handles it holds are never listened on in this process.
 */
import type { ChildProcess } from "node:child_process";
import { wire } from "../shared/link.js";

/** A TCP or Pipe handle of node:net. */
interface Handle {
  close(callback?: () => void): void;
}

/** The sockets held across restarts, by the key of the `listen()` that made them. */
export class HeldSockets {
  readonly #handles = new Map<string, Handle>();

  /** The keys held now. */
  keys(): ReadonlySet<string> {
    return new Set(this.#handles.keys());
  }

  /** Holds `handle` for `key` (in place of an earlier one: a unix path bound again). */
  hold(key: string, handle: object): void {
    const earlier = this.#handles.get(key);
    if (earlier && earlier !== handle) earlier.close();
    this.#handles.set(key, handle as Handle);
  }

  /** Lets `key`'s socket go: the program closed it. */
  release(key: string): void {
    this.#handles.get(key)?.close();
    this.#handles.delete(key);
  }

  /**
   * Lets go of every socket but those in `keep` (what `child` listens on: it no longer listens on
   * the others), and has `child` close the copies it got of them.
   */
  keepOnly(keep: ReadonlySet<string>, child: ChildProcess): void {
    for (const key of this.#handles.keys()) {
      if (keep.has(key)) continue;
      this.release(key);
      child.send(wire({ hotload: "drop", key }), () => {});
    }
  }

  /** Sends every held socket to `child` (first their number: its program waits for them all). */
  handOver(child: ChildProcess): void {
    const swallow = (): void => {
      // The child is gone already: its exit is handled.
    };
    child.send(wire({ hotload: "sockets", count: this.#handles.size }), swallow);
    for (const [key, handle] of this.#handles) child.send(wire({ hotload: "socket", key }), handle as never, swallow);
  }
}
