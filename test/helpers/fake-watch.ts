/**
 * Fake file watches: {@link FakeChokidar} stands for chokidar's `watch` (what src/watch/watcher.ts
 * and src/command/watch.ts open), {@link FakeWatches} for the command's own watches as the
 * supervisor uses them (src/command/watch.ts). A test says which events happen; nothing touches
 * the OS's watches.
 */
import { EventEmitter } from "node:events";
import type { ChokidarOptions, FSWatcher } from "chokidar";
import type { ChangeListener, FilesWatch, Watch } from "../../src/command/watch.js";
import type { CommandWatches } from "../../src/command/effects.js";
import type { Glob } from "../../src/command/glob.js";
import type { WatchFunction } from "../../src/watch/watcher.js";

/** One chokidar watcher opened through {@link FakeChokidar}. */
export class FakeFSWatcher extends EventEmitter {
  readonly paths: string[];
  readonly options: ChokidarOptions;
  closed = false;

  constructor(paths: string[], options: ChokidarOptions) {
    super();
    this.paths = [...paths];
    this.options = options;
  }

  add(paths: string | string[]): this {
    this.paths.push(...(Array.isArray(paths) ? paths : [paths]));
    return this;
  }

  unwatch(paths: string | string[]): this {
    for (const path of Array.isArray(paths) ? paths : [paths]) this.paths.splice(this.paths.indexOf(path), 1);
    return this;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The OS reports `event` on `path` (as chokidar's `all` and the event itself). */
  event(event: "add" | "change" | "unlink", path: string): void {
    this.emit(event, path);
    this.emit("all", event, path);
  }

  /** chokidar's first scan is done. */
  ready(): void {
    this.emit("ready");
  }

  /** A watch could not be set up: fs.watch failed with `code`, as the OS makes it fail. */
  fail(code: string): void {
    this.emit("error", Object.assign(new Error(`${code}: no watch`), { code, syscall: "watch" }));
  }
}

/** chokidar's `watch`, faked: every watcher it opened, newest last. */
export class FakeChokidar {
  readonly opened: FakeFSWatcher[] = [];
  readonly watch: WatchFunction = (paths, options) => {
    const watcher = new FakeFSWatcher(paths, options);
    this.opened.push(watcher);
    return watcher as unknown as FSWatcher;
  };

  /** The watcher opened `index`-th (-1: the newest). */
  watcher(index: number): FakeFSWatcher {
    const watcher = this.opened.at(index);
    if (!watcher) throw new Error(`no watcher ${index}: ${this.opened.length} opened`);
    return watcher;
  }
}

/** One of the command's watches, as the supervisor opened it. */
export class FakeWatch implements FilesWatch {
  readonly kind: "files" | "globs";
  readonly files: string[];
  readonly baseline: ReadonlyMap<string, string> | undefined;
  readonly ready: Promise<void> = Promise.resolve();
  readonly #onChange: ChangeListener;
  closed = false;

  constructor(kind: "files" | "globs", files: readonly string[], onChange: ChangeListener, baseline?: ReadonlyMap<string, string>) {
    this.kind = kind;
    this.files = [...files];
    this.#onChange = onChange;
    this.baseline = baseline;
  }

  add(files: readonly string[]): void {
    this.files.push(...files);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** `file` changed (reported only while the watch is open, as the real ones do). */
  change(file: string): void {
    if (!this.closed) this.#onChange(file);
  }
}

/** The command's watches, faked: every watch the supervisor opened, newest last. */
export class FakeWatches implements CommandWatches {
  readonly opened: FakeWatch[] = [];

  readonly files = (
    files: readonly string[],
    _ignore: readonly Glob[],
    onChange: ChangeListener,
    baseline?: ReadonlyMap<string, string>,
  ): FilesWatch => {
    const watch = new FakeWatch("files", files, onChange, baseline);
    this.opened.push(watch);
    return watch;
  };

  readonly globs = (globs: readonly Glob[], _ignore: readonly Glob[], onChange: ChangeListener): Watch => {
    const watch = new FakeWatch(
      "globs",
      globs.map((glob) => glob.absolute),
      onChange,
    );
    this.opened.push(watch);
    return watch;
  };

  readonly snapshot = (files: Iterable<string>): Map<string, string> => new Map([...files].map((file) => [file, "as loaded"]));

  /** The open watches of `kind`. */
  open(kind: "files" | "globs"): FakeWatch[] {
    return this.opened.filter((watch) => watch.kind === kind && !watch.closed);
  }
}
