/**
 * Polling instead of the OS's file watches (issue 13): Docker bind mounts on macOS and Windows,
 * WSL's Windows drives, Vagrant and network shares deliver no inotify events. Both watchers (the
 * program's, src/watch/watcher.ts, and the command's, src/command/watch.ts) take their chokidar options
 * from here, and say the same one line when the OS runs out of watches.
 */
import { warn } from "../shared/log.js";

/** The environment variable that turns polling on for `node --import hotload`: its value in ms. */
export const POLL_ENV = "HOTLOAD_POLL";

/** How often files are polled after the OS ran out of watches (ms). */
export const FALLBACK_POLL_MS = 250;

/** The polling interval `HOTLOAD_POLL` asks for, or undefined (use the OS's watches). */
export function pollFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = Number(env[POLL_ENV]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** chokidar's options for `poll` (undefined: the OS's watches). */
export function pollingOptions(poll: number | undefined): { usePolling?: boolean; interval?: number; binaryInterval?: number } {
  return poll === undefined ? {} : { usePolling: true, interval: poll, binaryInterval: poll };
}

/** True for the error a watch gets when the OS has no file watches left. */
export function isOutOfWatches(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ENOSPC";
}

let said = false;

/** Says, once per process, that the OS ran out of watches and what to do about it. */
export function sayOutOfWatches(): void {
  if (said) return;
  said = true;
  warn(
    `the system's limit of file watches is reached (ENOSPC): polling every ${FALLBACK_POLL_MS} ms instead. ` +
      "To raise it: sudo sysctl fs.inotify.max_user_watches=524288 (add it to /etc/sysctl.conf to keep it)",
  );
}
