/**
 * One run of the program under the `hotload` command: a child process, how it ended, whether it
 * is ready, and how it is stopped.
 *
 * The program runs as a plain process (`node [node options] --import hotload <entry>`), as under
 * node: no node:cluster, no IPC channel of Node's. The supervisor holds its listening sockets
 * (sockets.ts) and reaches it over the link (src/shared/link.ts), an IPC pipe at LINK_FD that
 * Node does not turn into `process.send`: the child is spawned without NODE_CHANNEL_FD.
 */
import { ChildProcess } from "node:child_process";
import { LINK_FD, wire } from "../shared/link.js";
import { descendants } from "./tree.js";
import { systemClock, type Clock, type Timer } from "../shared/clock.js";

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * How the command ends: with an exit code, or by a signal (its program died by it, or was stopped
 * for it), which the command then raises on itself, so that its parent sees what it would of plain node.
 */
export type Ending = number | NodeJS.Signals;

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
}

/** How a run reaches its process: starts it, and signals it and the processes below it. */
export interface Launch {
  /** Starts the program, with the link (see {@link spawnLinked}). */
  spawn(spec: LaunchSpec): ChildProcess;
  /** Sends `signal` to the process `pid`; throws when it is gone (as `process.kill`). */
  kill(pid: number, signal: NodeJS.Signals): void;
  descendants(pid: number): number[];
}

export const processLaunch: Launch = {
  spawn: (spec) => spawnLinked(spec),
  kill: (pid, signal) => {
    process.kill(pid, signal);
  },
  descendants,
};

/**
 * How long a retiring run may keep connections open (a stream, a WebSocket, a long poll, a slow
 * request) before it gets SIGTERM anyway (ms).
 */
const RETIRE_GRACE_MS = 1000;

/**
 * How long a run is given to become ready before it is taken as ready anyway (a new version that
 * no longer listens, or one stuck connecting to a database) (ms).
 */
export const LISTEN_TIMEOUT_MS = 10_000;

/**
 * How long a stop the user asked for (SIGINT, SIGTERM to the command) waits for the program to
 * say that the signal reached it directly before it is passed on (ms). A terminal's Ctrl-C and a
 * signal to a process group (`kill -- -PGID`, `timeout`, a container's whole cgroup) reach the
 * program as they reach the command: passed on too, it would arrive twice.
 */
const SIGNAL_REPORT_MS = 50;

/** The signals the program's loader reports (loader/link.ts); any other is passed on at once. */
const REPORTED: ReadonlySet<string> = new Set(["SIGINT", "SIGTERM"]);

/** A running (or finished) program. */
export class Run {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  /** The command is stopping it: its exit is expected, not a crash. */
  stopping = false;
  /** The command had to SIGKILL it. */
  killed = false;
  /** The keys of the sockets it listens on (loader/sockets.ts). */
  readonly listening: Set<string> = new Set();
  /** It is ready (see {@link whenReady}). */
  isReady = false;
  /** Wall-clock time of the spawn, to compare with file modification times. */
  readonly spawnedAt: number;
  /** Processes seen below it, so a helper orphaned meanwhile is still killed. */
  readonly #known = new Set<number>();
  #markReady!: () => void;
  readonly #ready: Promise<void>;
  /** The keys it must listen on to be ready (see {@link whenReady}). */
  #expected: ReadonlySet<string> | undefined;
  #evaluated = false;
  #markRetired: (() => void) | undefined;
  readonly #launch: Launch;
  readonly #clock: Clock;
  /** When the program last said it received each signal (monotonic ms). */
  readonly #signalled = new Map<string, number>();
  /** Called at each such report. */
  readonly #onSignalled = new Set<() => void>();

  constructor(spec: LaunchSpec, launch: Launch = processLaunch, clock: Clock = systemClock) {
    this.#launch = launch;
    this.#clock = clock;
    this.spawnedAt = clock.wall();
    this.#ready = new Promise((resolve) => (this.#markReady = resolve));
    this.child = launch.spawn(spec);
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

  /** The program said it is ready (`ready()` from `hotload/api`). */
  readySaid(): void {
    this.#setReady();
  }

  /** The program's entry has finished evaluating. */
  evaluated(): void {
    this.#evaluated = true;
    this.#check();
  }

  listened(key: string): void {
    this.listening.add(key);
    this.#check();
  }

  /** The program closed its socket on `key`. */
  released(key: string): void {
    this.listening.delete(key);
  }

  /** The retiring program has stopped listening and its connections have ended. */
  retired(): void {
    this.#markRetired?.();
  }

  /** The program received `signal` and its handler runs (loader/link.ts reports SIGINT and SIGTERM). */
  signalled(signal: string): void {
    this.#signalled.set(signal, this.#clock.now());
    for (const listener of [...this.#onSignalled]) listener();
  }

  /** Whether the program said it received `signal` at `since` or later. */
  #tookSince(signal: string, since: number): boolean {
    return (this.#signalled.get(signal) ?? -Infinity) >= since;
  }

  /**
   * Resolves whether the program says it received `signal` at `since` or later, waiting at most
   * {@link SIGNAL_REPORT_MS} for it to say so, or for its exit (it had no handler: the signal ended it).
   */
  #took(signal: string, since: number): Promise<boolean> {
    if (this.#tookSince(signal, since) || this.exit) return Promise.resolve(this.#tookSince(signal, since));
    return new Promise((resolve) => {
      const done = (): void => {
        this.#clock.clearTimeout(timer);
        this.#onSignalled.delete(check);
        resolve(this.#tookSince(signal, since));
      };
      const check = (): void => {
        if (this.#tookSince(signal, since)) done();
      };
      const timer = this.#clock.setTimeout(done, SIGNAL_REPORT_MS);
      this.#onSignalled.add(check);
      void this.exited.then(done);
    });
  }

  #check(): void {
    const expected = this.#expected;
    if (expected === undefined) return;
    // A changed address (a new port) still counts: as many sockets as before.
    const listens = [...expected].every((key) => this.listening.has(key)) || this.listening.size >= expected.size;
    if (expected.size === 0 ? this.#evaluated : listens) this.#setReady();
  }

  /**
   * Resolves true when the run is ready, false when it exits first. Ready: it listens on every
   * socket in `expected` (its predecessor's), or on as many (an address changed); with none
   * expected, its entry has finished evaluating; or it called `ready()`. After
   * {@link LISTEN_TIMEOUT_MS} it is taken as ready (`onLate` is told).
   */
  whenReady(expected: ReadonlySet<string>, onLate: () => void): Promise<boolean> {
    if (this.exit) return Promise.resolve(false);
    this.#expected = expected;
    this.#check();
    let timer: Timer | undefined;
    const late = new Promise<true>((resolve) => {
      timer = this.#clock.setTimeout(() => {
        onLate();
        this.#setReady();
        resolve(true);
      }, LISTEN_TIMEOUT_MS);
    });
    return Promise.race([this.#ready.then(() => true as const), late, this.exited.then(() => false as const)]).finally(() =>
      this.#clock.clearTimeout(timer),
    );
  }

  /**
   * Stops the run after the next one took over: it stops listening and lets its connections
   * finish (loader/sockets.ts), then gets SIGTERM, so that its own shutdown handler runs; at the
   * latest after {@link RETIRE_GRACE_MS}, whatever is still open. Whatever is left after
   * `killTimeout` ms is SIGKILLed, the whole process tree.
   */
  async retire(killTimeout: number, onTimeout: () => void): Promise<Exit> {
    if (this.exit) return this.exit;
    this.stopping = true;
    const timer = this.#killAfter(killTimeout, onTimeout);
    const retired = new Promise<void>((resolve) => (this.#markRetired = resolve));
    const grace = this.#clock.setTimeout(() => this.#markRetired?.(), RETIRE_GRACE_MS);
    this.child.send(wire({ hotload: "retire" }), (problem) => problem && this.#markRetired?.());
    void retired.then(() => {
      this.#clock.clearTimeout(grace);
      this.#signal("SIGTERM");
    });
    const exit = await this.exited;
    this.#clock.clearTimeout(timer);
    this.#clock.clearTimeout(grace);
    this.#reap();
    return exit;
  }

  /** Sends `signal` to the program's tree, SIGKILLs it after `killTimeout` ms, resolves on exit. */
  async stop(signal: NodeJS.Signals, killTimeout: number, onTimeout: () => void): Promise<Exit> {
    if (this.exit) return this.exit;
    this.stopping = true;
    this.#signal(signal);
    const timer = this.#killAfter(killTimeout, onTimeout);
    const exit = await this.exited;
    this.#clock.clearTimeout(timer);
    this.#reap();
    return exit;
  }

  /**
   * Stops the run for a signal the user sent the command, as that signal would stop the program
   * under plain node: it gets it once, and as long as its handler takes. A signal that reached the
   * program directly (`reached`: a terminal's Ctrl-C; or its report comes within
   * {@link SIGNAL_REPORT_MS}) is not passed on; one that did not is sent to the program's tree.
   * The program is SIGKILLed after `killTimeout` ms only until it says it received the signal (its
   * event loop may be blocked for good). Resolves on exit.
   */
  async stopAsked(signal: NodeJS.Signals, killTimeout: number, onTimeout: () => void, reached = false): Promise<Exit> {
    if (this.exit) return this.exit;
    this.stopping = true;
    // A report may come before the command's own handler ran: the program got the signal as early.
    const asked = this.#clock.now() - 2 * SIGNAL_REPORT_MS;
    if (!(reached || (REPORTED.has(signal) && (await this.#took(signal, asked)))) && !this.exit) this.#signal(signal);
    let timer: Timer | undefined;
    const taken = (): void => {
      if (!this.#tookSince(signal, asked)) return;
      this.#clock.clearTimeout(timer);
      this.#onSignalled.delete(taken);
    };
    if (!this.#tookSince(signal, asked) && !this.exit) {
      timer = this.#killAfter(killTimeout, onTimeout);
      this.#onSignalled.add(taken);
    }
    const exit = await this.exited;
    this.#clock.clearTimeout(timer);
    this.#onSignalled.delete(taken);
    this.#reap();
    return exit;
  }

  /**
   * Another signal from the user while the run is stopping: the program gets it once, as under plain
   * node (its second Ctrl-C), and from then on has `killTimeout` ms to exit before it is SIGKILLed:
   * the user insists.
   */
  async askedAgain(signal: NodeJS.Signals, killTimeout: number, onTimeout: () => void, reached = false): Promise<void> {
    if (this.exit) return;
    if (!REPORTED.has(signal)) return this.kill();
    const asked = this.#clock.now() - 2 * SIGNAL_REPORT_MS;
    if (!(reached || (await this.#took(signal, asked))) && !this.exit) this.#signal(signal);
    if (this.exit) return;
    const timer = this.#killAfter(killTimeout, onTimeout);
    await this.exited;
    this.#clock.clearTimeout(timer);
  }

  /** SIGKILLs the program's tree after `ms`, saying so through `onTimeout` first. */
  #killAfter(ms: number, onTimeout: () => void): Timer {
    return this.#clock.setTimeout(() => {
      onTimeout();
      this.kill();
    }, ms);
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
      for (const below of this.#launch.descendants(pid)) this.#known.add(below);
      try {
        this.#launch.kill(pid, signal);
      } catch {
        // Exited meanwhile.
      }
    }
    for (const below of this.#known) {
      try {
        this.#launch.kill(below, signal);
      } catch {
        this.#known.delete(below);
      }
    }
  }

  /** After the program exited: helpers it left behind (re-parented meanwhile) go too. */
  #reap(): void {
    for (const below of this.#known) {
      try {
        this.#launch.kill(below, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    this.#known.clear();
  }
}

/**
 * Spawns `node [execArgv] <entry> [args]` with the link at LINK_FD: an IPC pipe, whose end here is
 * the ChildProcess's channel (`send`, `internalMessage`), but which the child's Node must not take
 * for its own (it would become `process.send`, `process.connected`... of the program). Node offers
 * no option for that, so the NODE_CHANNEL_* variables it adds are taken out of the environment the
 * child is spawned with; the child's loader opens the pipe itself (loader/ipc.ts).
 */
function spawnLinked(spec: LaunchSpec): ChildProcess {
  const child = new ChildProcess();
  const dashed = spec.entry.startsWith("-") ? ["--"] : [];
  // argv[0] as the command got it (`node` when typed so): the program's process.argv0 and title.
  const args = [process.argv0, ...spec.execArgv, ...dashed, spec.entry, ...spec.appArgs];
  const envPairs = Object.entries(spec.env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${value}`);
  // ChildProcess#spawn adds them to this very array, then hands it to the native spawn (whose
  // arguments differ between Node majors: an options object on 22, positional on 24 and 26).
  const native = (child as unknown as { _handle: { spawn(...args: unknown[]): number } })._handle;
  const spawnNative = native.spawn;
  native.spawn = function (...nativeArgs: unknown[]) {
    for (let i = envPairs.length - 1; i >= 0; i--) if (envPairs[i]!.startsWith("NODE_CHANNEL_")) envPairs.splice(i, 1);
    return spawnNative.apply(this, nativeArgs);
  };
  const stdio = [spec.stdin, "inherit", "inherit"];
  stdio[LINK_FD] = "ipc";
  (child as unknown as { spawn(options: object): void }).spawn({
    file: process.execPath,
    args,
    cwd: spec.cwd,
    envPairs,
    stdio,
    windowsHide: true,
  });
  return child;
}
