/**
 * What the stress tests share on top of test/helpers/e2e.ts: the 1 ms pause between saves of a
 * burst (a busy wait, not a timer: a timer cannot promise 1 ms), commands to a harness child over
 * stdin with their one-line JSON answers, waiting for "anything new" from a child, and counting a
 * child's inotify watches from /proc (a leak check that needs no help from the runtime).
 */
import { mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { copyFixture, spawnHot, type PrintedUpdate, type Running, type SpawnOptions } from "../helpers/e2e.js";

const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks this thread for `ms` milliseconds: the spacing of saves in a burst. Not a wait for a
 * result (those are waits for lines, with deadlines).
 */
export function pause(ms: number): void {
  Atomics.wait(pauseCell, 0, 0, ms);
}

let nextId = 1;

/**
 * Sends `command ID args` to a harness child and resolves with the JSON it answers on the line
 * `ANSWER ID {json}` (ANSWER is the command in upper case).
 */
export async function ask<T>(run: Running, command: string, args: readonly string[] = [], ms = 20_000): Promise<T> {
  const id = nextId++;
  const since = run.mark();
  run.child.stdin!.write(`${[command, id, ...args].join(" ")}\n`);
  const prefix = `${command.toUpperCase()} ${id} `;
  const line = await run.waitForLine(new RegExp(`^(${prefix}|COMMAND ${command} ${id} threw)`), ms, since);
  if (!line.startsWith(prefix)) throw new Error(`${command} failed in the child: ${line}`);
  return JSON.parse(line.slice(prefix.length)) as T;
}

/** Resolves when the child prints anything (after `since`) or after `ms`, whichever comes first. */
export function nextOutput(run: Running, since: number, ms: number): Promise<void> {
  if (run.lines.length > since) return Promise.resolve();
  return new Promise((resolve) => {
    const streams = [run.child.stdout, run.child.stderr].filter((s) => s !== null);
    const done = (): void => {
      clearTimeout(timer);
      for (const s of streams) s.off("data", done);
      // The line reader is attached first, so the line is in `lines` by now.
      setImmediate(resolve);
    };
    const timer = setTimeout(done, ms);
    for (const s of streams) s.on("data", done);
    run.exited.then(done, done);
  });
}

/**
 * The inodes (hexadecimal, as /proc prints them) that the process `pid` holds inotify watches on
 * (Linux only; undefined elsewhere or when /proc cannot be read). libuv shares one watch per
 * watched path, so this lists paths, by inode.
 */
export function inotifyInodes(pid: number): string[] | undefined {
  try {
    const inodes: string[] = [];
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target = "";
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (target !== "anon_inode:inotify") continue;
      const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8");
      for (const line of info.split("\n")) {
        const ino = /^inotify wd:\d+ ino:([0-9a-f]+)/.exec(line)?.[1];
        if (ino) inodes.push(ino);
      }
    }
    return inodes;
  } catch {
    return undefined;
  }
}

/** The number of inotify watches the process `pid` holds (see {@link inotifyInodes}). */
export function inotifyWatches(pid: number): number | undefined {
  return inotifyInodes(pid)?.length;
}

/** Names the watched inodes: the paths under `dir` (and `dir` itself) that have them. */
export function watchedPaths(inodes: readonly string[], dir: string): string[] {
  const byInode = new Map<string, string>();
  const visit = (path: string, depth: number): void => {
    try {
      const stats = statSync(path);
      byInode.set(stats.ino.toString(16), path);
      if (stats.isDirectory() && depth < 3) for (const name of readdirSync(path)) visit(join(path, name), depth + 1);
    } catch {
      // Gone meanwhile.
    }
  };
  visit(dir, 0);
  return inodes.map((ino) => byInode.get(ino) ?? `inode ${ino} (not under ${dir})`);
}

/** `[hotload]` lines that report a problem (not the "updated" line, not debug output). */
export function isErrorLine(line: string): boolean {
  return line.startsWith("[hotload] ") && !/^\[hotload\] updated /.test(line);
}

/**
 * Waits for a line matching `pattern` after `since`, up to `ms`; resolves with it, or with
 * undefined at the deadline (never rejects: for waits whose absence is itself an observation).
 */
export async function maybeLine(run: Running, pattern: RegExp, since: number, ms: number): Promise<string | undefined> {
  const deadline = performance.now() + ms;
  let checked = since;
  for (;;) {
    for (; checked < run.lines.length; checked++) {
      const line = run.lines[checked]!;
      if (pattern.test(line)) return line;
    }
    const left = deadline - performance.now();
    if (left <= 0 || run.child.exitCode !== null || run.child.signalCode !== null) return undefined;
    await nextOutput(run, checked, Math.min(left, 100));
  }
}

export type { PrintedUpdate };

/** The `UPDATE {json}` lines printed after line `since` (and before `until`), parsed. */
export function printedUpdates(run: Running, since = 0, until: number = run.lines.length): PrintedUpdate[] {
  return run.lines
    .slice(since, until)
    .filter((line) => line.startsWith("UPDATE {"))
    .map((line) => JSON.parse(line.slice("UPDATE ".length)) as PrintedUpdate);
}

/**
 * Starts fixtures/stress-app (it imports and accepts every module of `specs`) on a copy that also
 * holds `files` (name → text; folders are created), and waits until it is ready. `setup` runs
 * before the start and may return another folder to start the app from (a symlink to the copy).
 */
export async function startApp(
  files: Readonly<Record<string, string>>,
  specs: readonly string[],
  options: SpawnOptions & { setup?: (dir: string) => string | void } = {},
): Promise<{ dir: string; run: Running }> {
  const dir = realpathSync(copyFixture("stress-app"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(join(dir, "files.json"), `${JSON.stringify(specs)}\n`);
  const { setup, ...spawnOptions } = options;
  const from = setup?.(dir) ?? dir;
  const run = spawnHot(join(from, "app.mjs"), { stdin: true, cwd: from, ...spawnOptions });
  await run.waitForLine("app ready", 60_000);
  return { dir, run };
}

/** A module that exports `v` and says when it evaluates: `<name> v<v> evaluated`. */
export function versioned(name: string, v: number, extra = ""): string {
  return `export const v = ${v};\nprocess.stderr.write(\`${name} v\${v} evaluated\\n\`);\n${extra}${"//\n".repeat(v)}`;
}

/** How many lines after `since` equal `text`. */
export function count(run: Running, text: string, since = 0): number {
  return run.lines.slice(since).filter((line) => line === text).length;
}
