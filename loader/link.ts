/**
 * The child's side of the `hotload` supervisor link (src/shared/link.ts). Only active when the
 * supervisor started this process: it sets HOTLOAD_SUPERVISOR to the link's file descriptor, an IPC
 * pipe of its own (loader/ipc.ts). Node's IPC channel, should the program have one, stays the
 * program's: hotload never sends on it nor listens to it.
 */
import { linkFdFrom, READY_SLOT, START_SLOT, supervisorMessage, wire, type ChildMessage } from "../src/shared/link.js";
import { hotloadEnv, SUPERVISOR_ENV } from "../src/shared/env.js";
import type { RuntimeNotifier } from "../src/engine/runtime.js";
import { later } from "../src/shared/later.js";
import { IpcPipe } from "./ipc.js";

/** How long the program waits for the supervisor's sockets at most (ms). */
const SILENT_LINK_MS = 5000;

/** The link to the supervisor, as the loader uses it. */
export interface SupervisorLink {
  readonly notifier: RuntimeNotifier;
  send(message: ChildMessage, handle?: object): void;
  /**
   * The listening sockets the supervisor holds, by key: what the previous process listened on.
   * Filled before the program runs (loader/index.ts waits for them).
   */
  readonly held: Map<string, object>;
  /** Resolves once {@link held} has every socket the supervisor holds. */
  readonly started: Promise<unknown>;
  /** Calls `listener` when a new process has taken over from this one. */
  onRetire(listener: () => void): void;
  /**
   * Calls `run` as the process is about to end (at each `beforeExit` and at `exit`), before the
   * program's own listeners: through `process.emit` (see {@link reportStopSignals}), so that the
   * program counts no listener of hotload's, as under plain node.
   */
  beforeEnd(run: () => void): void;
  /** What {@link beforeEnd} was given, in order. */
  readonly ends: readonly (() => void)[];
}

/** The link to the supervisor, or undefined when there is none. */
export function connectSupervisor(): SupervisorLink | undefined {
  const fd = linkFdFrom(hotloadEnv().supervisor);
  // The program's own child processes are not supervised by us: they must not inherit the flag.
  delete process.env[SUPERVISOR_ENV];
  if (fd === undefined) return undefined;
  const held = new Map<string, object>();
  let expected: number | undefined;
  let handedOver!: (evaluated: () => void) => void;
  const retire: Array<() => void> = [];
  const ends: Array<() => void> = [];
  const onMessage = (value: unknown, handle: object | undefined): void => {
    const message = supervisorMessage(value);
    switch (message?.hotload) {
      case undefined:
        return;
      case "sockets":
        expected = message.count;
        break;
      case "socket":
        // The pipe hands on a `socket` message only with its handle.
        if (handle) held.set(message.key, handle);
        break;
      case "drop":
        (held.get(message.key) as { close(): void } | undefined)?.close();
        held.delete(message.key);
        return;
      case "retire":
        // Alive until the supervisor's SIGTERM, as under `node --watch`, so that the program's
        // own SIGTERM handler runs: closing its servers would otherwise end a quiet program first.
        pipe.ref();
        for (const listener of retire) listener();
        return;
      default:
        message satisfies never;
    }
    if (expected !== undefined && held.size >= expected) {
      pipe.unref();
      handedOver(() => send({ hotload: "evaluated" }));
    }
  };
  let pipe: IpcPipe;
  try {
    // A supervisor that died (even SIGKILLed) must not leave the program running unattended: its
    // end of the pipe closes, and this end reads the end of the stream. A program that exits by
    // itself never gets here: the unreferenced link does not keep it alive.
    pipe = new IpcPipe(fd, onMessage, () => later(() => process.kill(process.pid, "SIGTERM")));
  } catch {
    // Not a pipe after all (a stale variable from a parent): there is no one to tell.
    return undefined;
  }
  // Referenced until the supervisor's sockets are here: the program waits for them. They are in
  // the pipe before this process starts; a link that stays silent (a descriptor inherited by
  // mistake) does not hold the program for long.
  pipe.ref();
  const start = new Promise<() => void>((resolve) => (handedOver = resolve));
  const silent = setTimeout(() => {
    pipe.unref();
    handedOver(() => send({ hotload: "evaluated" }));
  }, SILENT_LINK_MS);
  void start.then(() => clearTimeout(silent));
  Object.defineProperty(globalThis, Symbol.for(START_SLOT), { value: start, configurable: true });
  const send = (message: ChildMessage, handle?: object): void => pipe.send(wire(message), handle);
  Object.defineProperty(globalThis, Symbol.for(READY_SLOT), { value: () => send({ hotload: "ready" }), configurable: true });
  return {
    notifier: {
      filesLoaded: (files) => send({ hotload: "files", files }),
      restartNeeded: (reason, file, chain) => send({ hotload: "restart", reason, file, chain }),
    },
    send,
    held,
    started: start,
    onRetire: (listener) => retire.push(listener),
    beforeEnd: (run) => ends.push(run),
    ends,
  };
}

/**
 * Tells the supervisor of each SIGINT and SIGTERM Node delivers to the program (which listens for
 * it): one from a terminal's Ctrl-C or sent to a process group reached the program directly, and
 * the supervisor does not pass its own on (src/command/run.ts). A program that does not listen is
 * ended by the signal, which the supervisor sees. And runs what {@link SupervisorLink.beforeEnd}
 * was given at `beforeExit` and `exit`. Wraps `process.emit` as it is when called: call it before
 * the program runs (Node binds a signal's delivery to `process.emit` when the signal is first
 * listened to) and after in-place updates' own wrapper (src/inplace/signals.ts), which it calls.
 */
export function reportStopSignals(link: SupervisorLink): void {
  const emit = process.emit;
  process.emit = function (this: unknown, event: string | symbol) {
    if (event === "SIGINT" || event === "SIGTERM") link.send({ hotload: "signal", signal: event });
    // As listeners would: what one of them adds runs from the next event on.
    else if (event === "beforeExit" || event === "exit") for (const run of [...link.ends]) run();
    // `arguments` as they are: no array made on a path every event of `process` takes.
    return Reflect.apply(emit, this, arguments) as boolean;
  } as typeof process.emit;
}

/**
 * Collects loaded files and reports them in batches (one message per turn of the event loop), and
 * whatever is pending when the process exits: a program that crashes at once still tells the
 * supervisor which files to watch for the fix.
 */
export function fileReporter(link: SupervisorLink): (file: string) => void {
  const { notifier } = link;
  let batch: string[] = [];
  const flush = (): void => {
    if (batch.length === 0) return;
    const files = batch;
    batch = [];
    notifier.filesLoaded(files);
  };
  // beforeExit: the loop ran dry and a send can still complete; exit: process.exit() was called,
  // where only what the link writes at once gets out.
  link.beforeEnd(flush);
  return (file) => {
    batch.push(file);
    if (batch.length === 1) later(flush);
  };
}
