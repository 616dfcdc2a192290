/**
 * The version query. A hot module's first load keeps its plain URL (so `import.meta.url`,
 * `import.meta.filename` and the main-module check behave as without hotload); every later
 * version loads as `file:///…/dep.mjs?hotload=N`. This file is the only one that knows the format.
 */

const PARAM = "hotload";
const MARK = `${PARAM}=`;
/** Fresh instances (importFresh) are `?hotload=fK`: never the live program's versions. */
const FRESH = "f";

/** A URL split into the module's identity and the version it names. */
export interface VersionedUrl {
  /** The URL without the version parameter: the module's identity in the graph. */
  readonly url: string;
  /** 0 for the plain URL (first load), N for `?hotload=N`. */
  readonly version: number;
  /** K for a fresh instance (`?hotload=fK`, made by importFresh), else 0. */
  readonly fresh: number;
}

/** `url` at `version` (0 gives the plain URL). `url` must not carry a version already. */
export function withVersion(url: string, version: number): string {
  if (version === 0) return url;
  return withParam(url, String(version));
}

/** `url` as a member of fresh instance set `k` (see importFresh in api.ts). */
export function withFresh(url: string, k: number): string {
  return withParam(url, `${FRESH}${k}`);
}

function withParam(url: string, value: string): string {
  const hash = url.indexOf("#");
  const base = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? "" : url.slice(hash);
  const join = base.includes("?") ? "&" : "?";
  return `${base}${join}${MARK}${value}${fragment}`;
}

/** Splits a URL into identity and version. Cheap on URLs without a query. */
export function parseVersion(url: string): VersionedUrl {
  const query = url.indexOf("?");
  if (query < 0) return { url, version: 0, fresh: 0 };
  let at = url.indexOf(MARK, query);
  while (at >= 0 && url[at - 1] !== "?" && url[at - 1] !== "&") at = url.indexOf(MARK, at + 1);
  if (at < 0) return { url, version: 0, fresh: 0 };
  const fresh = url.startsWith(FRESH, at + MARK.length);
  const digits = at + MARK.length + (fresh ? FRESH.length : 0);
  let end = digits;
  while (end < url.length && url.charCodeAt(end) >= 48 && url.charCodeAt(end) <= 57) end++;
  const number = Number(url.slice(digits, end));
  // Drop "hotload=N" and the separator that belongs to it, keeping any other query intact.
  const before = url.slice(0, at - 1);
  const after = url.slice(end);
  const rest = url[at - 1] === "?" && after.startsWith("&") ? `?${after.slice(1)}` : after;
  return { url: before + rest, version: fresh ? 0 : number, fresh: fresh ? number : 0 };
}

/** The module identity of a possibly versioned URL. */
export function stripVersion(url: string): string {
  return parseVersion(url).url;
}

/**
 * Current version of every hot module, and the counter that hands out new ones. A failed update
 * rolls a module back to its previous version, but never reuses a number: Node keeps the failed
 * instance under that URL forever.
 */
export class VersionTable {
  readonly #current = new Map<string, number>();
  readonly #issued = new Map<string, number>();

  /** The version that imports of `url` resolve to now. */
  current(url: string): number {
    return this.#current.get(url) ?? 0;
  }

  /** Issues a new, never used version for `url`, makes it current and returns it. */
  bump(url: string): number {
    const next = (this.#issued.get(url) ?? 0) + 1;
    this.#issued.set(url, next);
    this.#current.set(url, next);
    return next;
  }

  /** Makes `version` current again (roll-back after a failed update). */
  restore(url: string, version: number): void {
    if (version === 0) this.#current.delete(url);
    else this.#current.set(url, version);
  }
}
