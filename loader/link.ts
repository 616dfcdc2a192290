/**
 * The child's side of the `hotload` supervisor link (src/shared/link.ts). Only active when the supervisor
 * started this process: it sets HOTLOAD_SUPERVISOR to the link's file descriptor, a pipe of its
 * own. Node's IPC channel, should the program have one, stays the program's: hotload never sends
 * on it nor listens to it, so `process.disconnect()` and `process.send` behave as without hotload.
 */
import type { Socket } from "node:net";
import { encodeMessage, linkFdFrom, READY_SLOT, SUPERVISOR_ENV, type ChildMessage } from "../src/shared/link.js";
import type { RuntimeNotifier } from "../src/engine/runtime.js";
import { later } from "../src/shared/later.js";

/** A notifier that talks to the supervisor, or undefined when there is none. */
export function connectSupervisor(): RuntimeNotifier | undefined {
  const fd = linkFdFrom(process.env[SUPERVISOR_ENV]);
  // The program's own child processes are not supervised by us: they must not inherit the flag.
  delete process.env[SUPERVISOR_ENV];
  if (fd === undefined) return undefined;
  let link: Socket;
  try {
    // Loaded only here: a program without a supervisor does not pay for node:net at start-up.
    const net = process.getBuiltinModule("node:net");
    link = new net.Socket({ fd, readable: true, writable: true });
  } catch {
    // Not a pipe after all (a stale variable from a parent): there is no one to tell.
    return undefined;
  }
  // The link must not keep a finished script alive: the supervisor sees the exit anyway. Nor must
  // a cluster worker's channel (the command's overlap mode): Node refs it again for a program
  // that listens for messages on it.
  link.unref();
  process.channel?.unref();
  // EPIPE or ECONNRESET once the supervisor is gone: nothing to tell any more ("end" follows).
  link.on("error", () => {});
  // A supervisor that died (even SIGKILLed) must not leave the program running unattended: its
  // end of the pipe closes, and this end reads the end of the stream. A program that exits by
  // itself never gets here: the unref'd link does not keep it alive.
  link.once("end", () => {
    later(() => process.kill(process.pid, "SIGTERM"));
  });
  link.resume();
  const send = (message: ChildMessage): void => {
    // A small write to a pipe goes out at once (libuv tries it synchronously), also from an
    // `exit` listener, where nothing asynchronous completes.
    if (!link.destroyed) link.write(encodeMessage(message));
  };
  Object.defineProperty(globalThis, Symbol.for(READY_SLOT), { value: () => send({ hotload: "ready" }), configurable: true });
  return {
    filesLoaded: (files) => send({ hotload: "files", files }),
    restartNeeded: (reason, file, chain) => send({ hotload: "restart", reason, file, chain }),
  };
}

/**
 * Collects loaded files and reports them in batches (one message per turn of the event loop), and
 * whatever is pending when the process exits: a program that crashes at once still tells the
 * supervisor which files to watch for the fix.
 */
export function fileReporter(notifier: RuntimeNotifier): (file: string) => void {
  let batch: string[] = [];
  const flush = (): void => {
    if (batch.length === 0) return;
    const files = batch;
    batch = [];
    notifier.filesLoaded(files);
  };
  // beforeExit: the loop ran dry and a send can still complete; exit: process.exit() was called,
  // where only what the link writes at once gets out.
  process.on("beforeExit", flush);
  process.once("exit", flush);
  return (file) => {
    batch.push(file);
    if (batch.length === 1) later(flush);
  };
}
