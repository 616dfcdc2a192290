/**
 * End-to-end helpers: copy a fixture app to a fresh temporary folder, run it under the real loader
 * (or the real `hotload` command) as a child process, edit its files, and wait for output lines
 * with a deadline. No fixed sleeps anywhere: every wait is for a line or an exit.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, symlinkSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { UpdateResult } from "../../src/api.js";

/** Repository root (this file is compiled to dist/test/helpers/e2e.js). */
export const ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** The built loader entry, what `--import hotload` resolves to. */
export const LOADER: string = join(ROOT, "dist/loader/index.js");
/** The built CLI entry, what `npx hotload` runs. */
export const CLI: string = join(ROOT, "dist/src/cli.js");
/** Where the fixture apps live. */
export const FIXTURES: string = join(ROOT, "fixtures");

const dirs: string[] = [];
const children: Set<Running> = new Set();

// A test file that never calls cleanup(), or one cut short, still leaves no folder and no child behind.
process.once("exit", () => {
  for (const running of children) running.child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Removes `dir` when this process exits (a folder made outside copyFixture). */
export function removeAtExit(dir: string): void {
  dirs.push(dir);
}

/**
 * Copies `fixtures/<name>` into a new folder under the OS temp dir and returns its path. The copy
 * gets `node_modules/hotload` linked to this repository, so `--import hotload` and
 * `import "hotload/api"` resolve exactly as they would for a user.
 */
export function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `hotload-${name.replace(/\W+/g, "-")}-`));
  dirs.push(dir);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  linkPackage(dir);
  return dir;
}

/** Makes `hotload` resolvable from `dir` (a symlink to this repository). */
export function linkPackage(dir: string): void {
  const modules = join(dir, "node_modules");
  mkdirSync(modules, { recursive: true });
  const link = join(modules, "hotload");
  if (!existsSync(link)) symlinkSync(ROOT, link, "dir");
}

/** A line-buffered child process whose stdout and stderr are both read. */
export interface Running {
  readonly child: ChildProcess;
  /** Every complete line seen so far (stdout and stderr interleaved as they arrived). */
  readonly lines: string[];
  /** Waits for a line matching `pattern` that arrives after the `since` index (default: any). */
  waitForLine(pattern: RegExp | string, ms?: number, since?: number): Promise<string>;
  /** Index to pass as `since`, so that a wait only sees lines after this moment. */
  mark(): number;
  /** Resolves with the exit code (or signal name) when the child exits. */
  exited: Promise<number | string>;
  /** All output so far as one string, for assertion messages. */
  output(): string;
  /** Kills the child (SIGKILL unless told otherwise) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Options for {@link spawnHot} and {@link spawnCli}. */
export interface SpawnOptions {
  /** Working directory (default: the fixture copy that holds the entry). */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string | undefined>;
  /** Node options placed before `--import hotload` (spawnHot) or passed through (spawnCli). */
  nodeArgs?: string[];
  /** Arguments after the entry. */
  args?: string[];
  /** Give the child an IPC channel of its own (the supervisor does not: it uses a pipe, src/shared/link.ts). */
  ipc?: boolean;
  /** Give the child a stdin pipe instead of ignoring stdin. */
  stdin?: boolean;
  /** The child's argv[0] (its process.argv0), as a shell sets it to what was typed; default: the command's path. */
  argv0?: string;
  /** Start the child in a process group of its own (`kill(-pid)` then signals all of it, as a terminal's Ctrl-C does). */
  detached?: boolean;
}

/** Runs `node --import hotload <entry>` in `cwd`, with the current Node binary. */
export function spawnHot(entry: string, options: SpawnOptions = {}): Running {
  const cwd = options.cwd ?? dirname(entry);
  const argv = [...(options.nodeArgs ?? []), "--import", "hotload", entry, ...(options.args ?? [])];
  return start(process.execPath, argv, cwd, options);
}

/** Runs the `hotload` command (`node dist/src/cli.js ...args`). */
export function spawnCli(args: string[], options: SpawnOptions = {}): Running {
  const cwd = options.cwd ?? process.cwd();
  return start(process.execPath, [CLI, ...args], cwd, options);
}

function start(command: string, argv: string[], cwd: string, options: SpawnOptions): Running {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...options.env };
  // The test runner's own flags must not leak into the child.
  delete env["NODE_TEST_CONTEXT"];
  delete env["NODE_OPTIONS"];
  const stdio: ("pipe" | "ignore" | "ipc")[] = [options.stdin ? "pipe" : "ignore", "pipe", "pipe"];
  if (options.ipc) stdio.push("ipc");
  const child = spawn(command, argv, {
    cwd,
    env,
    stdio,
    detached: options.detached === true,
    ...(options.argv0 ? { argv0: options.argv0 } : {}),
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const feed = (stream: NodeJS.ReadableStream | null): void => {
    let buffer = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buffer += chunk;
      let at: number;
      while ((at = buffer.indexOf("\n")) >= 0) {
        lines.push(buffer.slice(0, at).replace(/\r$/, ""));
        buffer = buffer.slice(at + 1);
      }
      for (const wake of waiters) wake();
    });
    stream?.on("end", () => {
      if (buffer) lines.push(buffer);
      buffer = "";
      for (const wake of waiters) wake();
    });
  };
  feed(child.stdout);
  feed(child.stderr);
  let done = false;
  const exited = new Promise<number | string>((resolveExit) => {
    child.on("exit", (code, signal) => {
      done = true;
      children.delete(running);
      // Let the pipes drain so the last lines are in `lines` before anyone looks.
      setImmediate(() => {
        for (const wake of waiters) wake();
        resolveExit(code ?? signal ?? -1);
      });
    });
  });
  const output = (): string => lines.join("\n");
  const running: Running = {
    child,
    lines,
    exited,
    output,
    mark: () => lines.length,
    waitForLine(pattern, ms = 10_000, since = 0) {
      const test = typeof pattern === "string" ? (line: string) => line.includes(pattern) : (line: string) => pattern.test(line);
      return new Promise<string>((resolveLine, reject) => {
        let checked = since;
        const check = (): boolean => {
          for (; checked < lines.length; checked++) {
            const line = lines[checked]!;
            if (test(line)) {
              finish();
              resolveLine(line);
              return true;
            }
          }
          if (done) {
            finish();
            reject(new Error(`process exited before a line matched ${String(pattern)}; output:\n${output()}`));
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no line matched ${String(pattern)} within ${ms} ms; output:\n${output()}`));
        }, ms);
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        const wake = (): void => void check();
        if (!check()) waiters.add(wake);
      });
    },
    kill(signal: NodeJS.Signals = "SIGKILL") {
      if (!done) child.kill(signal);
      return exited;
    },
  };
  children.add(running);
  return running;
}

/**
 * Replaces the content of `file` with `text`. Refuses an edit that keeps the byte length, since a
 * watcher may not see it (the same rule as Vite's e2e `editFile`).
 */
export function edit(file: string, text: string | ((old: string) => string)): void {
  const before = readFileSync(file, "utf8");
  const after = typeof text === "function" ? text(before) : text;
  if (Buffer.byteLength(after) === Buffer.byteLength(before)) {
    throw new Error(`edit of ${file} keeps its byte length (${Buffer.byteLength(before)}): change the length`);
  }
  writeFileSync(file, after);
}

/** Kills every child still running and removes every temporary folder. Call from `after`. */
export async function cleanup(): Promise<void> {
  await Promise.all([...children].map((running) => running.kill()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Replaces the first `from` in `file` with `to` (asserting it is there), through {@link edit}. When
 * that would keep the byte length (`v = 1` → `v = 2`), a newline is appended so the save is seen.
 */
export function replaceIn(file: string, from: string, to: string): void {
  edit(file, (old) => {
    if (!old.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}:\n${old}`);
    const next = old.replace(from, to);
    return Buffer.byteLength(next) === Buffer.byteLength(old) ? `${next}\n` : next;
  });
}

/**
 * Runs any command with the same line reader as {@link spawnCli}; for instance `script`, to give
 * the `hotload` command a terminal as its stdin.
 */
export function spawnCommand(command: string, argv: string[], options: SpawnOptions = {}): Running {
  return start(command, argv, options.cwd ?? process.cwd(), options);
}

/**
 * An UpdateResult as a fixture prints it (JSON, with its error reduced to the message): derived
 * from the public type, so the tests follow the API instead of a copy of it.
 */
export type PrintedUpdate = Omit<UpdateResult, "error"> & { readonly error?: string };
