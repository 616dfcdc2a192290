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
export interface FileEvent {
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
