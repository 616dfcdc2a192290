/**
 * What one run of the app is started with: node's options with hotload's loader after the
 * user's, and the environment that tells the loader how to behave under the command (report
 * loaded files over the link, update or not, poll, files kept cold). Pure: the supervisor hands
 * the result to {@link Run}.
 */
import type { CliOptions } from "./args.js";
import type { Glob } from "./glob.js";
import type { LaunchSpec, Run } from "./run.js";
import { FIRST_PROCESS_ENV, HOT_ENV, IGNORE_ENV, POLL_ENV, SUPERVISOR_ENV } from "../shared/env.js";
import { LINK_FD } from "../shared/link.js";

/** What a run is started from: the command's options, the app's `--import` (hotload's loader, a file URL), its stdin. */
type LaunchOptions = Pick<CliOptions, "entry" | "hot" | "poll" | "nodeArgs" | "appArgs"> &
  Pick<LaunchSpec, "stdin"> & { readonly loader: string };

/** The run of `options.entry` in `cwd`, with `ignore`'s plain paths kept cold in the app. */
export function launchSpec(options: LaunchOptions, cwd: string, ignore: readonly Glob[], env: NodeJS.ProcessEnv = process.env): LaunchSpec {
  // The link is a pipe of its own at LINK_FD (src/shared/link.ts); the loader deletes the variable.
  const childEnv: NodeJS.ProcessEnv = { ...env, [SUPERVISOR_ENV]: String(LINK_FD) };
  // The loader reads HOTLOAD_HOT=0 as: report the files you load, but update nothing. Hot is its
  // default: nothing is added to the program's environment for it.
  if (options.hot) delete childEnv[HOT_ENV];
  else childEnv[HOT_ENV] = "0";
  if (options.poll !== undefined) childEnv[POLL_ENV] = String(options.poll);
  // Each run is the first hotload process of its tree: its log lines need no pid.
  delete childEnv[FIRST_PROCESS_ENV];
  // Plain paths among the --ignore globs also keep those files cold in the app.
  const literal = ignore.filter((glob) => glob.literal).map((glob) => glob.absolute);
  if (literal.length > 0) childEnv[IGNORE_ENV] = [childEnv[IGNORE_ENV], ...literal].filter(Boolean).join(",");
  return {
    entry: options.entry,
    // The loader comes after the user's options: a transpiler (--import tsx) registered first
    // runs its hooks after hotload's, so hotload sees JavaScript.
    execArgv: [...options.nodeArgs, "--import", options.loader],
    appArgs: options.appArgs,
    cwd,
    env: childEnv,
    stdin: options.stdin,
  };
}
