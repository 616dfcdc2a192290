/**
 * The globs of `hotload --restart` and `--ignore`: picomatch's dialect over absolute paths with
 * forward slashes, with dot files as ordinary names (`*` matches `.env`, which Node's
 * `path.matchesGlob` would skip) and no leading `!` negation (an ignore that un-ignores has no
 * meaning here). What the watcher needs on top (the folder to watch and how deep) comes from
 * picomatch's own scan of the pattern.
 *
 * A relative glob is anchored at a folder (the working directory): `*.json` is a JSON file in that folder
 * only; start it with a `**` segment to match at any depth.
 */
import { isAbsolute, posix, resolve } from "node:path";
import picomatch from "picomatch/posix.js";

/** A compiled glob. */
export interface Glob {
  /** The pattern as the user wrote it. */
  readonly pattern: string;
  /** The absolute pattern with forward slashes; for a {@link literal} one, the path it names (escapes removed). */
  readonly absolute: string;
  /** Tests an absolute path with forward slashes. */
  readonly regexp: RegExp;
  /** The deepest folder of the pattern with no wildcard in it: every match lies under it. */
  readonly base: string;
  /** How many folders below {@link base} a match can lie; undefined when `**` makes it unbounded. */
  readonly depth: number | undefined;
  /** True when the pattern has no wildcard: it names exactly one path. */
  readonly literal: boolean;
}

/**
 * Compiles `pattern` (relative ones are resolved against `dir`).
 * On Windows, backslashes are separators and case is ignored, as its file systems do; elsewhere
 * a backslash escapes the next character.
 */
export function compileGlob(pattern: string, dir: string, platform: NodeJS.Platform = process.platform): Glob {
  const windows = platform === "win32";
  const slashed = windows ? pattern.replaceAll("\\", "/") : pattern;
  const absolute = isAbsoluteGlob(slashed, windows) ? slashed : joinGlob(toSlash(dir, windows), slashed);
  const options = { dot: true, nonegate: true, nocase: windows };
  const regexp = picomatch.makeRe(absolute, options);
  const scan = picomatch.scan(absolute, { ...options, unescape: !windows });
  if (!scan.isGlob) {
    return { pattern, absolute: scan.base, regexp, base: driveRoot(posix.dirname(scan.base)), depth: 0, literal: true };
  }
  // A brace or group holding a `/` spans folders, so its depth is not the number of segments left.
  const unbounded = scan.glob.includes("**") || /\{[^}]*\/|\([^)]*\//.test(scan.glob);
  return {
    pattern,
    absolute,
    regexp,
    base: driveRoot(scan.base || "/"),
    depth: unbounded ? undefined : scan.glob.split("/").length - 1,
    literal: false,
  };
}

/** A glob that matches exactly `path` (its wildcard characters escaped; Windows has no escapes). */
export function escapeGlob(path: string, platform: NodeJS.Platform = process.platform): string {
  return platform === "win32" ? path : path.replace(/[*?{}()[\]!+@\\]/g, "\\$&");
}

/** True when `path` (any separators) is matched by `glob`. */
export function matchesGlob(glob: Glob, path: string): boolean {
  return glob.regexp.test(path.replaceAll("\\", "/"));
}

/** True when `path` is matched by one of `globs`, or lies inside a folder that is (ignoring a folder ignores its files). */
export function coveredBy(globs: readonly Glob[], path: string): boolean {
  for (let at = path.replaceAll("\\", "/"); ; at = posix.dirname(at)) {
    if (globs.some((glob) => glob.regexp.test(at))) return true;
    if (posix.dirname(at) === at) return false;
  }
}

/** `C:` alone names the drive's current folder on Windows: the root is `C:/`. */
function driveRoot(base: string): string {
  return /^[A-Za-z]:$/.test(base) ? `${base}/` : base;
}

function isAbsoluteGlob(glob: string, windows: boolean): boolean {
  return windows ? /^(?:[A-Za-z]:)?\//.test(glob) : isAbsolute(glob);
}

function toSlash(dir: string, windows: boolean): string {
  return windows ? dir.replaceAll("\\", "/") : resolve(dir);
}

/** Joins a folder and a relative glob, folding `.` and `..` segments (which carry no wildcard). */
function joinGlob(dir: string, glob: string): string {
  const out = dir.replace(/\/+$/, "").split("/");
  for (const segment of glob.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length > 1) out.pop();
      continue;
    }
    out.push(segment);
  }
  return out.join("/") || "/";
}
