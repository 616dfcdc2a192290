/**
 * One run of the program under the `hotload` command: a child process, how it ended, whether it
 * is ready, and how it is stopped (issue 13).
 *
 * With overlap (the default) the program runs as a `node:cluster` worker of the command, so that
 * the command (the cluster primary) owns the listening sockets: a new run listens on the same
 * port while the old one still serves, and the switch drops no connection (PM2's `reload` does the
 * same). With `--no-overlap` it is a plain child process, stopped before the next one starts.
 */
import cluster, { type Worker } from "node:cluster";
import { spawn, type ChildProcess } from "node:child_process";
import { RETIRE_COMMAND } from "../shared/link.js";
import { descendants } from "./tree.js";

/** How a run ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What to run. */
export interface LaunchSpec {
  /** The entry as written (resolved by node against `cwd`). */
  readonly entry: string;
  /** Node's options, the loader's `--import` included. */
  readonly execArgv: readonly string[];
  readonly appArgs: readonly string[];
  readonly cwd: string;
  /** The whole environment of the program. */
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: "inherit" | "pipe";
  /** Run as a cluster worker (shared listening sockets) rather than a plain child. */
  readonly overlap: boolean;
}

/**
 * How long a program that has never listened must run without exiting to count as ready, when it
 * does not call `ready()` from `hotload/api` (ms).
 */
const READY_AFTER_MS = 500;

/**
 * How long a run is given to become ready before it is taken as ready anyway (a new version that
 * no longer listens, or one stuck connecting to a database) (ms).
 */
export const LISTEN_TIMEOUT_MS = 10_000;

let primaryReady = false;

/** A running (or finished) program. */
export class Run {
  readonly child: ChildProcess;
  readonly worker: Worker | undefined;
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  /** The command is stopping it: its exit is expected, not a crash. */
  stopping = false;
  /** The command had to SIGKILL it. */
  killed = false;
  /** It listened on a socket at least once. */
  listened = false;
  /** It is ready (see {@link whenReady}). */
  isReady = false;
  /** Wall-clock time of the spawn, to compare with file modification times. */
  readonly spawnedAt: number = Date.now();
  /** Processes seen below it, so a helper orphaned meanwhile is still killed. */
  readonly #known = new Set<number>();
  #markReady!: () => void;
  readonly #ready: Promise<void>;
  #markHeard!: () => void;
  /** Resolves at the program's first message: its modules are loaded and have started to run. */
  readonly #heard: Promise<void>;

  constructor(spec: LaunchSpec) {
    this.#ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#heard = new Promise((resolve) => (this.#markHeard = resolve));
    // hotload's own link at LINK_FD (src/shared/link.ts); a cluster worker also needs Node's IPC channel,
    // which is cluster's (and the program's), a plain child none, as under plain node.
    const stdio = spec.overlap ? ([spec.stdin, "inherit", "inherit", "pipe", "ipc"] as const) : ([spec.stdin, "inherit", "inherit", "pipe"] as const);
    if (spec.overlap) {
      if (!primaryReady) {
        primaryReady = true;
        // Round robin (Linux's default) lets a retiring worker leave the rotation at once.
        cluster.schedulingPolicy = cluster.SCHED_RR;
      }
      cluster.setupPrimary({
        exec: spec.entry,
        execArgv: [...spec.execArgv],
        args: [...spec.appArgs],
        cwd: spec.cwd,
        stdio: [...stdio],
        silent: false,
      });
      this.worker = cluster.fork(spec.env);
      this.child = this.worker.process;
      this.worker.on("error", () => {
        // EPIPE: cluster wrote to a worker that is gone; its exit is handled, not this.
      });
      this.worker.on("listening", () => {
        this.listened = true;
        this.#setReady();
      });
    } else {
      const dashed = spec.entry.startsWith("-") ? ["--"] : [];
      this.child = spawn(process.execPath, [...spec.execArgv, ...dashed, spec.entry, ...spec.appArgs], {
        cwd: spec.cwd,
        env: spec.env,
        stdio: [...stdio],
      });
    }
    let settle!: (exit: Exit) => void;
    this.exited = new Promise<Exit>((resolve) => (settle = resolve));
    this.child.on("exit", (code, signal) => {
      if (this.exit) return;
      this.exit = { code, signal };
      settle(this.exit);
    });
    this.child.on("error", () => {
      // Not even spawned (no exit event follows): as a crash, so a change retries.
      if (this.child.pid !== undefined || this.exit) return;
      this.exit = { code: 127, signal: null };
      settle(this.exit);
    });
    this.child.stdin?.on("error", () => {
      // EPIPE: the program exited or closed its stdin; what the user typed has nowhere to go.
    });
  }

  /** Marks the run ready (it listened, or it called `ready()`). */
  #setReady(): void {
    if (this.isReady) return;
    this.isReady = true;
    this.#markReady();
  }

  /** The program's hotload sent its first message (the files it loaded). */
  heardFrom(): void {
    this.#markHeard();
  }

  /** The program said it is ready (`ready()` from `hotload/api`). */
  readySaid(): void {
    this.#setReady();
  }

  /**
   * Resolves true when the run is ready, false when it exits first. Ready means: it listened;
   * or it called `ready()`; or, when `expectListen` is false (its predecessor never listened), it
   * ran {@link READY_AFTER_MS} without exiting after its first message (counted from there, not
   * from the spawn: on a busy machine Node's own start-up alone can take that long). A run that
   * has not become ready after {@link LISTEN_TIMEOUT_MS} is taken as ready (`onLate` is told).
   */
  whenReady(expectListen: boolean, onLate: () => void): Promise<boolean> {
    if (this.exit) return Promise.resolve(false);
    const timers: NodeJS.Timeout[] = [];
    const after = (ms: number, late: boolean): Promise<true> =>
      new Promise((resolve) => {
        timers.push(
          setTimeout(() => {
            if (late) onLate();
            this.#setReady();
            resolve(true);
          }, ms),
        );
      });
    const quiet = expectListen ? [] : [this.#heard.then(() => after(READY_AFTER_MS, false))];
    return Promise.race([
      this.#ready.then(() => true as const),
      after(LISTEN_TIMEOUT_MS, true),
      ...quiet,
      this.exited.then(() => false as const),
    ]).finally(() => timers.forEach(clearTimeout));
  }

  /**
   * Stops the run after the next one took over: a cluster worker stops listening and lets its
   * connections finish (loader/cluster.ts), disconnects, then gets SIGTERM; a plain child gets
   * SIGTERM at once.
   * Whatever is left after `killTimeout` ms is SIGKILLed, the whole process tree.
   */
  async retire(killTimeout: number, onTimeout: () => void): Promise<Exit> {
    if (this.exit) return this.exit;
    this.stopping = true;
    const timer = setTimeout(() => {
      onTimeout();
      this.kill();
    }, killTimeout);
    if (this.worker?.isConnected()) {
      // See loader/cluster.ts: the worker closes its servers, then disconnects; then it gets
      // SIGTERM, so that its own shutdown handler runs (a timer or a database connection would
      // keep it alive until the SIGKILL at killTimeout otherwise).
      this.worker.once("disconnect", () => this.#signal("SIGTERM"));
      this.child.send({ cmd: RETIRE_COMMAND }, (problem) => problem && this.#signal("SIGTERM"));
    } else {
      this.#signal("SIGTERM");
    }
    const exit = await this.exited;
    clearTimeout(timer);
    this.#reap();
    return exit;
  }

  /** Sends `signal` to the program's tree, SIGKILLs it after `killTimeout` ms, resolves on exit. */
  async stop(signal: NodeJS.Signals, killTimeout: number, onTimeout: () => void): Promise<Exit> {
    if (this.exit) return this.exit;
    this.stopping = true;
    this.#signal(signal);
    const timer = setTimeout(() => {
      onTimeout();
      this.kill();
    }, killTimeout);
    const exit = await this.exited;
    clearTimeout(timer);
    this.#reap();
    return exit;
  }

  /** SIGKILLs the program and everything below it, synchronously. */
  kill(): void {
    if (!this.exit) this.killed = true;
    this.#signal("SIGKILL");
  }

  /** Writes to the program's stdin (only with `stdin: "pipe"`). */
  input(text: string): void {
    const stdin = this.child.stdin;
    if (stdin && stdin.writable) stdin.write(text);
  }

  #signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    if (!this.exit) {
      // The tree is read before any signal: a helper whose parent dies is re-parented, out of reach.
      for (const below of descendants(pid)) this.#known.add(below);
      try {
        process.kill(pid, signal);
      } catch {
        // Exited meanwhile.
      }
    }
    for (const below of this.#known) {
      try {
        process.kill(below, signal);
      } catch {
        this.#known.delete(below);
      }
    }
  }

  /** After the program exited: helpers it left behind (re-parented meanwhile) go too. */
  #reap(): void {
    for (const below of this.#known) {
      try {
        process.kill(below, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    this.#known.clear();
  }
}
