/**
 * The main module, as a program asks about it. Node answers from the instance
 * it loaded first: `import.meta.main` is true, and `require.main` / `process.mainModule` is the
 * module object, only there. An in-place update that re-runs the entry evaluates another instance,
 * which the runtime imports, never Node as the program: `if (require.main === module) listen()`
 * would skip its server, and the program would stop serving after its first save. A restart runs
 * the edited entry as the main module; so does hotload.
 */

/**
 * Which module is the program's entry: the first hot module resolved with no parent (Node's main
 * entry, in each thread: a worker's entry is its thread's main module, `import.meta.main` there too).
 * `--import` modules resolve from the working directory's URL, require() and import() from their
 * caller: none of them comes first without a parent.
 */
export class MainModule {
  #id: string | undefined;

  /** Module `id` was resolved for `parentURL` (undefined: for no module). */
  resolved(id: string, parentURL: string | undefined): void {
    if (parentURL === undefined) this.#id ??= id;
  }

  /** The program's entry, once Node resolved it. */
  get id(): string | undefined {
    return this.#id;
  }

  /** Whether `id` (a module identity, without version) is the program's entry. */
  is(id: string): boolean {
    return id === this.#id;
  }
}

/**
 * Makes `process.mainModule` (and with it the `require.main` of every module compiled from now on,
 * which Node copies from it) the module that require.cache holds for the main module's file: a new
 * version of a CommonJS entry is in require.cache before its code (and its `require`) is made, so
 * `require.main === module` holds there, as after a restart. Called before a new version of the
 * entry loads; only the first call changes anything (it is a getter from then on), and a program
 * that assigns `process.mainModule` itself gets what it assigned. Node sets `process.mainModule`
 * only while it loads the entry, which is over by then.
 */
export function followMainModule(cache: NodeJS.Dict<NodeJS.Module>): void {
  const own = Object.getOwnPropertyDescriptor(process, "mainModule");
  const first = own?.value as NodeJS.Module | undefined;
  // Not a CommonJS entry (an ES module's process.mainModule is undefined), or followed already.
  if (own === undefined || !("value" in own) || first === undefined || typeof first.filename !== "string") return;
  const file = first.filename;
  let last = first;
  Object.defineProperty(process, "mainModule", {
    configurable: true,
    enumerable: own.enumerable ?? true,
    // Between an old version's removal and the new one's load, the last one still answers.
    get: () => (last = cache[file] ?? last),
    set: (value: unknown) =>
      Object.defineProperty(process, "mainModule", { value, writable: true, configurable: true, enumerable: own.enumerable ?? true }),
  });
}
