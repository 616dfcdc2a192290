/**
 * Fake processes for the supervisor (src/command/run.ts's Launch): each spawn makes a
 * {@link FakeChild} that says what a program says over the link, exits when the test says so or
 * when a signal it does not ignore reaches it, and records what the supervisor sent and signalled.
 * No process is started and no signal leaves this file.
 */
import type { ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import type { Launch, LaunchSpec } from "../../src/command/run.js";
import { wire, type ChildMessage } from "../../src/shared/link.js";

/** One fake program run. */
export class FakeChild extends EventEmitter {
  readonly pid: number;
  readonly spec: LaunchSpec;
  /** Signals that reached it, in order. */
  readonly signals: NodeJS.Signals[] = [];
  /** The `hotload` kinds of what the supervisor sent it, in order (`sockets`, `retire`...). */
  readonly received: string[] = [];
  /** Signals it survives (a program with its own handler that does not exit); never SIGKILL. */
  readonly ignores: Set<NodeJS.Signals> = new Set();
  readonly stdin: null = null;
  /** Its link is gone: whatever the supervisor sends fails. */
  linkBroken = false;
  #exited = false;

  constructor(pid: number, spec: LaunchSpec) {
    super();
    this.pid = pid;
    this.spec = spec;
    queueMicrotask(() => this.emit("spawn"));
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** What ChildProcess#send does: the message is recorded, the callback told it went. */
  send(message: { hotload?: string }, handleOrCallback?: unknown, callback?: (error: Error | null) => void): boolean {
    this.received.push(String(message.hotload));
    const done = typeof handleOrCallback === "function" ? (handleOrCallback as (error: Error | null) => void) : callback;
    if (done) queueMicrotask(() => done(this.linkBroken ? new Error("channel closed") : null));
    return true;
  }

  /** The program sends `message` over the link. */
  say(message: ChildMessage, handle?: object): void {
    this.emit("internalMessage", wire(message), handle);
  }

  /** The program exits by itself (`signal`: killed by it). */
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.#exited) return;
    this.#exited = true;
    queueMicrotask(() => this.emit("exit", code, signal));
  }

  /** A signal reaches it: it dies of it, unless it ignores it. */
  signal(signal: NodeJS.Signals): void {
    this.signals.push(signal);
    if (signal === "SIGKILL" || !this.ignores.has(signal)) this.exit(null, signal);
  }
}

/** The fake Launch: every child it made, newest last. */
export class FakeProcesses implements Launch {
  readonly children: FakeChild[] = [];
  /**
   * Processes a program started (by pid of the program), each with the signals that reached it:
   * helpers that survive anything but SIGKILL.
   */
  readonly helpers: Map<number, Map<number, NodeJS.Signals[]>> = new Map();
  #nextPid = 1000;

  spawn(spec: LaunchSpec): ChildProcess {
    const child = new FakeChild(this.#nextPid++, spec);
    this.children.push(child);
    return child as unknown as ChildProcess;
  }

  kill(pid: number, signal: NodeJS.Signals): void {
    for (const helpers of this.helpers.values()) {
      const signals = helpers.get(pid);
      if (!signals) continue;
      if (signals.includes("SIGKILL")) throw Object.assign(new Error("kill ESRCH"), { code: "ESRCH" });
      signals.push(signal);
      return;
    }
    const child = this.children.find((each) => each.pid === pid);
    if (!child || child.exited) throw Object.assign(new Error("kill ESRCH"), { code: "ESRCH" });
    child.signal(signal);
  }

  descendants(pid: number): number[] {
    return [...(this.helpers.get(pid)?.keys() ?? [])];
  }

  /** The child spawned `index`-th (0: the first; -1: the newest). */
  child(index: number): FakeChild {
    const child = this.children.at(index);
    if (!child) throw new Error(`no child ${index}: ${this.children.length} spawned`);
    return child;
  }
}
