/**
 * "Did this file change?": the one place hotload decides it, for the runtime (what was loaded,
 * what an update acted on), the program's watcher (a file handed over before its watch was in
 * effect) and the command's watch (a file saved while no program ran).
 *
 * The answer is always a comparison with what was acted on, never a time window alone: a
 * modification time is used only to tell whether bytes read from the file can be what was
 * loaded earlier, and then with room for clocks that lag (see {@link clockMarginMs}).
 *
 * The rule every caller keeps: when in doubt, it changed. A file looked at for nothing costs one
 * read and a comparison; a save taken for what runs is an edit lost until the next save.
 *
 * Everything here is pure except {@link readDisk}, which takes the file system as a parameter.
 */
import type * as NodeFs from "node:fs";
import { readFileSync, statSync } from "../shared/fs.js";

/**
 * What was last acted on for a module: its bytes, the text another loader handed over for it
 * (compared as UTF-8), or undefined when not known (its next look is an update).
 */
export type Acted = string | Buffer | undefined;

/** A file as read now: its bytes, then its modification time, taken after the bytes. */
export interface DiskRead {
  readonly bytes: Buffer;
  /** `mtimeMs` from a `stat` made after the bytes were read. */
  readonly modifiedMs: number;
}

/** How far a modification time may lag `Date.now()` on a file system with fine timestamps (ms). */
export const COARSE_CLOCK_MS = 20;

/**
 * How far it may lag on a file system that keeps whole seconds (ext3 and HFS+: 1 s, FAT: 2 s,
 * some network shares): a save 300 ms after a load gets a time before the load there.
 */
export const WHOLE_SECONDS_MS = 2000;

/**
 * How long before a file was handed to the watcher Node may have read it (ms): the runtime asks
 * for a watch only after its deferred graph work ran, which may wait long on a busy machine.
 */
export const LOAD_MARGIN_MS = 1000;

/** Whether `disk` holds what was acted on (`acted`); undefined (not known) never does. */
export function sameContent(acted: Acted, disk: Buffer): boolean {
  if (acted === undefined) return false;
  return typeof acted === "string" ? Buffer.byteLength(acted) === disk.length && acted === disk.toString() : acted.equals(disk);
}

/**
 * Whether a file holds something else than what was acted on for any of the modules loaded from
 * it (`acted`, one per module URL of the file). A file that cannot be read (`disk` undefined)
 * changed: a look reports it.
 */
export function changedFrom(acted: Iterable<Acted>, disk: Buffer | undefined): boolean {
  if (disk === undefined) return true;
  for (const one of acted) if (!sameContent(one, disk)) return true;
  return false;
}

/**
 * How far the modification time `modifiedMs` may lag the wall clock: a time in whole seconds comes
 * from a file system that keeps no finer ones (on others it happens once in a thousand saves, and
 * then costs only a look at an unchanged file).
 */
export function clockMarginMs(modifiedMs: number): number {
  return modifiedMs % 1000 === 0 ? WHOLE_SECONDS_MS : COARSE_CLOCK_MS;
}

/** Whether a file last modified at `modifiedMs` may have been written at or after `sinceMs` (Date.now()). */
export function mayBeModifiedSince(modifiedMs: number, sinceMs: number): boolean {
  return modifiedMs >= sinceMs - clockMarginMs(modifiedMs);
}

/**
 * What a module handed over as `text` at `loadedAt` (Date.now()) was loaded from, given the file as
 * read later (`disk`, from {@link readDisk}; undefined when unreadable). The text itself when the
 * file still holds it (require() decodes files); else the file's bytes when they were there before
 * the load (another loader, tsx, compiled them: its output never equals the file); else undefined,
 * not known: the file was saved since the load, and its next look must be an update.
 */
export function loadedFromText(text: string, loadedAt: number, disk: DiskRead | undefined): Acted {
  if (disk === undefined) return text;
  if (sameContent(text, disk.bytes)) return text;
  return mayBeModifiedSince(disk.modifiedMs, loadedAt) ? undefined : disk.bytes;
}

/**
 * What a module loaded by another loader (which read the file itself, at some time after
 * `startedAt`) was loaded from, given the file as read after the load: its bytes if they were on
 * disk before `startedAt`, else undefined (saved during the load: not known).
 */
export function loadedBefore(startedAt: number, disk: DiskRead | undefined): Buffer | undefined {
  if (disk === undefined || mayBeModifiedSince(disk.modifiedMs, startedAt)) return undefined;
  return disk.bytes;
}

/** The file system calls {@link readDisk} makes (a fake in tests). */
export interface DiskAccess {
  readonly readFileSync: (file: string) => Buffer;
  readonly statSync: (file: string) => Pick<NodeFs.Stats, "mtimeMs">;
}

const REAL_DISK: DiskAccess = { readFileSync: (file) => readFileSync(file), statSync: (file) => statSync(file) };

/**
 * Reads `file`'s bytes, then its modification time (undefined when it cannot be read). In this
 * order: a time taken after the read is at least that of the bytes read. (Taken before, a save
 * between the two calls paired the new bytes with the old time: the save looked as if it had
 * been loaded, and was lost.)
 */
export function readDisk(file: string, fs: DiskAccess = REAL_DISK): DiskRead | undefined {
  try {
    const bytes = fs.readFileSync(file);
    return { bytes, modifiedMs: fs.statSync(file).mtimeMs };
  } catch {
    return undefined;
  }
}

/**
 * Whether a file handed to the watcher at `addedAt` (Date.now()) needs a look once its watch is in
 * effect: a save before then made no event. `differs` is the runtime's answer (the file against
 * what was loaded from it; undefined when it cannot tell, for a file not in the graph); without
 * it, a file modified since shortly before it was handed over (`modifiedMs`; undefined: gone or
 * unreadable) is looked at.
 */
export function needsLook(differs: boolean | undefined, modifiedMs: number | undefined, addedAt: number): boolean {
  if (differs !== undefined) return differs;
  return modifiedMs === undefined || mayBeModifiedSince(modifiedMs, addedAt - LOAD_MARGIN_MS);
}

/**
 * Whether a file read with `length` bytes is being saved again since the watcher settled it at
 * `settledSize` bytes (undefined: not from the watcher): its content may be half-written, and the
 * watcher takes that save in a batch of its own once it is complete.
 */
export function savedAgain(settledSize: number | undefined, length: number): boolean {
  return settledSize !== undefined && settledSize !== length;
}

/**
 * Whether a file in a batch of the watcher needs another look once the batch was handled: its size
 * moved since the batch was made (`settledSize`; `sizeNow` undefined: gone), with no event since
 * (`touchedSince`). The handler skipped such a save (see {@link savedAgain}) or read an older
 * state; its own event normally brings it, this is for a save whose event never came.
 */
export function needsAnotherLook(settledSize: number, sizeNow: number | undefined, touchedSince: boolean): boolean {
  return !touchedSince && sizeNow !== settledSize;
}

/**
 * What the command's watch remembers of a file: a digest of its bytes, or "missing" (undefined:
 * it cannot be read). Only a change of content is a change, as for modules: a touch, or a rewrite
 * with the same bytes, is not (a restart for it would only lose the program's state).
 */
export function identityOf(bytes: Uint8Array | undefined): string {
  // node:crypto only when asked: the loader's start-up imports this file, the command calls this.
  return bytes === undefined ? "missing" : process.getBuiltinModule("node:crypto").createHash("sha1").update(bytes).digest("base64");
}
