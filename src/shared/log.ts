/**
 * The `[hotload]` lines. Everything hotload says goes through here, to stderr, so that the
 * program's own stdout stays clean for pipes.
 *
 * Everything printed here is passed through src/shared/printable.ts: file names and the program's error
 * messages come from outside, and their control characters must not act on the terminal.
 *
 * Levels come from `HOTLOAD_LOG` (`silent`, `info` (default), `debug`). Colour is used only when
 * stderr is a terminal and `NO_COLOR` is unset (https://no-color.org).
 */
import { relative, isAbsolute } from "node:path";
import { FIRST_PROCESS_ENV, hotloadEnv, type LogLevel } from "./env.js";
import { printable, printableBlock } from "./printable.js";

/** Where the first process's pid is kept once read (see FIRST). */
const FIRST_SLOT: unique symbol = Symbol.for("hotload.first-pid") as never;

const RANK: Record<LogLevel, number> = { silent: 0, info: 1, timings: 2, debug: 3 };

const level: LogLevel = hotloadEnv().log;

// Decided on first use: touching process.stderr builds the stream (~10 ms of start-up).
let colour: boolean | undefined;

function paint(code: string, text: string): string {
  colour ??= Boolean(process.stderr.isTTY) && process.env["NO_COLOR"] === undefined;
  return colour ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/**
 * `[hotload]`, or, when several processes or threads of one tree run hotload, which one speaks:
 * `[hotload pid 4242]`, `[hotload thread 2]`. The main thread of the first process stays plain.
 * Decided on first use: node:worker_threads costs ~4 ms of start-up in the main thread (in a
 * worker it is loaded already).
 */
let shownAs: string | undefined;
// The program never sees the variable: hotload removes it from its environment and hands it to
// the children the program starts (see tellChildren), as plain node would show no such variable.
// Kept on a global symbol: each of hotload's bundles has its own copy of this module.
const FIRST: string = ((globalThis as { [FIRST_SLOT]?: string })[FIRST_SLOT] ??= hotloadEnv().firstPid ?? "");
delete process.env[FIRST_PROCESS_ENV];

/**
 * Makes the processes the program starts (`spawn`, `fork`, `exec`, `cluster.fork()`, all through
 * `ChildProcess#spawn`) know which process of the tree ran hotload first, without putting it in the
 * program's own environment. Called when the program first reaches node:child_process or
 * node:cluster. A child started with `spawnSync`/`execSync` is not told (it names no pid then).
 */
export function tellChildren(): void {
  if (toldChildren) return;
  toldChildren = true;
  // Node's own getBuiltinModule, not the in-place wrapper (which would install its own spawn
  // wrapper first): this one must be the inner, so that its frame is not on the stack the in-place
  // wrapper reads to tell which module started a child (inplace/children.ts).
  const { ChildProcess } = getBuiltinModule.call(process, "node:child_process") as typeof import("node:child_process");
  const prototype = ChildProcess.prototype as unknown as { spawn: (options: { envPairs?: string[] }, ...rest: unknown[]) => unknown };
  const spawn = prototype.spawn;
  const pair = `${FIRST_PROCESS_ENV}=${FIRST || process.pid}`;
  prototype.spawn = function (this: unknown, options, ...rest) {
    const pairs = options?.envPairs;
    if (Array.isArray(pairs) && !pairs.some((p) => p.startsWith(`${FIRST_PROCESS_ENV}=`))) pairs.push(pair);
    return Reflect.apply(spawn, this, [options, ...rest]);
  };
}
let toldChildren = false;

/** Whether this process is the first of its tree to run hotload (not one the program started). */
export function isFirstProcess(): boolean {
  return FIRST === "" || FIRST === String(process.pid);
}
const getBuiltinModule = process.getBuiltinModule;

function prefix(): string {
  if (shownAs !== undefined) return shownAs;
  const { isMainThread, threadId } = process.getBuiltinModule("node:worker_threads");
  const who = [FIRST && FIRST !== String(process.pid) ? `pid ${process.pid}` : "", isMainThread ? "" : `thread ${threadId}`];
  const tag = who.filter(Boolean).join(" ");
  return (shownAs = tag ? `[hotload ${tag}]` : "[hotload]");
}

function write(text: string): void {
  process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** What {@link displayPath} said of each file, while the working directory is {@link shownFrom}. */
const shown = new Map<string, string>();
let shownFrom: string | undefined;
/** How many paths {@link shown} keeps before it starts over. */
const SHOWN_KEPT = 4096;

/**
 * A path as the user wants to read it: relative to the working directory when inside it. Kept per
 * file: each update names its files several times, and path.relative() is not free on a cold CPU.
 */
export function displayPath(file: string): string {
  if (!isAbsolute(file)) return file;
  const cwd = process.cwd();
  if (cwd !== shownFrom || shown.size >= SHOWN_KEPT) {
    shown.clear();
    shownFrom = cwd;
  }
  let path = shown.get(file);
  if (path === undefined) {
    const rel = relative(cwd, file);
    path = rel === "" || rel.startsWith("..") || isAbsolute(rel) ? file : `./${rel}`;
    shown.set(file, path);
  }
  return path;
}

/** A normal event: one line. */
export function info(message: string): void {
  if (RANK[level] >= RANK.info) write(`${paint("36", prefix())} ${printable(message)}`);
}

/** A success line (an applied update). */
export function success(message: string): void {
  if (RANK[level] >= RANK.info) write(`${paint("32", prefix())} ${printable(message)}`);
}

/** A problem the user has to act on; `detail` (code frame, stack) follows, indented. */
export function error(message: string, detail?: string): void {
  if (RANK[level] < RANK.info) return;
  write(`${paint("31", prefix())} ${printable(message)}`);
  if (detail) write(indent(printableBlock(detail)));
}

/** A warning the user should know about. */
export function warn(message: string): void {
  if (RANK[level] >= RANK.info) write(`${paint("33", prefix())} ${printable(message)}`);
}

/**
 * Whether updates are timed (`HOTLOAD_LOG=timings` or `debug`): they say where their time went
 * (see update/timings.ts), and hotload's hooks are wrapped to count theirs.
 */
export const timed: boolean = RANK[level] >= RANK.timings;

/** Where an update's time went: one line, with `HOTLOAD_LOG=timings` or `debug`. */
export function timing(message: string): void {
  if (timed) write(`${paint("90", prefix())} ${printable(message)}`);
}

/** A debug line, or what makes it: a function is called only when debug lines are shown. */
export type DebugMessage = string | (() => string);

/** Only with `HOTLOAD_LOG=debug`. */
export function debug(message: DebugMessage): void {
  if (RANK[level] >= RANK.debug) write(`${paint("90", prefix())} ${printable(typeof message === "string" ? message : message())}`);
}

function indent(text: string): string {
  return text
    .replace(/\s+$/, "")
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}
