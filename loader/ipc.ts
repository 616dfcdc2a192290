/**
 * The child's side of the `hotload` supervisor link (messages in src/ipc.ts). Only active when the
 * supervisor started this process: it sets HOTLOAD_SUPERVISOR=1 and gives it an IPC channel.
 */
import { SUPERVISOR_ENV, type ChildMessage } from "../src/ipc.js";
import type { RuntimeNotifier } from "../src/runtime.js";

/** A notifier that talks to the supervisor, or undefined when there is none. */
export function connectSupervisor(): RuntimeNotifier | undefined {
  if (process.env[SUPERVISOR_ENV] !== "1" || typeof process.send !== "function") return undefined;
  // The channel must not keep a finished script alive: the supervisor sees the exit anyway.
  process.channel?.unref();
  const send = (message: ChildMessage): void => {
    try {
      process.send?.(message);
    } catch {
      // The supervisor is gone; nothing to tell.
    }
  };
  return {
    filesLoaded: (files) => send({ hotload: "files", files }),
    restartNeeded: (reason, file, chain) => send({ hotload: "restart", reason, file, chain }),
  };
}
