/**
 * Polling instead of the OS's file watches: Docker bind mounts on macOS and Windows,
 * WSL's Windows drives, Vagrant and network shares deliver no inotify events. Both watchers (the
 * program's, src/watch/watcher.ts, and the command's, src/command/watch.ts) take their chokidar options
 * from here, and fall back to polling, with the same one line, when a watch cannot be set up: the
 * OS ran out of watches (ENOSPC) or of inotify instances (EMFILE, held by editors, Docker and other
 * watchers), or refused one (EACCES on a folder). Polling needs none of these.
 */
import { warn } from "../shared/log.js";

/** How often files are polled after the OS ran out of watches (ms). */
export const FALLBACK_POLL_MS = 250;

/** chokidar's options for `poll` (undefined: the OS's watches). */
export function pollingOptions(poll: number | undefined): { usePolling?: boolean; interval?: number; binaryInterval?: number } {
  return poll === undefined ? {} : { usePolling: true, interval: poll, binaryInterval: poll };
}

/** The error codes that mean the OS gave no watch (whatever call chokidar was making). */
const NO_WATCH = new Set(["ENOSPC", "EMFILE", "ENFILE"]);

/**
 * True for an error that means a file watch could not be set up: the OS has no watches or inotify
 * instances left, or the watch call itself failed (EACCES, EPERM on a folder it may not watch).
 * Polling needs no OS watch. (chokidar reports no ENOENT: a vanished file is no failure.)
 */
export function isWatchFailure(error: unknown): boolean {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  return (typeof code === "string" && NO_WATCH.has(code)) || syscall === "watch";
}

let said = false;

/** Says, once per process, that a watch could not be set up, that files are polled now, and what to do about it. */
export function sayPolling(error: unknown): void {
  if (said) return;
  said = true;
  const code = (error as { code?: unknown } | null)?.code;
  const polling = `polling every ${FALLBACK_POLL_MS} ms instead.`;
  if (code === "ENOSPC") {
    warn(
      `the system's limit of file watches is reached (ENOSPC): ${polling} To raise it: sudo sysctl fs.inotify.max_user_watches=524288 (add it to /etc/sysctl.conf to keep it)`,
    );
  } else if (code === "EMFILE" || code === "ENFILE") {
    warn(
      `the system's limit of inotify instances or open files is reached (${code}): ${polling} ` +
        "To raise it: sudo sysctl fs.inotify.max_user_instances=1024 (add it to /etc/sysctl.conf to keep it), or ulimit -n",
    );
  } else {
    warn(`a file watch could not be set up (${error instanceof Error ? error.message : String(error)}): ${polling}`);
  }
}
