/**
 * How long the watcher waits after an event before it reads the file.
 *
 * A file system modify event is delivered after the `write()` that caused it has finished, so a
 * save written in one `write()` (what editors do for source files) is complete when its event
 * arrives: it is read at once. Only a writer that writes in several parts needs a wait, and it
 * shows itself: a second event for the same file, soon after the first, with the size moved.
 * Then the file is read once its events have been quiet for the settle time (re-armed by each).
 *
 * A truncation is not such a part: the event that follows it is the write that ends the save
 * (the watcher's truncation hold waits for exactly that event), so it is read at once too.
 * Duplicate events of one write (chokidar's `raw` and `change`) leave the size alone and cost no
 * wait.
 */

/** What the watcher saw at one event for a file. */
interface FileEvent {
  /** When the event was handled (ms, monotonic). */
  readonly at: number;
  /** The file's size then; undefined when it did not exist. */
  readonly size: number | undefined;
}

/**
 * The delay (ms) before reading a file after `current`, given the file's previous event.
 * `settleMs` is the quiet time a file being written in parts must keep; `quickMs` the delay for
 * any other event (0: read at once).
 */
export function settleDelay(previous: FileEvent | undefined, current: FileEvent, settleMs: number, quickMs: number): number {
  if (previous === undefined || current.at - previous.at >= settleMs) return quickMs;
  // Still being written: the size moved since an event that was not a truncation or a removal.
  const writing = previous.size !== undefined && previous.size !== 0 && current.size !== previous.size;
  return writing ? Math.max(settleMs, quickMs) : quickMs;
}

/** What the watcher knows of a touched file when it considers reading it (see {@link whenReady}). */
export interface TouchedFile {
  /** The file's size now; undefined when it does not exist. */
  readonly size: number | undefined;
  /** Its size at its last event or look (0 after a truncation); undefined when it had none. */
  readonly probed: number | undefined;
  /** When its last event was handled (ms, monotonic). */
  readonly lastEvent: number | undefined;
  /** The end of a hold already started for it (ms, monotonic). */
  readonly heldUntil: number | undefined;
  /** Its size when it was last handed over (undefined: never, or it was gone). */
  readonly lastSize: number | undefined;
}

/** The watcher's timing knobs that {@link whenReady} uses (see WatcherOptions). */
interface HoldTimes {
  readonly settleMs: number;
  readonly emptyHoldMs: number;
  readonly unlinkHoldMs: number;
  readonly writeWaitMs: number;
}

/** What {@link whenReady} decides for a file. */
type Readiness =
  | { readonly ready: true; readonly size: number | undefined }
  | { readonly ready: false; readonly until: number; readonly hold?: number; readonly probed?: number };

/**
 * Whether a touched file whose settle delay is over can be handed over now, at `now`:
 * - `ready`: hand it over (`size` undefined: it is gone);
 * - `wait`: look again at `until`; `hold` is a hold to remember (it ends then), `probed` the size
 *   to remember as looked at.
 *
 * Protection against torn writes, in order: a large file must have been quiet for longer (it may
 * be written in chunks, each with its own event); a size that moved without an event is a write
 * still going on (after a truncation: the write's own event ends the save, waited for at most
 * `writeWaitMs`); a file that became empty, or vanished, is held (`emptyHoldMs`, `unlinkHoldMs`)
 * for the write or the re-creation that usually follows.
 */
export function whenReady(file: TouchedFile, now: number, times: HoldTimes): Readiness {
  const { size, probed, heldUntil } = file;
  // A large file may be written in chunks, each with its own event: the quiet time it needs
  // grows with its size (1 ms per 50 KB, at most 500 ms; nothing noticeable below 100 KB).
  if (size !== undefined && size > 100_000) {
    const due = (file.lastEvent ?? 0) + times.settleMs + Math.min(500, size / 50_000);
    if (now < due) return { ready: false, until: due };
  }
  // A long write reports its end only when it is done (the event came from the truncation):
  // a size that moved without an event means the file is still being written.
  if (size !== undefined && probed !== size) {
    if (probed !== 0) return { ready: false, until: now + times.settleMs, probed: size };
    // Truncated, then written: the write's own event comes when it is done. Wait for it (at most
    // writeWaitMs), whatever the size says meanwhile.
    const until = heldUntil ?? now + times.writeWaitMs;
    if (now < until) return { ready: false, until: now + times.settleMs, hold: until };
  }
  const suspicious = size === undefined || (size === 0 && (file.lastSize ?? 1) !== 0);
  if (suspicious) {
    const until = heldUntil ?? now + (size === undefined ? times.unlinkHoldMs : times.emptyHoldMs);
    if (now < until) return { ready: false, until, hold: until };
  }
  return { ready: true, size };
}
