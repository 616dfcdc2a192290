/**
 * require() of an ES module that hotload replaced or pruned. Node's require() finds an ES module by
 * its file name: in require.cache, and on a miss under the plain file URL in its ES module loader,
 * whatever version the resolve hook named (`importSyncForRequire` in
 * lib/internal/modules/esm/loader.js, Node 22 to 26). That hands back the first instance of the
 * file (start-up's, disposed since), never the file as it is now; nor can such a require() wait
 * for a new version at an update's gate (it is synchronous, so it never gets one).
 *
 * So the file gets an update of its own, queued right after: it imports a true new version, puts
 * it in require.cache (see commonjs.ts) and evaluates again what required the old instance.
 */

/** What this needs of the module records (see registry.ts). */
export interface RequiredRecords {
  get(id: string): { readonly file: string } | undefined;
  /** What `id` runs is not known: whatever its file holds counts as a change. */
  runsUnknown(id: string): void;
}

/** The files to look at for `id`, an ES module whose plain instance a require() got (see request.ts, `look`). */
export function requiredAgain(id: string, records: RequiredRecords, settle: () => void): readonly string[] {
  // The load that led here is still queued: the record is made or updated once it is applied.
  settle();
  const record = records.get(id);
  // What runs is not what the file holds now: whatever it holds counts as a change.
  if (record) records.runsUnknown(id);
  return record ? [record.file] : [];
}

/**
 * ES modules pruned while in require.cache keep their entry there: a later require() can get an
 * instance only from there (or Node's first one, above), never a new version, and a module that
 * CommonJS code requires lazily (inside a function) is pruned by every update of its requirer. The
 * content each such instance runs is kept, so that a require() of it again can tell whether the
 * file changed since: if so, the file gets an update of its own; if not, the instance just runs.
 */
export class ParkedModules {
  readonly #seen = new Map<string, string | Buffer | undefined>();

  /**
   * `id` is pruned. Returns whether its require.cache entry stays: an ES module (`format`) that
   * has one (`cached`), whose instance runs `seen`.
   */
  park(id: string, format: string | undefined, cached: boolean, seen: string | Buffer | undefined): boolean {
    if (!cached || (format !== "module" && format !== "module-typescript")) return false;
    this.#seen.set(id, seen);
    return true;
  }

  /** A require() got the parked instance of `id` again: what it runs; undefined when not parked. */
  take(id: string): { readonly seen: string | Buffer | undefined } | undefined {
    if (!this.#seen.has(id)) return undefined;
    const seen = this.#seen.get(id);
    this.#seen.delete(id);
    return { seen };
  }
}
