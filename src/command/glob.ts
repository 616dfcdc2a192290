/**
 * The globs of `hotload --restart` and `--ignore`, compiled to regular expressions over absolute
 * paths with forward slashes. A deliberately small dialect, so that its rules fit in one sentence
 * of `--help`:
 *
 * - `*` any characters except `/`; `?` one character except `/`;
 * - `**` as a whole segment: any number of folders, none included (`src/**` matches every path
 *   below `src`, and `src/**` followed by `/x.js` matches `src/x.js` and `src/a/b/x.js`);
 * - `{a,b}` either alternative (alternatives may hold wildcards and nest);
 * - `\` makes the next character literal (on Windows `\` is a separator instead);
 * - dot files are ordinary names: `*` matches `.env`.
 *
 * A relative glob is anchored at a folder (the entry's): `*.json` is a JSON file in that folder
 * only; start it with a `**` segment to match at any depth.
 */
import { isAbsolute, resolve } from "node:path";

/** A compiled glob. */
export interface Glob {
  /** The pattern as the user wrote it. */
  readonly pattern: string;
  /** The absolute pattern, with forward slashes. */
  readonly absolute: string;
  /** Tests an absolute path with forward slashes. */
  readonly regexp: RegExp;
  /** Tests whether a path is a match or lies inside one (for exclusions: ignoring a folder ignores its files). */
  readonly covers: RegExp;
  /** The deepest folder of the pattern with no wildcard in it: every match lies under it. */
  readonly base: string;
  /** How many folders below {@link base} a match can lie; undefined when `**` makes it unbounded. */
  readonly depth: number | undefined;
  /** True when the pattern has no wildcard: it names exactly one path. */
  readonly literal: boolean;
}

const SPECIAL = /[*?{\\]/;

/**
 * Compiles `pattern` (relative ones are resolved against `dir`).
 * On Windows, backslashes are separators; elsewhere they escape the next character.
 */
export function compileGlob(pattern: string, dir: string, platform: NodeJS.Platform = process.platform): Glob {
  const windows = platform === "win32";
  const slashed = windows ? pattern.replaceAll("\\", "/") : pattern;
  const absolute = isAbsoluteGlob(slashed, windows) ? slashed : joinGlob(toSlash(dir, windows), slashed);
  const segments = absolute.split("/");
  let first = segments.findIndex((segment) => SPECIAL.test(segment));
  const literal = first < 0;
  if (literal) first = segments.length - 1;
  const base = segments.slice(0, first).join("/") || "/";
  const rest = segments.slice(first);
  // A brace holding a `/` spans folders, so its depth is not the number of segments left.
  const unbounded = rest.some((segment) => segment.includes("**")) || /\{[^}]*\//.test(rest.join("/"));
  return {
    pattern,
    absolute,
    regexp: globToRegExp(absolute, windows),
    covers: globToRegExp(absolute, windows, true),
    base: windows && /^[A-Za-z]:$/.test(base) ? `${base}/` : base,
    depth: unbounded ? undefined : rest.length - 1,
    literal,
  };
}

/** A glob that matches exactly `path` (its wildcard characters escaped; Windows has no escapes). */
export function escapeGlob(path: string, platform: NodeJS.Platform = process.platform): string {
  return platform === "win32" ? path : path.replace(/[*?{}\\]/g, "\\$&");
}

/** True when `path` (any separators) is matched by `glob`. */
export function matchesGlob(glob: Glob, path: string): boolean {
  return glob.regexp.test(path.replaceAll("\\", "/"));
}

/** True when `path` is matched by one of `globs`, or lies inside a folder that is. */
export function coveredBy(globs: readonly Glob[], path: string): boolean {
  const slashed = path.replaceAll("\\", "/");
  return globs.some((glob) => glob.covers.test(slashed));
}

/**
 * The regular expression for a glob with forward slashes, anchored at both ends. With `subtree`
 * it also matches every path below a match. Windows globs match case-insensitively, as its file
 * systems do, and take no escapes.
 */
export function globToRegExp(glob: string, windows: boolean = false, subtree: boolean = false): RegExp {
  const body = translate(glob, windows);
  return new RegExp(`^${body}${subtree ? "(?:/.*)?" : ""}$`, windows ? "i" : "");
}

function translate(glob: string, windows: boolean): string {
  const closers = matchingBraces(glob, windows);
  const open: number[] = [];
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === "\\" && !windows && i + 1 < glob.length) {
      out += escape(glob[++i]!);
    } else if (char === "*") {
      if (glob[i + 1] === "*") {
        const before = i === 0 ? "/" : glob[i - 1]!;
        let end = i + 2;
        while (glob[end] === "*") end++;
        const after = glob[end];
        const wholeSegment = "/{,".includes(before) && (after === undefined || "/},".includes(after));
        if (wholeSegment && after === "/") {
          out += "(?:.*/)?";
          i = end; // the slash belongs to the `**/`
          continue;
        }
        i = end - 1;
        out += wholeSegment ? ".*" : "[^/]*";
      } else {
        out += "[^/]*";
      }
    } else if (char === "?") {
      out += "[^/]";
    } else if (char === "{" && closers.has(i)) {
      open.push(closers.get(i)!);
      out += "(?:";
    } else if (char === "}" && open.at(-1) === i) {
      open.pop();
      out += ")";
    } else if (char === "," && open.length > 0) {
      out += "|";
    } else {
      out += escape(char);
    }
  }
  return out;
}

/** Opening brace index → its closing brace index, for braces that are closed (others are literal). */
function matchingBraces(glob: string, windows: boolean): Map<number, number> {
  const pairs = new Map<number, number>();
  const stack: number[] = [];
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === "\\" && !windows) i++;
    else if (char === "{") stack.push(i);
    else if (char === "}" && stack.length > 0) pairs.set(stack.pop()!, i);
  }
  return pairs;
}

function escape(char: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(char) ? `\\${char}` : char;
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
