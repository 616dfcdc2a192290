/**
 * The environment files a program read as it started: `node --env-file=.env`, what it passed to
 * `process.loadEnvFile()`, and `.env` in the working directory (where dotenv reads it). A restart
 * reads them again; in place the program cannot, since neither Node nor dotenv overrides a
 * variable that is set already. So a change to one is told in one line saying a restart is needed,
 * once per change, and never as an update. Under the `hotload` command, which restarts on these
 * files itself, nothing of this runs (see loader/hooks.ts).
 *
 * Only the first process of the tree, in its main thread, tells: a worker thread or a child
 * process started with hotload inherits the same files, and the line is said once.
 */
import { readFileSync } from "../shared/fs.js";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as log from "../shared/log.js";
import { envFilesOf } from "../command/node-options.js";
import { DEFAULT_WATCHER_OPTIONS, Watcher, type TouchedBatch } from "./watcher.js";

/** A file the program loaded with process.loadEnvFile(), and what it held then. */
export interface EnvFileLoad {
  readonly file: string;
  readonly text: string | undefined;
}

/** Starts watching files once they are known. */
type Watch = (onBatch: (batch: TouchedBatch) => Promise<void>, differs: (file: string) => boolean) => { add(file: string): void };

/** The environment files of one process and what they held when the program read them. */
export class EnvFiles {
  readonly #watch: Watch;
  readonly #say: (line: string) => void;
  readonly #cwd: string;
  /** Each file's content when the program first read it (undefined: it did not exist). */
  readonly #read = new Map<string, string | undefined>();
  /** Each file's content when a restart was last said to be needed for it. */
  readonly #told = new Map<string, string | undefined>();
  #watched: { add(file: string): void } | undefined;

  constructor(say: (line: string) => void = log.warn, watch: Watch = watchFiles, cwd: string = process.cwd()) {
    this.#say = say;
    this.#watch = watch;
    this.#cwd = cwd;
  }

  /**
   * Looks at the files of `execArgv` and `.env`, at those the program `loaded` with
   * `process.loadEnvFile()` already, and at those it loads from now on. Returns the undo (tests).
   */
  install(execArgv: readonly string[] = process.execArgv, loaded: readonly EnvFileLoad[] = []): () => void {
    for (const file of envFilesOf(execArgv)) this.read(file);
    if (readText(resolve(this.#cwd, ".env")) !== undefined) this.read(".env");
    // What the program loaded before this was installed (see loader/hooks.ts).
    for (const { file, text } of loaded) this.read(file, text);
    const loadEnvFile = process.loadEnvFile;
    const files = this;
    process.loadEnvFile = function (this: unknown, ...args: unknown[]) {
      const result = Reflect.apply(loadEnvFile, this, args) as void;
      files.read(typeof args[0] === "string" || args[0] instanceof URL ? args[0] : ".env");
      return result;
    } as typeof process.loadEnvFile;
    return () => {
      process.loadEnvFile = loadEnvFile;
    };
  }

  /** The program read `file` (a path from the working directory, or a file: URL), holding `text` if known. */
  read(file: string | URL, text: string | undefined = undefined): void {
    const path = file instanceof URL ? fileURLToPath(file) : resolve(this.#cwd, file);
    if (this.#read.has(path)) return;
    this.#read.set(path, text ?? readText(path));
    (this.#watched ??= this.#watch(
      (batch) => this.#changed(batch),
      (changed) => this.#read.get(changed) !== readText(changed),
    )).add(path);
  }

  async #changed(batch: TouchedBatch): Promise<void> {
    for (const path of [...batch.changed, ...batch.deleted]) {
      const now = readText(path);
      if (!this.#read.has(path)) continue;
      if (now === this.#read.get(path)) {
        // Back to what the program read: a later change is news again.
        this.#told.delete(path);
        continue;
      }
      if (this.#told.has(path) && this.#told.get(path) === now) continue;
      this.#told.set(path, now);
      this.#say(
        `${log.displayPath(path)} ${now === undefined ? "was removed" : "changed"}: the program read its environment as it started; restart needed to see it`,
      );
    }
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function watchFiles(onBatch: (batch: TouchedBatch) => Promise<void>, differs: (file: string) => boolean): { add(file: string): void } {
  return new Watcher(onBatch, (error) => log.error(`watcher error: ${String(error)}`), DEFAULT_WATCHER_OPTIONS, differs);
}

/**
 * Whether this is the main thread of the first process that ran hotload: worker_threads is loaded
 * in every worker, and checking it only then keeps it off a main thread's start-up.
 */
export function tellsEnvFiles(): boolean {
  const loaded = (process as { moduleLoadList?: readonly string[] }).moduleLoadList;
  const inWorker =
    loaded?.includes("NativeModule worker_threads") !== false && !process.getBuiltinModule("node:worker_threads").isMainThread;
  return !inWorker && log.isFirstProcess();
}
