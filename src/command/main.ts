/**
 * The `hotload` command: `hotload [options] [node options] <entry> [app arguments]`.
 *
 * Parses the command line, then hands the app to the {@link Supervisor} and connects it to the
 * outside world: SIGINT/SIGTERM end the session (forwarded to the app), SIGHUP and `rs` + Enter
 * restart the app. When stdin is a terminal, hotload reads it for `rs` and the app gets the other
 * lines through a pipe (`\rs` reaches it as `rs`); otherwise the app inherits stdin untouched.
 */
import { closeSync, constants, existsSync, openSync, readFileSync } from "node:fs";
import { constants as os } from "node:os";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { isatty } from "node:tty";
import { parseArgs, USAGE, type CliOptions } from "./args.js";
import { isNodeOption } from "./node-options.js";
import { Supervisor } from "./supervisor.js";
import type { Ending } from "./run.js";
import { printable } from "../shared/printable.js";

// The loader by absolute URL, so the app's folder need not be able to resolve `hotload`.
const LOADER = new URL("../../loader/index.js", import.meta.url).href;
const PACKAGE_JSON = new URL("../../../package.json", import.meta.url);

const parsed = parseArgs(process.argv.slice(2), isNodeOption);
switch (parsed.kind) {
  case "help":
    process.stdout.write(USAGE);
    break;
  case "version":
    process.stdout.write(`${(JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as { version: string }).version}\n`);
    break;
  case "error":
    // The message quotes what was typed, control characters and all.
    process.stderr.write(`hotload: ${printable(parsed.message)} (see hotload --help)\n`);
    process.exitCode = 2;
    break;
  case "run": {
    const missing = missingEntry(parsed.options.entry);
    if (missing !== undefined) {
      process.stderr.write(`hotload: ${printable(missing)}\n`);
      process.exit(1);
    }
    const ending = await run(parsed.options);
    if (typeof ending === "number") process.exit(ending);
    dieBy(ending);
    break;
  }
  default:
    parsed satisfies never;
}

/**
 * Why `entry` cannot be run, or undefined when node will find it: as itself, or as node resolves
 * a main entry (`hotload server` runs server.js, `hotload .` a package's main).
 */
function missingEntry(entry: string): string | undefined {
  const path = resolve(entry);
  if (existsSync(path)) return undefined;
  try {
    createRequire(resolve("index.js")).resolve(path);
    return undefined;
  } catch {
    return `the entry file ${entry} does not exist (in ${process.cwd()})`;
  }
}

/**
 * Ends this process by `signal`, as its program ended (npx and tsx do the same): a parent's
 * `child.on("exit")` sees (null, signal), as of plain node, and a shell 128 + its number. The
 * command's own listeners go first; should the signal be ignored (nohup), the shell's code.
 */
function dieBy(signal: NodeJS.Signals): void {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  setTimeout(() => process.exit(128 + (os.signals[signal] ?? 0)), 100);
}

/**
 * True when this process is in its terminal's foreground process group (Linux: /proc/self/stat),
 * where the terminal's Ctrl-C reaches every process of the group.
 */
function inTerminalForeground(): boolean {
  if (process.platform !== "linux") return false;
  try {
    // After the command name (in parentheses, and which may hold any character): state ppid pgrp session tty_nr tpgid.
    const stat = readFileSync("/proc/self/stat", "utf8");
    const [, , pgrp, , tty, tpgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return tty !== "0" && pgrp === tpgid;
  } catch {
    return false;
  }
}

/** True while this process has a controlling terminal: /dev/tty can be opened. */
function hasTerminal(): boolean {
  if (process.platform === "win32") return false;
  try {
    closeSync(openSync("/dev/tty", constants.O_RDONLY | constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}

async function run(options: CliOptions): Promise<Ending> {
  // isatty(0), not process.stdin: creating that stream would make a shared stdin pipe
  // non-blocking for the app too (its synchronous reads would then fail with EAGAIN).
  const terminal = isatty(0);
  const supervisor = new Supervisor({ ...options, loader: LOADER, stdin: terminal ? "pipe" : "inherit" });
  // A Ctrl-C at the terminal whose foreground this command is: the app, in the same process
  // group, got that SIGINT too (even with its event loop busy, before it can say so).
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.on(signal, () => void supervisor.stop(signal, signal === "SIGINT" && inTerminalForeground()));
  const hadTerminal = hasTerminal();
  process.on("SIGHUP", () => {
    // A closing terminal sends SIGHUP too, and then the session is over: a restart would leave
    // hotload and the app running with nowhere to write. (On Windows SIGHUP only means that.)
    if (process.platform === "win32" || (hadTerminal && !hasTerminal())) void supervisor.stop("SIGHUP");
    else supervisor.restart({ kind: "request", via: "SIGHUP" });
  });
  // Should the supervisor itself die of a bug, the app must not live on without it.
  process.on("exit", () => supervisor.killNow());
  // A terminal that closed fails every read and write (EIO): that, too, ends the session.
  const hangUp = (): void => void supervisor.stop("SIGHUP");
  process.stderr.on("error", hangUp);
  if (terminal) {
    process.stdin.on("error", hangUp);
    const lines = createInterface({ input: process.stdin, terminal: false });
    lines.on("line", (line) => {
      if (line.trim() === "rs") supervisor.restart({ kind: "request", via: "rs" });
      // An escape, so that the program can be sent the line `rs` too.
      else supervisor.input(line.trim() === "\\rs" ? `${line.replace("\\rs", "rs")}\n` : `${line}\n`);
    });
    lines.on("close", () => supervisor.endInput());
  }
  await supervisor.start();
  return supervisor.done;
}
