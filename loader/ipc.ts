/**
 * The child's end of the supervisor link (src/shared/link.ts): an IPC pipe opened on a file
 * descriptor, speaking Node's IPC protocol (JSON lines; a handle goes with a `NODE_HANDLE` message
 * and is acknowledged), without making it the process's IPC channel.
 *
 * Node only sets up IPC on `process` itself (`process.send`, `connected`, `disconnect`, `channel`,
 * listeners on `process`), from NODE_CHANNEL_FD, before any `--import` runs; those properties are
 * also what its IPC code reads, so they cannot be hidden afterwards (measured on Node 22, 24 and
 * 26: with `process.connected` deleted, a send fails with ERR_IPC_CHANNEL_CLOSED; and with the
 * channel there, a program's `process.on("message")` keeps it alive, which under plain node it
 * does not). So the supervisor spawns the child without NODE_CHANNEL_FD, and this
 * file opens the pipe with the bindings Node's own IPC uses (`pipe_wrap`'s Pipe in IPC mode,
 * `stream_wrap`'s WriteWrap), reached through `process.binding`, whose list of allowed modules
 * includes both on every supported Node.
 */

/** The bindings this needs (the shapes Node's lib/internal/child_process.js uses). */
interface PipeHandle {
  open(fd: number): number;
  readStart(): number;
  readStop(): number;
  ref(): void;
  unref(): void;
  close(callback?: () => void): void;
  writeUtf8String(request: object, text: string, handle?: object): number;
  onread: ((buffer: ArrayBuffer | undefined) => void) | null;
  pendingHandle: object | null;
}

interface Bindings {
  readonly Pipe: new (type: number) => PipeHandle;
  readonly IPC: number;
  readonly WriteWrap: new () => { handle?: object; oncomplete?: () => void; async?: boolean };
  readonly state: Int32Array;
  readonly readBytes: number;
  readonly offset: number;
}

function bindings(): Bindings {
  const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
  // With --pending-deprecation, process.binding warns (DEP0111), and throws with
  // --throw-deprecation: the warning would be about hotload's use, not the program's.
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  let pipe: { Pipe: Bindings["Pipe"]; constants: { IPC: number } };
  let stream: { WriteWrap: Bindings["WriteWrap"]; streamBaseState: Int32Array; kReadBytesOrError: number; kArrayBufferOffset: number };
  try {
    pipe = binding("pipe_wrap") as typeof pipe;
    stream = binding("stream_wrap") as typeof stream;
  } finally {
    process.emitWarning = emitWarning;
  }
  return {
    Pipe: pipe.Pipe,
    IPC: pipe.constants.IPC,
    WriteWrap: stream.WriteWrap,
    state: stream.streamBaseState,
    readBytes: stream.kReadBytesOrError,
    offset: stream.kArrayBufferOffset,
  };
}

/** What arrived: a message, and the handle that came with it. */
type OnMessage = (message: unknown, handle: object | undefined) => void;

/** An IPC pipe on a file descriptor, not referenced (it never keeps the process alive by itself). */
export class IpcPipe {
  readonly #pipe: PipeHandle;
  readonly #bindings: Bindings;
  readonly #decoder = new TextDecoder();
  #buffer = "";
  #closed = false;
  #pending: object | undefined;
  /** Handles wait for the previous one's acknowledgement, as in Node (one per read on the other end). */
  #handleQueue: Array<{ message: object; handle: object | undefined }> | undefined;
  /** The handle sent last, until acknowledged. */
  #inFlight: { message: object; handle: object } | undefined;

  /** Throws when `fd` is not a pipe (a stale variable from a parent). */
  constructor(fd: number, onMessage: OnMessage, onEnd: () => void) {
    const b = (this.#bindings = bindings());
    const pipe = (this.#pipe = new b.Pipe(b.IPC));
    const error = pipe.open(fd);
    if (error !== 0) throw new Error(`cannot open the supervisor link (${error})`);
    pipe.unref();
    pipe.onread = (buffer) => {
      // A handle comes with the bytes of its NODE_HANDLE message; as in Node, it is kept for the
      // next such message (the message may be split over reads).
      if (pipe.pendingHandle) this.#pending = pipe.pendingHandle;
      pipe.pendingHandle = null;
      const read = b.state[b.readBytes]!;
      if (buffer === undefined || read < 0) {
        this.close();
        onEnd();
        return;
      }
      this.#buffer += this.#decoder.decode(new Uint8Array(buffer, b.state[b.offset], read), { stream: true });
      let at: number;
      while ((at = this.#buffer.indexOf("\n")) >= 0) {
        const line = this.#buffer.slice(0, at);
        this.#buffer = this.#buffer.slice(at + 1);
        let message: unknown;
        try {
          message = JSON.parse(line);
        } catch {
          continue;
        }
        this.#receive(message, onMessage);
      }
    };
    pipe.readStart();
  }

  /** Keeps the process alive while the link is (until {@link unref}). */
  ref(): void {
    if (!this.#closed) this.#pipe.ref();
  }

  unref(): void {
    if (!this.#closed) this.#pipe.unref();
  }

  /**
   * Sends `message` (and `handle`, a TCP or Pipe handle of node:net). A small write goes out at
   * once (libuv tries it synchronously), also from an `exit` listener.
   */
  send(message: object, handle?: object): void {
    if (this.#closed) return;
    // Behind a handle not yet acknowledged, everything waits: messages keep their order.
    if (this.#handleQueue) {
      this.#handleQueue.push({ message, handle });
      return;
    }
    if (handle === undefined) {
      this.#write(message);
      return;
    }
    this.#handleQueue = [];
    this.#inFlight = { message, handle };
    this.#write({ cmd: "NODE_HANDLE", type: "net.Native", msg: message }, handle);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pipe.readStop();
    this.#pipe.close();
  }

  #receive(message: unknown, onMessage: OnMessage): void {
    const { cmd, msg } = (message ?? {}) as { cmd?: unknown; msg?: unknown };
    if (cmd === "NODE_HANDLE_ACK" || cmd === "NODE_HANDLE_NACK") {
      const queue = this.#handleQueue ?? [];
      // Not received (its descriptor was lost on the way): sent again, as Node does.
      if (cmd === "NODE_HANDLE_NACK" && this.#inFlight) queue.unshift(this.#inFlight);
      this.#inFlight = undefined;
      this.#handleQueue = undefined;
      for (const next of queue) this.send(next.message, next.handle);
      return;
    }
    if (cmd === "NODE_HANDLE") {
      const handle = this.#pending;
      this.#pending = undefined;
      this.#write({ cmd: handle ? "NODE_HANDLE_ACK" : "NODE_HANDLE_NACK" });
      if (handle) onMessage(msg, handle);
      return;
    }
    onMessage(message, undefined);
  }

  #write(message: object, handle?: object): void {
    const request = new this.#bindings.WriteWrap();
    request.handle = this.#pipe;
    request.oncomplete = () => {};
    request.async = false;
    // An error here means the supervisor is gone: the read side sees the end.
    this.#pipe.writeUtf8String(request, `${JSON.stringify(message)}\n`, handle);
  }
}
