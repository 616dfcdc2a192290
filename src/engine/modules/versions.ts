/**
 * Which version of each hot module imports resolve to now. The URL of a version
 * (`?hotload=N`) is written and read by src/shared/urls.ts.
 */

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
