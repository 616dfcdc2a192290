/**
 * Which modules are hot: `file:` URLs of the user's project. Builtins, `data:` URLs, anything
 * under a `node_modules` folder, and hotload's own code pass through untouched.
 *
 * `HOTLOAD_IGNORE` adds exclusions: a comma-separated list of files or folders (absolute, or
 * relative to the working directory); every file at or below one of them is left cold.
 */
import { resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { hotloadEnv, type HotloadEnv } from "../../shared/env.js";

/** Decides, per module URL (without version), whether it is hot. */
export class Scope {
  readonly #excluded: readonly string[];
  readonly #own: string;
  /** The same exclusions as exact URLs, for entries that name a file. */
  readonly #files: ReadonlySet<string>;

  /** `ownCode` is hotload's own code folder (never hot); `ignore` the user's extra exclusions. */
  constructor(ownCode: string, ignore: readonly string[] = []) {
    const paths = [ownCode, ...ignore.map((p) => resolve(p))];
    this.#excluded = paths.map((path) => pathToFileURL(path.endsWith(sep) ? path : path + sep).href);
    this.#files = new Set(paths.map((path) => pathToFileURL(path).href));
    this.#own = this.#excluded[0]!;
  }

  /** True for hotload's own files (their imports are not the user's). */
  isOwn(url: string): boolean {
    return url.startsWith(this.#own);
  }

  /** The scope described by the environment (`HOTLOAD_IGNORE`). */
  static fromEnv(ownCode: string, env: HotloadEnv = hotloadEnv()): Scope {
    return new Scope(ownCode, env.ignore);
  }

  /** True for a hot module URL. Called on every resolve and load: kept to string tests. */
  isHot(url: string): boolean {
    if (!url.startsWith("file:")) return false;
    if (url.includes("/node_modules/")) return false;
    for (const prefix of this.#excluded) if (url.startsWith(prefix)) return false;
    return !this.#files.has(url);
  }
}

const POSIX = process.platform !== "win32";

/** The file path of a `file:` URL without query or fragment. Called once per module at load. */
export function fileOf(url: string): string {
  const end = url.search(/[?#]/);
  const plain = end < 0 ? url : url.slice(0, end);
  // fileURLToPath builds a URL object (~8 µs); a plain posix file URL is its path after "file://".
  if (POSIX && plain.startsWith("file:///") && !plain.includes("%")) return plain.slice(7);
  return fileURLToPath(plain);
}
