/**
 * What `hotload` knows about Node's own options, so that `hotload --import tsx app.ts` passes
 * `--import tsx` to node, and `hotload --imprt tsx app.ts` is an error instead of a crash later.
 *
 * Node does not expose which options take a value as the next argument, so that list is kept
 * here; whether an option exists at all is asked of Node itself
 * (`process.allowedNodeEnvironmentFlags`, then `node --v8-options` for V8's).
 */
import { spawnSync } from "node:child_process";

/**
 * Node options that take their value as the next argument when written without `=`
 * (`--import tsx` as well as `--import=tsx`).
 */
export const NODE_VALUE_OPTIONS: ReadonlySet<string> = new Set([
  "--import",
  "--require",
  "-r",
  "--loader",
  "--experimental-loader",
  "--env-file",
  "--env-file-if-exists",
  "--conditions",
  "-C",
  "--input-type",
  "--stack-size",
  "--stack-trace-limit",
  "--max-old-space-size",
  "--max-semi-space-size",
  "--max-http-header-size",
  "--title",
  "--disable-warning",
  "--redirect-warnings",
  "--unhandled-rejections",
  "--dns-result-order",
  "--inspect-port",
  "--debug-port",
  "--inspect-publish-uid",
  "--diagnostic-dir",
  "--report-dir",
  "--report-directory",
  "--report-filename",
  "--report-signal",
  "--heapsnapshot-signal",
  "--heapsnapshot-near-heap-limit",
  "--cpu-prof-dir",
  "--cpu-prof-name",
  "--cpu-prof-interval",
  "--heap-prof-dir",
  "--heap-prof-name",
  "--heap-prof-interval",
  "--trace-event-categories",
  "--trace-event-file-pattern",
  "--icu-data-dir",
  "--openssl-config",
  "--tls-cipher-list",
  "--tls-keylog",
  "--secure-heap",
  "--secure-heap-min",
  "--use-largepages",
  "--v8-pool-size",
  "--localstorage-file",
  "--allow-fs-read",
  "--allow-fs-write",
  "--experimental-config-file",
  "--snapshot-blob",
  "--network-family-autoselection-attempt-timeout",
]);

/**
 * Node options that make no sense under `hotload`: they replace the entry file, or do what
 * hotload does. The value says why.
 */
export const NODE_CONFLICTING_OPTIONS: ReadonlyMap<string, string> = new Map([
  ["--watch", "hotload already restarts on changes"],
  ["--watch-path", "hotload already restarts on changes (see --restart)"],
  ["--watch-preserve-output", "hotload already restarts on changes"],
  ["--eval", "hotload runs a file"],
  ["-e", "hotload runs a file"],
  ["--print", "hotload runs a file"],
  ["-p", "hotload runs a file"],
  ["--check", "hotload runs a file"],
  ["-c", "hotload runs a file"],
  ["--interactive", "hotload runs a file"],
  ["-i", "hotload runs a file"],
  ["--test", "hotload runs a file"],
  ["--run", "hotload runs a file"],
]);

/** True when `flag` (`--name`, `-x`, or `--name=value`) is an option Node or V8 accepts. */
export function isNodeOption(flag: string): boolean {
  const name = flag.includes("=") ? flag.slice(0, flag.indexOf("=")) : flag;
  if (NODE_VALUE_OPTIONS.has(name)) return true;
  const allowed = process.allowedNodeEnvironmentFlags;
  if (allowed.has(name)) return true;
  // Node accepts `--no-x` for every boolean `--x`; the allowed set lists only a few negations.
  if (name.startsWith("--no-") && allowed.has(`--${name.slice(5)}`)) return true;
  return v8Options().has(normalizeV8(name.startsWith("--no-") ? `--${name.slice(5)}` : name));
}

let v8: Set<string> | undefined;

/**
 * V8's options, read from `node --v8-options` (about 20 ms, so only when an option is not one of
 * Node's, and once).
 */
function v8Options(): Set<string> {
  if (v8) return v8;
  v8 = new Set();
  const listing = spawnSync(process.execPath, ["--v8-options"], { encoding: "utf8", timeout: 10_000 });
  for (const match of (listing.stdout ?? "").matchAll(/^\s+(--[\w-]+)\s/gm)) v8.add(normalizeV8(match[1]!));
  return v8;
}

/** V8 treats `-` and `_` in option names alike. */
function normalizeV8(name: string): string {
  return name.replaceAll("_", "-");
}

/** The files of `--env-file` and `--env-file-if-exists` among node's options. */
export function envFilesOf(nodeArgs: readonly string[]): string[] {
  const files: string[] = [];
  for (let i = 0; i < nodeArgs.length; i++) {
    const match = /^--env-file(?:-if-exists)?(?:=(.*))?$/.exec(nodeArgs[i]!);
    if (!match) continue;
    const file = match[1] ?? nodeArgs[++i];
    if (file) files.push(file);
  }
  return files;
}

/**
 * The port node's inspector listens on with these options (`--inspect`, `--inspect-brk`,
 * `--inspect-wait`, with `=[host:]port`, or `--inspect-port`), or undefined when it does not
 * listen, or listens on a port of its own choosing (0).
 */
export function inspectorPort(nodeArgs: readonly string[]): number | undefined {
  let inspect = false;
  let port = 9229;
  for (let i = 0; i < nodeArgs.length; i++) {
    const arg = nodeArgs[i]!;
    const match = /^--(inspect(?:-brk|-wait)?|inspect-port|debug-port)(?:=(.*))?$/.exec(arg);
    if (!match) continue;
    if (match[1] !== "inspect-port" && match[1] !== "debug-port") inspect = true;
    const value = match[2] ?? (match[1] === "inspect-port" || match[1] === "debug-port" ? nodeArgs[++i] : undefined);
    if (value === undefined) continue;
    const last = /(?:^|:)(\d+)$/.exec(value);
    if (last) port = Number(last[1]);
  }
  return inspect && port !== 0 ? port : undefined;
}
