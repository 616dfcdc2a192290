/**
 * The `hotload` command line: `hotload [options] [node options] app.mjs [app args]`, parsed into
 * a closed result (run, help, version or a usage error) without touching the process, so that
 * every rule is unit-tested.
 *
 * Before the entry, an option is hotload's own, or one of Node's (passed to node, with its value
 * when it takes one), or an error. The first argument that is not an option is the entry;
 * everything after it belongs to the app. `--` ends the options: the next argument is the entry,
 * whatever it looks like.
 */
import { NODE_CONFLICTING_OPTIONS, NODE_VALUE_OPTIONS } from "./node-options.js";
import { REQUIRED_NODE } from "../shared/node-version.js";

/** How the supervisor should run the app. */
export interface CliOptions {
  /** The entry file as written (node resolves it against the working directory). */
  readonly entry: string;
  /** Node options, in order, placed before the entry. */
  readonly nodeArgs: readonly string[];
  /** Arguments after the entry, for the app. */
  readonly appArgs: readonly string[];
  /** False with `--no-hot`: restart on every change instead of updating in place. */
  readonly hot: boolean;
  /** `--restart` globs: changes to these restart the app even though no module imports them. */
  readonly restart: readonly string[];
  /** `--ignore` globs: never watched, never a reason to restart. */
  readonly ignore: readonly string[];
  /** `--kill-timeout`: how long a stopping app gets after SIGTERM before SIGKILL, in ms. */
  readonly killTimeout: number;
  /** `--watch-after-exit`: after the app exits with 0, wait for a change instead of exiting. */
  readonly watchAfterExit: boolean;
  /** False with `--no-overlap`: stop the old process before the new one starts. */
  readonly overlap: boolean;
  /** `--poll[=<ms>]`: poll files every that many ms instead of using the OS's file watches. */
  readonly poll: number | undefined;
}

/** The outcome of parsing the command line. */
export type ParsedArgs =
  | { readonly kind: "run"; readonly options: CliOptions }
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  /** A usage error: `message` is one line, without the `hotload:` prefix. */
  | { readonly kind: "error"; readonly message: string };

/** `--restart` globs used when none is given: the env files in the working directory. */
const DEFAULT_RESTART: readonly string[] = [".env", ".env.*"];

/** `--poll` without a value: the interval, in ms. */
const DEFAULT_POLL_MS = 100;

/** `--kill-timeout` when none is given, in ms. */
const DEFAULT_KILL_TIMEOUT = 3000;

/** The text of `hotload --help`. */
export const USAGE: string = `Usage: hotload [options] [node options] <entry> [app arguments]

Runs \`node [node options] --import hotload <entry> [app arguments]\` and keeps it running:
changes are applied in place: what a module accepts (import.meta.hot), and a change that reaches
an entry with no hot code (the chain up to it runs again in the same process, its servers handed
over). A declined change, invalidate() reaching the entry, or an in-place update whose new
code throws as it runs (rolled back, then tried in a fresh process) restarts the process, in
milliseconds.

Options:
  --no-hot               plain restart on change: every change to a loaded file restarts
  --no-overlap           stop the old process before starting the new one (by default the new
                         one starts first, and the old one stops once the new one is ready)
  --restart <glob>       restart when a matching file changes, even if no module imports it
                         (repeatable; default: .env and .env.* in the working directory;
                         files given to node's --env-file are always watched)
  --ignore <glob>        never watch matching paths (repeatable)
  --poll[=<ms>]          poll files for changes (default every 100 ms) instead of the OS's file
                         watches: for Docker bind mounts, WSL, network shares
  --kill-timeout <ms>    how long a stopping app gets before SIGKILL (default 3000;
                         see SIGINT, SIGTERM below)
  --watch-after-exit     when the app exits with code 0, wait for a change instead of exiting
  -h, --help             show this help
  -v, --version          show hotload's version
  --                     end of options: the next argument is the entry

Any other option before the entry is passed to node (--import tsx, --enable-source-maps,
--inspect, --env-file=.env, ...). Everything after the entry is passed to the app.

Globs (picomatch): * and ? stay within a folder, ** spans folders, {a,b} is either, [ab] is one
character of a set, \\ escapes; * also matches dot files (.env). Relative globs and --env-file
paths start at the working directory. node_modules and .git are skipped unless a glob names them.

Restarts: the app runs as a plain node process; hotload holds every socket it listens on
(TCP, unix paths) and hands it to each new process, so no connection is refused. The new
process is ready when it listens on what the old one did, when it calls ready() from
hotload/api, or, for a program that never listened, once its entry has run. A new process that
exits before it is ready never replaces the old one: the old one keeps serving and the next
change tries again. The old one then stops gracefully: its servers close (requests in flight
finish, at most 1 s), then SIGTERM, then SIGKILL after --kill-timeout, its whole process tree
included. With node's --inspect on a fixed port, the old process stops before the new one
starts (the port is the inspector's until then).

While running:
  rs + Enter      restart now (when stdin is a terminal; the app then reads its stdin
                  through hotload, line by line, not as a terminal: no raw mode; and a
                  line \\rs reaches it as rs)
  SIGHUP          restart now
  SIGINT, SIGTERM passed to the app, once (a terminal's Ctrl-C reaches it
                  directly); hotload ends as the app did (its code, or by the same
                  signal). An app that takes the signal gets as long as its shutdown
                  takes; --kill-timeout after a second one, it is killed

When the app exits by itself: with 0, hotload exits with 0 (unless --watch-after-exit); with
another code (a crash), hotload says so and starts it again at the next change to a file it had
loaded, or to a missing file it tried to import. A program that was up and dies after a change
is started again at once. Each restart prints the time from the decision until the new process
is ready (with --no-overlap: spawned).

Node.js: ${REQUIRED_NODE} (hotload uses module.registerHooks). The app runs on the node
that runs hotload (the first node on PATH); an older one exits with one line naming its version.

Environment (read by the app's hotload, so they work with node --import hotload too):
  HOTLOAD_LOG=silent|info|debug   how much hotload prints on stderr (default info); timings:
                                  info, and where each update's time went
  HOTLOAD_IGNORE=dir1,dir2        more files or folders to leave cold (not hot, not watched)
  HOTLOAD_POLL=<ms>               poll files every <ms> instead of the OS's watches (--poll)
  HOTLOAD_SETTLE_MS=<ms>          a fixed quiet time before a save is applied; saves within it
                                  are one update (default: at once, 3 ms for a file still being
                                  written)
  HOTLOAD_IN_PLACE=0              no in-place updates of entries with no hot code: a change that
                                  reaches one restarts (default: in place)
  HOTLOAD_HANDLER_TIMEOUT_MS=<ms> how long an update waits for a dispose, prune or accept
                                  handler's promise before it goes on without it (default 5000)
  HOTLOAD_CODE_CACHE=0            compile hotload's own start-up code every time instead of
                                  keeping V8's code cache of it in $XDG_CACHE_HOME/hotload
                                  (default ~/.cache/hotload; macOS ~/Library/Caches/hotload,
                                  Windows %LOCALAPPDATA%\\hotload)
  NO_COLOR                        no colours (they are used only on a terminal anyway)
  HOTLOAD_HOT, HOTLOAD_SUPERVISOR, HOTLOAD_FIRST_PID
                                  set by hotload for the app (HOTLOAD_HOT=0 with --no-hot; the app
                                  never sees HOTLOAD_SUPERVISOR or HOTLOAD_FIRST_PID); not for
                                  you to set
`;

/**
 * Parses `argv` (without `node` and the script). `isNodeOption` tells whether a flag that is not
 * hotload's exists in Node (see node-options.ts); injected so tests need no Node lookup.
 *
 * Over 80 lines on purpose: one flat `switch` with a case per option of the command, read top to
 * bottom like the help text; split up, an option's parsing would be in one place and its default
 * and result in others.
 */
export function parseArgs(argv: readonly string[], isNodeOption: (flag: string) => boolean): ParsedArgs {
  const nodeArgs: string[] = [];
  const restart: string[] = [];
  const ignore: string[] = [];
  let hot = true;
  let killTimeout = DEFAULT_KILL_TIMEOUT;
  let watchAfterExit = false;
  let overlap = true;
  let poll: number | undefined;

  let i = 0;
  /** The value of `--name=value` or `--name value`; undefined when missing. */
  const valueOf = (arg: string): string | undefined => {
    const eq = arg.indexOf("=");
    if (eq >= 0) return arg.slice(eq + 1);
    const next = argv[i + 1];
    if (next === undefined) return undefined;
    i++;
    return next;
  };

  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    const name = arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg;
    switch (name) {
      case "-h":
      case "--help":
        return { kind: "help" };
      case "-v":
      case "--version":
        return { kind: "version" };
      case "--no-hot":
      case "--no-overlap":
      case "--watch-after-exit":
        if (name !== arg) return { kind: "error", message: `${name} takes no value` };
        if (name === "--no-hot") hot = false;
        else if (name === "--no-overlap") overlap = false;
        else watchAfterExit = true;
        continue;
      case "--poll": {
        // The value only with `=`: `--poll app.mjs` must not read the entry as an interval.
        const value = name === arg ? String(DEFAULT_POLL_MS) : arg.slice(name.length + 1);
        if (!/^\d+$/.test(value) || Number(value) === 0) {
          return { kind: "error", message: `--poll needs a number of milliseconds above 0, not ${JSON.stringify(value)}` };
        }
        poll = Number(value);
        continue;
      }
      case "--restart":
      case "--ignore": {
        const value = valueOf(arg);
        if (value === undefined || value === "") return { kind: "error", message: `${name} needs a glob` };
        (name === "--restart" ? restart : ignore).push(value);
        continue;
      }
      case "--kill-timeout": {
        const value = valueOf(arg);
        if (value === undefined) return { kind: "error", message: `${name} needs a number of milliseconds` };
        if (!/^\d+$/.test(value)) {
          return { kind: "error", message: `${name} needs a number of milliseconds, not ${JSON.stringify(value)}` };
        }
        killTimeout = Number(value);
        continue;
      }
    }
    const conflict = NODE_CONFLICTING_OPTIONS.get(name);
    if (conflict !== undefined) return { kind: "error", message: `node's ${name} cannot be used here: ${conflict}` };
    if (!isNodeOption(arg)) return { kind: "error", message: `unknown option ${name}` };
    nodeArgs.push(arg);
    if (NODE_VALUE_OPTIONS.has(name) && name === arg) {
      const value = argv[i + 1];
      if (value === undefined) return { kind: "error", message: `${name} needs a value` };
      nodeArgs.push(value);
      i++;
    }
  }

  const entry = argv[i];
  if (entry === undefined) return { kind: "error", message: "missing the entry file to run" };
  return {
    kind: "run",
    options: {
      entry,
      nodeArgs,
      appArgs: argv.slice(i + 1),
      hot,
      restart: restart.length > 0 ? restart : DEFAULT_RESTART,
      ignore,
      killTimeout,
      watchAfterExit,
      overlap,
      poll,
    },
  };
}
