/**
 * The child's side of the `hotload` supervisor link (messages in src/ipc.ts). Only active when the
 * supervisor started this process: it sets HOTLOAD_SUPERVISOR=1 and gives it an IPC channel.
 */
import { READY_SLOT, SUPERVISOR_ENV, type ChildMessage } from "../src/ipc.js";
import type { RuntimeNotifier } from "../src/runtime.js";
import { later } from "../src/later.js";

/** A notifier that talks to the supervisor, or undefined when there is none. */
export function connectSupervisor(): RuntimeNotifier | undefined {
  const supervised = process.env[SUPERVISOR_ENV] === "1";
  // The program's own child processes are not supervised by us: they must not inherit the flag.
  delete process.env[SUPERVISOR_ENV];
  if (!supervised || typeof process.send !== "function") return undefined;
  // The channel must not keep a finished script alive: the supervisor sees the exit anyway.
  process.channel?.unref();
  // A supervisor that died (even SIGKILLed) must not leave the program running unattended. The
  // channel also closes while a finished program exits: the unref'd timer never fires then.
  process.once("disconnect", () => {
    later(() => process.kill(process.pid, "SIGTERM"));
  });
  const send = (message: ChildMessage): void => {
    try {
      process.send?.(message);
    } catch {
      // The supervisor is gone; nothing to tell.
    }
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
  // where only what the channel writes at once gets out.
  process.on("beforeExit", flush);
  process.once("exit", flush);
  return (file) => {
    batch.push(file);
    if (batch.length === 1) later(flush);
  };
}
