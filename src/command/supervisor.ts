/**
 * The supervisor behind the `hotload` command: runs the app as a child process
 * (`node [node options] --import hotload <entry>`) with an IPC channel, and restarts it only when
 * the app itself cannot take a change in place.
 *
 * Life of the app, as phases:
 * - `running`: a child is alive. In hot mode the child watches its own files and applies updates;
 *   it sends `restart` when nothing accepts one. The supervisor watches only `--restart` globs
 *   (and, with `--no-hot`, every file the child reported).
 * - `restarting`: from the decision to restart until the new child serves. With overlap (the
 *   default, see run.ts) the old child serves meanwhile and only retires once the new one is
 *   ready; a new child that exits first never replaces it. Further requests in this window are
 *   coalesced: the new child loads the files as they are by then anyway.
 * - `waiting`: the child exited by itself (a crash, or 0 with `--watch-after-exit`). Nothing is
 *   restarted in a loop: the supervisor watches the files the child had loaded, and the entry,
 *   and starts it again at the next change. (A child that was up and died after a save is
 *   restarted once at once.)
 * - `exiting`: a signal arrived (or the app finished); the supervisor ends as the app did.
 *
 * Beside it: run.ts (one child process: spawn, ready, stop), launch-spec.ts (what a child is
 * started with), restart-cause.ts (why a restart happens and how it is said), watch.ts (the
 * command's own file watches), effects.ts (what it acts on the world with).
 */
import type { CliOptions } from "./args.js";
import { statSync } from "node:fs";
import { constants } from "node:os";
import { resolve } from "node:path";
import type { FilesWatch, Watch } from "./watch.js";
import { compileGlob, escapeGlob, type Glob } from "./glob.js";
import { launchSpec } from "./launch-spec.js";
import { envFilesOf, inspectorPort } from "./node-options.js";
import { HeldSockets } from "./sockets.js";
import { describe, modifiedAfter, savedAfter, type RestartCause } from "./restart-cause.js";
import { childMessage, type ChildMessage } from "../shared/link.js";
import { displayPath } from "../shared/log.js";
import { LISTEN_TIMEOUT_MS, Run, type Ending, type Exit } from "./run.js";
import { withDefaults, type SupervisorEffects } from "./effects.js";

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

type Phase = "idle" | "running" | "restarting" | "waiting" | "exiting";

/** Runs the app and restarts it when needed; see the file comment for the phases. */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #cwd: string;
  readonly #app: string;
  readonly #restartGlobs: readonly Glob[];
  readonly #ignore: readonly Glob[];
  /** Every file any child reported, plus the entry file: what to watch when no child runs. */
  readonly #loaded: Set<string>;
  /** The program's listening sockets, held across restarts. */
  readonly #sockets = new HeldSockets();
  /**
   * Old and new process run side by side at a restart: not with `--no-overlap`, nor when node's
   * inspector listens on a fixed port (the new process's would fail while the old one has it).
   */
  readonly #overlapping: boolean;
  #phase: Phase = "idle";
  /** The run that serves. */
  #run: Run | undefined;
  /** With overlap: the run being started to take over from {@link #run}. */
  #next: Run | undefined;
  /** A restart the starting run asked for itself: done once it has taken over. */
  #again: RestartCause | undefined;
  #globWatch: Watch | undefined;
  /** With `--no-hot`: for the whole session. In hot mode: while no run can notice a save. */
  #filesWatch: FilesWatch | undefined;
  /** The code of the last child that exited by itself. */
  #lastCode: number | undefined;
  #inputEnded = false;
  readonly #done: Promise<Ending>;
  #finish!: (ending: Ending) => void;
  /** The processes, watches, clock and log it acts with. */
  readonly #effects: Required<SupervisorEffects>;

  /** Prepares; nothing runs until {@link start}. `effects`: see effects.ts (the real ones by default). */
  constructor(options: SupervisorOptions, effects: SupervisorEffects = {}) {
    this.#options = options;
    this.#effects = withDefaults(effects);
    const cwd = (this.#cwd = options.cwd ?? process.cwd());
    const entry = resolve(cwd, options.entry);
    this.#app = displayPath(entry);
    // Relative globs and env files start at the working directory, as for dotenv and node's
    // --env-file: that is where users keep `.env`, wherever the entry is.
    const envFiles = envFilesOf(options.nodeArgs).map((file) => escapeGlob(resolve(cwd, file)));
    this.#restartGlobs = [...options.restart, ...envFiles].map((glob) => compileGlob(glob, cwd));
    this.#ignore = options.ignore.map((glob) => compileGlob(glob, cwd));
    // `hotload .` runs a package's main file: watching the folder would mean watching the whole
    // project (node_modules included); the app reports the file it resolved to.
    this.#loaded = new Set(isDirectory(entry) ? [] : [entry]);
    this.#done = new Promise((resolveDone) => (this.#finish = resolveDone));
    const nodeOptions = (process.env["NODE_OPTIONS"] ?? "").split(/\s+/).filter(Boolean);
    this.#overlapping = options.overlap && inspectorPort([...nodeOptions, ...options.nodeArgs]) === undefined;
  }

  /** Resolves with the exit code the command should end with, or the signal it should die by. */
  get done(): Promise<Ending> {
    return this.#done;
  }

  /** Starts watching and runs the app (once the watches are ready, so no early save is missed). */
  async start(): Promise<void> {
    if (this.#phase !== "idle") return;
    this.#phase = "restarting";
    const onChange = (file: string): void => this.restart({ kind: "change", file });
    this.#globWatch = this.#effects.watch.globs(this.#restartGlobs, this.#ignore, onChange, this.#options.poll);
    if (!this.#options.hot)
      this.#filesWatch = this.#effects.watch.files([...this.#loaded], this.#ignore, onChange, undefined, this.#options.poll);
    await Promise.all([this.#globWatch.ready, this.#filesWatch?.ready]);
    if (this.#phase !== "restarting") return; // a signal came first
    this.#serve(this.#launch());
  }

  /**
   * Restarts the app. With overlap, the new process starts first and takes over once ready; the
   * old one keeps serving until then, and for good if the new one fails to start. Without, the
   * old one is stopped first (SIGTERM, SIGKILL after the kill timeout). While no child runs
   * (after a crash), starts it. Coalesced with a restart already under way.
   */
  restart(cause: RestartCause): void {
    switch (this.#phase) {
      case "idle":
      case "exiting":
        return;
      case "restarting":
        // A new process already starting may have read that file before the save: it restarts
        // once it has taken over. Otherwise the new process loads the files as they are by then.
        if (this.#next && savedAfter(cause, this.#next.spawnedAt)) this.#again ??= cause;
        else this.#effects.log.debug(`${describe(cause)}: a restart is already under way`);
        return;
      case "running":
      case "waiting":
        break;
      default:
        this.#phase satisfies never;
    }
    const decidedAt = this.#effects.clock.now();
    const previous = this.#run?.exit === undefined ? this.#run : undefined;
    this.#phase = "restarting";
    if (this.#options.hot) this.#stopWatchingFiles();
    if (previous && this.#overlapping) {
      void this.#overlap(previous, cause, decidedAt);
      return;
    }
    void (async () => {
      if (previous) await this.#stopRun(previous, "SIGTERM");
      // A signal while the old child was stopping: the supervisor is on its way out.
      if (this.#phase !== "restarting") return;
      const run = this.#launch();
      this.#serve(run);
      run.child.once("spawn", () => {
        this.#effects.log.info(
          `restart: ${describe(cause)} — new process spawned in ${Math.round(this.#effects.clock.now() - decidedAt)} ms`,
        );
      });
      // Sockets the new version no longer listens on are let go (a changed port).
      void run.whenReady(new Set(previous?.listening), () => {}).then((ready) => ready && this.#sockets.keepOnly(run.listening, run.child));
    })();
  }

  /**
   * Ends the session: the app gets `signal` once (passed on unless it reached the app directly:
   * `reached`, or see {@link Run.stopAsked}), and resolves {@link done} with its code, or with the
   * signal when it died by one (or was killed, at the kill timeout when it does not take the signal).
   * A second call gives it that signal too, and kills it after the kill timeout.
   */
  async stop(signal: NodeJS.Signals, reached = false): Promise<void> {
    const live = [this.#run, this.#next].filter((run): run is Run => run !== undefined && run.exit === undefined);
    const onTimeout = this.#killedAfter(signal);
    if (this.#phase === "exiting") {
      // Stopping already: the app gets this one too (its second Ctrl-C), and is killed if it does not exit.
      await Promise.all(live.map((run) => run.askedAgain(signal, this.#options.killTimeout, onTimeout, reached)));
      return;
    }
    const waiting = this.#phase === "waiting";
    this.#phase = "exiting";
    const run = live[0];
    if (!run) {
      // No app to forward to: after a crash, the crash is what the command reports.
      await this.#end(waiting && this.#lastCode !== undefined ? this.#lastCode : signal);
      return;
    }
    const [exit] = await Promise.all(live.map((each) => each.stopAsked(signal, this.#options.killTimeout, onTimeout, reached)));
    await this.#end(exit!.code ?? (run.killed ? signal : (exit!.signal ?? signal)));
  }

  /** Writes to the app's stdin (only with `stdin: "pipe"`). */
  input(text: string): void {
    this.#run?.input(text);
  }

  /** Ends the app's stdin, and that of every later child (only with `stdin: "pipe"`). */
  endInput(): void {
    this.#inputEnded = true;
    for (const run of [this.#run, this.#next]) run?.child.stdin?.end();
  }

  /** Kills the app and its process tree at once, synchronously (for the supervisor's own `exit`). */
  killNow(): void {
    for (const run of [this.#run, this.#next]) run?.kill();
  }

  /** Starts `next` beside `previous`; switches to it once ready, or keeps `previous`. */
  async #overlap(previous: Run, cause: RestartCause, decidedAt: number): Promise<void> {
    const next = this.#launch();
    this.#next = next;
    const ready = await next.whenReady(new Set(previous.listening), () =>
      this.#effects.log.warn(`${this.#app}: the new process is not ready after ${LISTEN_TIMEOUT_MS / 1000} s — switching to it anyway`),
    );
    this.#next = undefined;
    const again = this.#again;
    this.#again = undefined;
    if (this.#phase !== "restarting") return; // stopping: stop() has both runs
    if (!ready) {
      const exit = next.exit ?? { code: 1, signal: null };
      if (previous.exit === undefined) {
        // A new version that cannot start never replaces one that works.
        const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
        // New code that failed in place and in a fresh process: the previous version, whole again,
        // takes the next save in place itself (a restart at that save too would run it twice).
        const inPlace = cause.kind === "child" && cause.message.reason === "in-place-threw";
        const before = this.#options.hot && !inPlace ? this.#effects.watch.snapshot(this.#loaded) : undefined;
        this.#effects.log.error(
          `restart: ${describe(cause)} — the new process ${how} before it was ready; the previous version keeps running ${inPlace ? "and takes the next save in place" : "until the next change"}`,
        );
        this.#phase = "running";
        if (before) this.#watchLoaded(before);
        // Saved while it was starting: that save may be the fix.
        if (again) this.restart(again);
      } else {
        // Both are gone: as after a crash.
        this.#serve(next);
        this.#onExit(next, exit);
      }
      return;
    }
    this.#serve(next);
    // Sockets the new version no longer listens on are let go (a changed port).
    this.#sockets.keepOnly(next.listening, next.child);
    this.#effects.log.info(`restart: ${describe(cause)} — new process ready in ${Math.round(this.#effects.clock.now() - decidedAt)} ms`);
    void previous.retire(this.#options.killTimeout, () =>
      this.#effects.log.warn(`the previous ${this.#app} did not exit within ${this.#options.killTimeout} ms: killing it`),
    );
    if (again) this.restart(again);
  }

  /** Makes `run` the one that serves. */
  #serve(run: Run): void {
    this.#run = run;
    this.#phase = "running";
  }

  /** Starts a run of the app, wired to this supervisor (its messages, its exit). */
  #launch(): Run {
    const run = new Run(launchSpec(this.#options, this.#cwd, this.#ignore), this.#effects.launch, this.#effects.clock);
    if (this.#inputEnded) run.child.stdin?.end();
    run.child.on("internalMessage", (value: unknown, handle: object | undefined) => {
      const message = childMessage(value);
      if (message) this.#onMessage(run, message, handle);
    });
    if (run.child.pid !== undefined) this.#sockets.handOver(run.child);
    run.child.on("error", (problem) => {
      if (run.child.pid === undefined) this.#effects.log.error(`could not start ${this.#app}: ${problem.message}`);
      else this.#effects.log.debug(`${this.#app}: ${problem.message}`);
    });
    void run.exited.then((exit) => this.#onExit(run, exit));
    return run;
  }

  #onMessage(run: Run, message: ChildMessage, handle: object | undefined): void {
    switch (message.hotload) {
      case "files": {
        const fresh = message.files.filter((file) => !this.#loaded.has(file));
        for (const file of fresh) this.#loaded.add(file);
        if (fresh.length === 0) return;
        this.#filesWatch?.add(fresh);
        if (!this.#options.hot && (run === this.#run || run === this.#next) && !run.stopping) {
          // Saved after the app started but before the supervisor watched it: a new watch would
          // never see that save, so look at the file's time instead.
          const saved = fresh.find((file) => modifiedAfter(file, run.spawnedAt));
          if (saved !== undefined) this.restart({ kind: "change", file: saved });
        }
        return;
      }
      case "restart":
        // The starting run saw a save it cannot take: once it serves, it is restarted.
        if (run === this.#next) this.#again = { kind: "child", message };
        // An old child's last words, or a request while it is being stopped anyway.
        if (run !== this.#run || run.stopping) return;
        this.restart({ kind: "child", message });
        return;
      case "ready":
        run.readySaid();
        return;
      case "evaluated":
        run.evaluated();
        return;
      case "listening":
        if (handle) this.#sockets.hold(message.key, handle);
        run.listened(message.key);
        return;
      case "released":
        run.released(message.key);
        this.#sockets.release(message.key);
        return;
      case "retired":
        run.retired();
        return;
      case "signal":
        run.signalled(message.signal);
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
      void this.#end(exit.signal);
      return;
    }
    if (code === 0 && !this.#options.watchAfterExit) {
      this.#effects.log.info(`${this.#app} exited with code 0`);
      this.#phase = "exiting";
      void this.#end(0);
      return;
    }
    const how = exit.signal ? `was killed by ${exit.signal}` : `crashed with exit code ${code}`;
    // A program that died after one of its files was saved (a hot update that re-ran its
    // start-up, say) starts again at once: it started with the files as they were. The
    // wait-for-a-change rule is for programs that crash on a fresh start. Once: the new run
    // started after that save, so its own crash waits.
    if (code !== 0 && this.#savedSince(run.spawnedAt)) {
      this.#phase = "waiting";
      this.restart({ kind: "died", how });
      return;
    }
    // Taken before saying anything: a fix saved right after the message is then not missed
    // while the watch is still starting.
    const before = this.#options.hot ? this.#effects.watch.snapshot(this.#loaded) : undefined;
    this.#phase = "waiting";
    if (code === 0) this.#effects.log.info(`${this.#app} exited with code 0 — waiting for a change to start it again`);
    else this.#effects.log.error(`${this.#app} ${how} — waiting for a change to restart it`);
    if (before) this.#watchLoaded(before);
  }

  /**
   * Watches every loaded file for the next save, which restarts (hot mode, while no run can).
   * `before`: the files' identities taken earlier; one that differs once the watch is ready counts.
   */
  #watchLoaded(before: ReadonlyMap<string, string>): void {
    this.#stopWatchingFiles();
    const onChange = (file: string): void => this.restart({ kind: "change", file });
    this.#filesWatch = this.#effects.watch.files([...this.#loaded], this.#ignore, onChange, before, this.#options.poll);
  }

  /** Some loaded file was saved after `time` (wall clock). */
  #savedSince(time: number): boolean {
    for (const file of this.#loaded) if (modifiedAfter(file, time)) return true;
    return false;
  }

  #stopRun(run: Run, signal: NodeJS.Signals): Promise<Exit> {
    return run.stop(signal, this.#options.killTimeout, this.#killedAfter(signal));
  }

  /** What is said when the app is killed at the kill timeout after `signal`. */
  #killedAfter(signal: NodeJS.Signals): () => void {
    return () => this.#effects.log.warn(`${this.#app} did not exit within ${this.#options.killTimeout} ms of ${signal}: killing it`);
  }

  #stopWatchingFiles(): void {
    const watch = this.#filesWatch;
    this.#filesWatch = undefined;
    void watch?.close();
  }

  async #end(ending: Ending): Promise<void> {
    const watches = [this.#globWatch?.close(), this.#filesWatch?.close()];
    this.#globWatch = this.#filesWatch = undefined;
    // Closing watchers should take a few ms; a stuck one must not keep the command alive.
    await Promise.race([Promise.all(watches), new Promise((wake) => this.#effects.clock.setTimeout(() => wake(undefined), 1000).unref())]);
    this.#finish(ending);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The shell's convention for "ended by a signal": 128 + its number. */
function signalCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}
