/**
 * Change detection: whether a file holds something else than what was last acted on, for the
 * watcher (a save before its watch was set up) and for each update (which of its files changed).
 * What counts as a change for one file is decided in watch/changed.ts, for the engine, the
 * watcher and the command alike; this applies it to the engine's records.
 */
import { readFileSync } from "../../shared/fs.js";
import { changedFrom, readDisk, sameContent, savedAgain, type Acted } from "../../watch/changed.js";
import type { UpdateRequest } from "../update/request.js";

/** What change detection reads of one module (see registry.ts's ModuleRecord). */
interface ContentRecord {
  /** The content last acted on (loaded, applied, failed or refused). */
  readonly seen: Acted;
  /** The content of the last update of this module that failed to load. */
  readonly failed: Acted;
  /** Disposed by an update that failed: `seen` no longer runs (see registry.ts). */
  readonly stopped: boolean;
}

/**
 * Whether `file` holds something else than what Node was given for it (undefined: not a module
 * of the graph, `ids` undefined). Asked once its watch is set up: a save before then, however
 * long the program's start-up took, made no event.
 */
export function differsFromLoaded(file: string, ids: ReadonlySet<string> | undefined, seenOf: (id: string) => Acted): boolean | undefined {
  if (!ids) return undefined;
  return changedFrom([...ids].map(seenOf), readDisk(file)?.bytes);
}

/** What the engine knows that change detection reads, and what it tells (see registry.ts, failures.ts). */
interface ChangeState {
  idsOf(file: string): ReadonlySet<string> | undefined;
  record(id: string): ContentRecord;
  inGraph(id: string): boolean;
  reportMissing(file: string, what: string): void;
  /** The file of `id` could be read: whether it was missing (it is back). */
  back(id: string): boolean;
  /** The file of `id` holds what runs again: whether some content of it had failed. */
  savedBack(id: string): boolean;
  /** No content of `file` is known to fail any more. */
  passed(file: string): void;
  /** `file` is being saved again: its next batch takes it. */
  savedAgain(file: string): void;
}

/** The modules whose content changed, with what they hold now and what they held before. */
interface Changes {
  readonly changed: string[];
  /** The content of each changed module, as read now. */
  readonly contents: Map<string, Buffer>;
  /** What each changed module held before (restored if its update fails). */
  readonly previous: Map<string, string | Buffer | undefined>;
  /** A deleted, unreadable or broken file is back as it runs: updates that failed with it may pass. */
  readonly cameBack: boolean;
}

/** Which modules of `files` (asked for by `request`) changed: their content against what was last acted on. */
export function findChanges(request: UpdateRequest, files: readonly string[], state: ChangeState): Changes {
  const changed: string[] = [];
  const contents = new Map<string, Buffer>();
  let cameBack = false;
  const previous = new Map<string, string | Buffer | undefined>();
  for (const file of files) {
    const ids = state.idsOf(file);
    if (!ids) continue;
    let content: Buffer;
    try {
      content = readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      state.reportMissing(file, code === "ENOENT" ? "was deleted" : `cannot be read (${code ?? String(error)})`);
      continue;
    }
    // Saved again since the watcher settled it (this update waited behind another): possibly
    // half-written now, and the watcher delivers that save when it is complete.
    if (request.kind === "save" && savedAgain(request.sizes.get(file), content.length)) {
      state.savedAgain(file);
      continue;
    }
    for (const id of ids) {
      if (state.back(id)) cameBack = true;
      if (!state.inGraph(id)) continue;
      const record = state.record(id);
      if (sameContent(record.seen, content) && !record.stopped) {
        // Saved back to the content that runs: whatever failed with its broken content may pass.
        if (state.savedBack(id)) {
          state.passed(file);
          cameBack = true;
        }
        continue;
      }
      // A retry is for content that failed; anything newer is the watcher's to deliver once the
      // save is complete. Failed content is tried again only by that quiet retry (after an update
      // that may be what it waited for), never for a touch, even beside another file's save:
      // its error would be said twice, and the other file's update tried twice.
      const failedBefore = sameContent(record.failed, content);
      if (request.kind === "retry" ? !failedBefore : failedBefore) continue;
      changed.push(id);
      contents.set(id, content);
      previous.set(id, record.seen);
    }
  }
  return { changed, contents, previous, cameBack };
}
