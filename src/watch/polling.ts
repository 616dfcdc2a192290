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

/**
 * True for the errors a watch gets when the OS gives no more file watches: ENOSPC (the user's
 * inotify watches are used up) and EMFILE (their inotify instances, `fs.inotify.max_user_instances`,
 * 128 by default and shared with editors, Docker and every other watcher; or the open files).
 */
export function isOutOfWatches(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOSPC" || code === "EMFILE";
}

/** The line that says the OS ran out of watches (the code of `error`) and how to raise the limit. */
export function outOfWatchesLine(error: unknown): string {
  const emfile = (error as { code?: unknown } | null)?.code === "EMFILE";
  const limit = emfile ? "fs.inotify.max_user_instances=1024" : "fs.inotify.max_user_watches=524288";
  return (
    `the system's limit of file ${emfile ? "watchers" : "watches"} is reached (${emfile ? "EMFILE" : "ENOSPC"}): polling every ${FALLBACK_POLL_MS} ms instead. ` +
    `To raise it: sudo sysctl ${limit} (add it to /etc/sysctl.conf to keep it)`
  );
}

let said = false;

/** Says, once per process, that the OS ran out of watches (`error`) and what to do about it. */
export function sayOutOfWatches(error: unknown): void {
  if (said) return;
  said = true;
  warn(outOfWatchesLine(error));
}
