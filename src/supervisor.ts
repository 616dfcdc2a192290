/**
 * The supervisor behind the `hotload` command: runs the app as a child process
 * (`node [node options] --import hotload <entry>`) with an IPC channel, and restarts it only when
 * the app itself cannot take a change in place.
 *
 * Life of the app, as phases:
 * - `running`: a child is alive. In hot mode the child watches its own files and applies updates;
 *   it sends `restart` when nothing accepts one. The supervisor watches only `--restart` globs
 *   (and, with `--no-hot`, every file the child reported).
 * - `restarting`: from the decision to restart until the new child is spawned. Further requests
 *   in this window are coalesced: the new child loads the files as they are by then anyway.
 * - `waiting`: the child exited by itself (a crash, or 0 with `--watch-after-exit`). Nothing is
 *   restarted in a loop: the supervisor watches the files the child had loaded, and the entry,
 *   and starts it again at the next change.
 * - `exiting`: a signal arrived (or the app finished); the supervisor ends with the app's code.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { CliOptions } from "./cli-args.js";
import { statSync } from "node:fs";
import { constants } from "node:os";
import { dirname, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { snapshot, watchFiles, watchGlobs, type FilesWatch, type Watch } from "./cli-watch.js";
import { compileGlob, escapeGlob, type Glob } from "./glob.js";
import { isChildMessage, SUPERVISOR_ENV, type RestartMessage } from "./ipc.js";
import { debug, displayPath, error, info, warn } from "./log.js";

/** How to run and watch the app. */
/** The command line's options, and what the command adds to run the app. */
export interface SupervisorOptions extends CliOptions {
  /** What the app's `--import` loads: hotload's loader, as a file URL. */
  readonly loader: string;
  /**
   * The app's stdin: the supervisor's own (`inherit`), or a pipe the supervisor writes to with
   * {@link Supervisor.input} (when the supervisor reads the terminal itself for `rs`).
   */
  readonly stdin: "inherit" | "pipe";
  /** Working directory of the app (default: the supervisor's). */
  readonly cwd?: string;
}

/** Why the app is started again. */
export type RestartCause =
  /** The app asked: an update it could not apply in place. */
  | { readonly kind: "child"; readonly message: RestartMessage }
  /** A file the supervisor watches changed. */
  | { readonly kind: "change"; readonly file: string }
  /** The user asked (`SIGHUP`, `rs`). */
  | { readonly kind: "request"; readonly via: string };

/** How a child ended. */
interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One child process and what the supervisor knows about it. */
interface Run {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  /** The supervisor is stopping it: its exit is expected, not a crash. */
  stopping: boolean;
  /** The supervisor had to SIGKILL it. */
  killed: boolean;
  /** For a restart: when it was decided (performance.now()), to report the first message. */
  readonly decidedAt: number | undefined;
  /** Wall-clock time of the spawn, to compare with file modification times. */
  readonly spawnedAt: number;
  heard: boolean;
}

type Phase = "idle" | "running" | "restarting" | "waiting" | "exiting";

/** Runs the app and restarts it when needed; see the file comment for the phases. */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #entry: string;
  readonly #app: string;
  readonly #restartGlobs: readonly Glob[];
  readonly #ignore: readonly Glob[];
  /** Every file any child reported, plus the entry file: what to watch when no child runs. */
  readonly #loaded: Set<string>;
  #phase: Phase = "idle";
  #run: Run | undefined;
  #globWatch: Watch | undefined;
  /** With `--no-hot`: for the whole session. In hot mode: only while `waiting`. */
  #filesWatch: FilesWatch | undefined;
  /** The code of the last child that exited by itself. */
  #lastCode: number | undefined;
  #inputEnded = false;
  readonly #done: Promise<number>;
  #finish!: (code: number) => void;

  /** Prepares; nothing runs until {@link start}. */
  constructor(options: SupervisorOptions) {
    this.#options = options;
    const cwd = options.cwd ?? process.cwd();
    this.#entry = resolve(cwd, options.entry);
    this.#app = displayPath(this.#entry);
    const dir = dirname(this.#entry);
    // Node reads --env-file at start-up: only a restart can bring a change to one into the app.
    const envFiles = envFilesOf(options.nodeArgs).map((file) => escapeGlob(resolve(cwd, file)));
    this.#restartGlobs = [...options.restart, ...envFiles].map((glob) => compileGlob(glob, dir));
    this.#ignore = options.ignore.map((glob) => compileGlob(glob, dir));
    // `hotload .` runs a package's main file: watching the folder would mean watching the whole
    // project (node_modules included); the app reports the file it resolved to.
    this.#loaded = new Set(isDirectory(this.#entry) ? [] : [this.#entry]);
    this.#done = new Promise((resolveDone) => (this.#finish = resolveDone));
  }

  /** Resolves with the exit code the command should end with. */
  get done(): Promise<number> {
    return this.#done;
  }

  /** Starts watching and runs the app (once the watches are ready, so no early save is missed). */
  async start(): Promise<void> {
    if (this.#phase !== "idle") return;
    this.#phase = "restarting";
    const onChange = (file: string): void => this.restart({ kind: "change", file });
    this.#globWatch = watchGlobs(this.#restartGlobs, this.#ignore, onChange);
    if (!this.#options.hot) this.#filesWatch = watchFiles([...this.#loaded], this.#ignore, onChange);
    await Promise.all([this.#globWatch.ready, this.#filesWatch?.ready]);
    if (this.#phase !== "restarting") return; // a signal came first
    this.#launch(undefined, undefined);
  }

  /**
   * Restarts the app: SIGTERM, SIGKILL after the kill timeout, then a new child. While no child
   * runs (after a crash), starts it. Coalesced with a restart already under way.
   */
  restart(cause: RestartCause): void {
    switch (this.#phase) {
      case "idle":
      case "exiting":
        return;
      case "restarting":
        debug(`${describe(cause)}: a restart is already under way`);
        return;
      case "running":
      case "waiting":
        break;
      default:
        this.#phase satisfies never;
    }
    const decidedAt = performance.now();
    const previous = this.#run?.exit === undefined ? this.#run : undefined;
    this.#phase = "restarting";
    if (this.#options.hot) this.#stopWatchingFiles();
    void (async () => {
      if (previous) await this.#stop(previous, "SIGTERM");
      // A signal while the old child was stopping: the supervisor is on its way out.
      if (this.#phase !== "restarting") return;
      this.#launch(cause, decidedAt);
    })();
  }

  /**
   * Ends the session: forwards `signal` to the app, waits for it to exit (SIGKILL after the kill
   * timeout), and resolves {@link done} with its code, or 128 + the signal's number when a signal
   * ended it. A second call stops waiting and kills the app at once.
   */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const run = this.#run?.exit === undefined ? this.#run : undefined;
    if (this.#phase === "exiting") {
      if (run) this.#kill(run);
      return;
    }
    const waiting = this.#phase === "waiting";
    this.#phase = "exiting";
    if (!run) {
      // No app to forward to: after a crash, the crash is what the command reports.
      await this.#end(waiting && this.#lastCode !== undefined ? this.#lastCode : signalCode(signal));
      return;
    }
    const exit = await this.#stop(run, signal);
    await this.#end(exit.code ?? signalCode(run.killed ? signal : exit.signal ?? signal));
  }

  /** Writes to the app's stdin (only with `stdin: "pipe"`). */
  input(text: string): void {
    const stdin = this.#run?.child.stdin;
    if (stdin && stdin.writable) stdin.write(text);
  }

  /** Ends the app's stdin, and that of every later child (only with `stdin: "pipe"`). */
  endInput(): void {
    this.#inputEnded = true;
    this.#run?.child.stdin?.end();
  }

  /** Kills the app at once, synchronously (for the supervisor's own `exit`). */
  killNow(): void {
    const run = this.#run;
    if (run && run.exit === undefined) run.child.kill("SIGKILL");
  }

  #launch(cause: RestartCause | undefined, decidedAt: number | undefined): void {
    const options = this.#options;
    const env: NodeJS.ProcessEnv = { ...process.env, [SUPERVISOR_ENV]: "1" };
    // The loader reads HOTLOAD_HOT=0 as: report the files you load, but update nothing.
    if (options.hot) delete env["HOTLOAD_HOT"];
    else env["HOTLOAD_HOT"] = "0";
    // Plain paths among the --ignore globs also keep those files cold in the app.
    const literal = this.#ignore.filter((glob) => glob.literal).map((glob) => glob.absolute);
    if (literal.length > 0) env["HOTLOAD_IGNORE"] = [env["HOTLOAD_IGNORE"], ...literal].filter(Boolean).join(",");
    // The loader comes after the user's options: a transpiler (--import tsx) registered first
    // runs its hooks after hotload's, so hotload sees JavaScript.
    const argv = [
      ...options.nodeArgs,
      "--import",
      options.loader,
      ...(options.entry.startsWith("-") ? ["--"] : []),
      options.entry,
      ...options.appArgs,
    ];
    const spawnedAt = Date.now();
    const child = spawn(process.execPath, argv, {
      cwd: options.cwd ?? process.cwd(),
      env,
      stdio: [options.stdin, "inherit", "inherit", "ipc"],
    });
    let settle!: (exit: Exit) => void;
    const run: Run = {
      child,
      exited: new Promise<Exit>((resolveExit) => (settle = resolveExit)),
      exit: undefined,
      stopping: false,
      killed: false,
      decidedAt,
      spawnedAt,
      heard: false,
    };
    const exited = (exit: Exit): void => {
      if (run.exit) return;
      run.exit = exit;
      settle(exit);
      this.#onExit(run, exit);
    };
    this.#run = run;
    this.#phase = "running";
    child.stdin?.on("error", () => {
      // EPIPE: the app exited or closed its stdin; what the user typed has nowhere to go.
    });
    if (this.#inputEnded) child.stdin?.end();
    child.on("exit", (code, signal) => exited({ code, signal }));
    child.on("message", (message: unknown) => this.#onMessage(run, message));
    child.on("error", (problem) => {
      if (child.pid === undefined) {
        // Not even spawned (no exit event follows): as a crash, so a change retries.
        error(`could not start ${this.#app}: ${problem.message}`);
        exited({ code: 127, signal: null });
      } else {
        debug(`${this.#app}: ${problem.message}`);
      }
    });
    if (cause && decidedAt !== undefined) {
      child.once("spawn", () => {
        const ms = Math.round(performance.now() - decidedAt);
        info(`restart: ${describe(cause)} — new process spawned in ${ms} ms`);
      });
    }
  }

  #onMessage(run: Run, message: unknown): void {
    if (!isChildMessage(message)) return;
    if (!run.heard) {
      run.heard = true;
      if (run.decidedAt !== undefined) {
        debug(`the new process reported in ${Math.round(performance.now() - run.decidedAt)} ms after the decision`);
      }
    }
    switch (message.hotload) {
      case "files": {
        const fresh = message.files.filter((file) => !this.#loaded.has(file));
        for (const file of fresh) this.#loaded.add(file);
        if (fresh.length === 0) return;
        this.#filesWatch?.add(fresh);
        if (!this.#options.hot && run === this.#run && !run.stopping) {
          // Saved after the app started but before the supervisor watched it: a new watch would
          // never see that save, so look at the file's time instead.
          const saved = fresh.find((file) => modifiedAfter(file, run.spawnedAt));
          if (saved !== undefined) this.restart({ kind: "change", file: saved });
        }
        return;
      }
      case "restart":
        // An old child's last words, or a request while it is being stopped anyway.
        if (run !== this.#run || run.stopping) return;
        this.restart({ kind: "child", message });
        return;
      default:
        message satisfies never;
    }
  }

  #onExit(run: Run, exit: Exit): void {
    // Exits the supervisor caused are handled by whoever stopped the child.
    if (run !== this.#run || run.stopping || this.#phase !== "running") return;
    const code = exit.code ?? signalCode(exit.signal ?? "SIGTERM");
    this.#lastCode = code;
    if (exit.signal === "SIGINT") {
      // Ctrl-C reaches the whole process group; the app may simply have noticed first.
      this.#phase = "exiting";
      void this.#end(code);
      return;
    }
    if (code === 0 && !this.#options.watchAfterExit) {
      info(`${this.#app} exited with code 0`);
      this.#phase = "exiting";
      void this.#end(0);
      return;
    }
    // Taken before saying anything: a fix saved right after the message is then not missed
    // while the watch is still starting.
    const before = this.#options.hot ? snapshot(this.#loaded) : undefined;
    this.#phase = "waiting";
    if (code === 0) {
      info(`${this.#app} exited with code 0 — waiting for a change to start it again`);
    } else {
      const how = exit.signal ? `was killed by ${exit.signal}` : `crashed with exit code ${code}`;
      error(`${this.#app} ${how} — waiting for a change to restart it`);
    }
    if (before) {
      this.#filesWatch = watchFiles([...this.#loaded], this.#ignore, (file) => this.restart({ kind: "change", file }), before);
    }
  }

  /** Sends `signal`, SIGKILLs after the kill timeout, resolves when the child has exited. */
  async #stop(run: Run, signal: NodeJS.Signals): Promise<Exit> {
    if (run.exit) return run.exit;
    run.stopping = true;
    run.child.kill(signal);
    const timer = setTimeout(() => {
      warn(`${this.#app} did not exit within ${this.#options.killTimeout} ms of ${signal}: killing it`);
      this.#kill(run);
    }, this.#options.killTimeout);
    const exit = await run.exited;
    clearTimeout(timer);
    return exit;
  }

  #kill(run: Run): void {
    if (run.exit) return;
    run.killed = true;
    run.child.kill("SIGKILL");
  }

  #stopWatchingFiles(): void {
    const watch = this.#filesWatch;
    this.#filesWatch = undefined;
    void watch?.close();
  }

  async #end(code: number): Promise<void> {
    const watches = [this.#globWatch?.close(), this.#filesWatch?.close()];
    this.#globWatch = this.#filesWatch = undefined;
    // Closing watchers should take a few ms; a stuck one must not keep the command alive.
    await Promise.race([Promise.all(watches), new Promise((wake) => setTimeout(wake, 1000).unref())]);
    this.#finish(code);
  }
}

/** A restart's cause, for the `[hotload]` line. */
export function describe(cause: RestartCause): string {
  switch (cause.kind) {
    case "change":
      return `${displayPath(cause.file)} changed`;
    case "request":
      return `restart requested (${cause.via})`;
    case "child": {
      const { file, reason, chain } = cause.message;
      switch (reason) {
        case "unaccepted":
          return `${displayPath(file)} changed and nothing accepts it`;
        case "declined": {
          const decliner = chain.at(-1);
          return decliner && decliner !== file
            ? `${displayPath(decliner)} declined the change to ${displayPath(file)}`
            : `${displayPath(file)} declined its change`;
        }
        case "invalidated":
          return `${displayPath(file)} called invalidate() and it reached the entry`;
        case "in-place-failed":
          return `the in-place update of ${displayPath(file)} failed`;
        default:
          return reason satisfies never;
      }
    }
    default:
      return cause satisfies never;
  }
}

/** The files of `--env-file` and `--env-file-if-exists` among node's options. */
function envFilesOf(nodeArgs: readonly string[]): string[] {
  const files: string[] = [];
  for (let i = 0; i < nodeArgs.length; i++) {
    const match = /^--env-file(?:-if-exists)?(?:=(.*))?$/.exec(nodeArgs[i]!);
    if (!match) continue;
    const file = match[1] ?? nodeArgs[++i];
    if (file) files.push(file);
  }
  return files;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function modifiedAfter(file: string, time: number): boolean {
  try {
    return statSync(file).mtimeMs > time;
  } catch {
    return false;
  }
}

/** The shell's convention for "ended by a signal": 128 + its number. */
function signalCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}
