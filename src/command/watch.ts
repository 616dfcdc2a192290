/**
 * The supervisor's own file watching (chokidar): the `--restart` globs, and the files the app
 * loaded when the supervisor has to notice their changes itself (with `--no-hot`, or while no
 * app is running after a crash).
 *
 * A change is reported once per content state: a save that produces several events (truncate,
 * then write) is one change, and a touch or a rewrite with the same bytes is none, because each
 * event is checked against the file's content when it was last reported, or when the watch
 * started (see identityOf).
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { coveredBy, matchesGlob, type Glob } from "./glob.js";
import { warn } from "../shared/log.js";
import { FALLBACK_POLL_MS, isWatchFailure, pollingOptions, sayPolling } from "../watch/polling.js";
import { identityOf } from "../watch/changed.js";
import type { WatchFunction } from "../watch/watcher.js";

/** Called with the absolute path of a changed file. */
export type ChangeListener = (file: string) => void;

export interface Watch {
  /** Resolves when the initial scan is done: from then on no change is missed. */
  readonly ready: Promise<void>;
  /** Stops watching; no listener is called afterwards. */
  close(): Promise<void>;
}

/** A watch of individual files, which can grow. */
export interface FilesWatch extends Watch {
  /** Watches more files (those covered by an `--ignore` glob are left out). */
  add(files: readonly string[]): void;
}

/** Which chokidar events count as a change. */
type Kind = "add" | "change" | "unlink";

/** What a file holds now (see {@link identityOf}): two identities that differ mean a change. */
function fileIdentity(file: string): string {
  let bytes: Buffer | undefined;
  try {
    bytes = readFileSync(file);
  } catch {
    bytes = undefined;
  }
  return identityOf(bytes);
}

/** The identity of each of `files` now, to compare with later (see {@link watchFiles}). */
export function snapshot(files: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of files) out.set(file, fileIdentity(file));
  return out;
}

/**
 * Watches individual files for `add` and `change` (a deleted module is no reason to restart: the
 * app would only fail to import it). With `baseline`, a file that no longer looks as it did in
 * the baseline once the watch is ready counts as changed, so that nothing saved between the
 * snapshot and the watch's start is missed. Files added later get the same treatment, with a
 * baseline taken when they are added.
 */
export function watchFiles(
  files: readonly string[],
  ignore: readonly Glob[],
  onChange: ChangeListener,
  baseline?: ReadonlyMap<string, string>,
  poll?: number,
  chokidar: WatchFunction = watch,
): FilesWatch {
  const dedupe = deduper(onChange);
  const watchers: FSWatcher[] = [];
  // chokidar's add() says nothing when it is in effect, so each batch gets its own watcher and
  // its own `ready` (the folder's inotify watch is shared underneath).
  const start = (paths: readonly string[], before: ReadonlyMap<string, string> | undefined): Promise<void> => {
    // The baseline is what the files held: what they hold when the watch starts must not hide a save since.
    if (before) for (const [file, identity] of before) dedupe.seed(file, identity);
    const watcher = open(paths, { ignored: (path: string) => coveredBy(ignore, path) }, ["add", "change"], dedupe, poll, chokidar);
    watchers.push(watcher);
    return readyOf(watcher).then(() => {
      if (!before || dedupe.closed()) return;
      for (const [file, identity] of before) {
        if (fileIdentity(file) !== identity) {
          dedupe.report(file);
          return;
        }
      }
    });
  };
  const ready = start(files, baseline);
  return {
    ready,
    add(more) {
      const fresh = more.filter((file) => !coveredBy(ignore, file));
      if (fresh.length > 0 && !dedupe.closed()) void start(fresh, snapshot(fresh));
    },
    close: () => dedupe.close(() => Promise.all(watchers.map((w) => w.close())).then(() => undefined)),
  };
}

/**
 * Watches the files matching `globs` (created, changed or deleted: for an env file all three
 * change what the app sees). Each glob's fixed folder is watched to the depth the glob can reach;
 * `node_modules` and `.git` below it are skipped unless the glob names them.
 */
export function watchGlobs(
  globs: readonly Glob[],
  ignore: readonly Glob[],
  onChange: ChangeListener,
  poll?: number,
  chokidar: WatchFunction = watch,
): Watch {
  const dedupe = deduper(onChange);
  const kinds: Kind[] = ["add", "change", "unlink"];
  const watchers: FSWatcher[] = [];
  const literals = globs.filter((glob) => glob.literal).map((glob) => glob.absolute);
  if (literals.length > 0) {
    watchers.push(open(literals, { ignored: (path: string) => coveredBy(ignore, path) }, kinds, dedupe, poll, chokidar));
  }
  const groups = new Map<string, Glob[]>();
  for (const glob of globs.filter((g) => !g.literal)) {
    const key = `${glob.base}\0${glob.depth ?? "all"}`;
    groups.set(key, [...(groups.get(key) ?? []), glob]);
  }
  for (const group of groups.values()) {
    const { base, depth } = group[0]!;
    const namesSkipped = group.some((glob) => /(^|\/)(node_modules|\.git)(\/|$)/.test(glob.absolute));
    const ignored = (path: string, stats?: { isFile(): boolean }): boolean => {
      if (coveredBy(ignore, path)) return true;
      if (!namesSkipped && /(^|[\\/])(node_modules|\.git)([\\/]|$)/.test(relative(base, path))) return true;
      return stats?.isFile() === true && !group.some((glob) => matchesGlob(glob, path));
    };
    const matches = (path: string): boolean => group.some((glob) => matchesGlob(glob, path));
    const sink: Sink = {
      report: (path) => {
        if (matches(path)) dedupe.report(path);
      },
      seed: (path) => {
        if (matches(path)) dedupe.seed(path);
      },
    };
    watchers.push(open([base], depth === undefined ? { ignored } : { ignored, depth }, kinds, sink, poll, chokidar));
  }
  return {
    ready: Promise.all(watchers.map(readyOf)).then(() => undefined),
    close: () => dedupe.close(() => Promise.all(watchers.map((w) => w.close())).then(() => undefined)),
  };
}

/** Where a watcher's events go: `seed` for the files found by its first scan, `report` for every event after. */
interface Sink {
  report(file: string): void;
  seed(file: string): void;
}

function open(
  paths: readonly string[],
  options: { ignored: (path: string, stats?: { isFile(): boolean }) => boolean; depth?: number },
  kinds: readonly Kind[],
  sink: Sink,
  poll: number | undefined,
  chokidar: WatchFunction,
): FSWatcher {
  // persistent: the supervisor has nothing else keeping it alive while it waits for a change.
  // atomic: false: report at once; the supervisor's restart is what we want to be fast.
  // poll: stat every `poll` ms, no OS watch at all (file systems that deliver no events).
  // ignoreInitial: false: the first scan's files are seeded with what they hold (see deduper).
  const watcher = chokidar([...paths], { ...options, ...pollingOptions(poll), persistent: true, ignoreInitial: false, atomic: false });
  let scanning = true;
  scanned.set(
    watcher,
    new Promise((resolve) =>
      watcher.once("ready", () => {
        scanning = false;
        resolve();
      }),
    ),
  );
  for (const kind of kinds) watcher.on(kind, (path: string) => (scanning && kind === "add" ? sink.seed(path) : sink.report(path)));
  watcher.on("error", (error: unknown) => {
    if (isWatchFailure(error)) {
      // A watch could not be set up (see isWatchFailure): the same paths are polled too (the
      // first watch keeps what it has), once. Closed with the first.
      if (poll !== undefined) return;
      sayPolling(error);
      const fallback = open(paths, options, kinds, sink, FALLBACK_POLL_MS, chokidar);
      fallbacks.set(watcher, fallback);
      watcher.close = (
        (close) => () =>
          Promise.all([close.call(watcher), fallback.close()]).then(() => undefined)
      )(watcher.close);
      poll = FALLBACK_POLL_MS;
      return;
    }
    // A file that vanished, a folder we may not read: the watch goes on, the user should know.
    warn(`watching files: ${error instanceof Error ? error.message : String(error)}`);
  });
  return watcher;
}

/** The polling watcher each watcher whose watches failed was given (see {@link open}). */
const fallbacks = new WeakMap<FSWatcher, FSWatcher>();
/** When each watcher has scanned its paths (taken as it opens: `ready` is said once). */
const scanned = new WeakMap<FSWatcher, Promise<void>>();

/** Resolves once `watcher` has scanned its paths, and its polling fallback too when it has one: no change is missed from then on. */
function readyOf(watcher: FSWatcher): Promise<void> {
  return scanned.get(watcher)!.then(() => {
    const fallback = fallbacks.get(watcher);
    return fallback ? readyOf(fallback) : undefined;
  });
}

/**
 * Reports each file once per content state, and never after `close`. A file's first state is
 * seeded (the watch's first scan, or a baseline taken before): a touch of it is then no change.
 */
function deduper(onChange: ChangeListener): {
  report: ChangeListener;
  seed(file: string, identity?: string): void;
  closed(): boolean;
  close(stop: () => Promise<void>): Promise<void>;
} {
  const seen = new Map<string, string>();
  let closed = false;
  let closing: Promise<void> | undefined;
  return {
    report(file) {
      if (closed) return;
      const identity = fileIdentity(file);
      if (seen.get(file) === identity) return;
      seen.set(file, identity);
      onChange(file);
    },
    seed(file, identity) {
      if (!closed && !seen.has(file)) seen.set(file, identity ?? fileIdentity(file));
    },
    closed: () => closed,
    close(stop) {
      closed = true;
      closing ??= stop();
      return closing;
    },
  };
}
