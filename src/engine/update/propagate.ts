/**
 * From changed modules up the importers to the modules that accept the change. Pure: it reads the
 * graph and the accept state through {@link PropagationView} and returns either the plan of an
 * update or the dead end that makes one impossible. Like Vite's `propagateUpdate`, a dead end is a
 * returned value, not an exception.
 */

/** What propagation needs to know about modules. */
export interface PropagationView {
  importers(url: string): Iterable<string>;
  /** Whether `url` is a hot module (non-hot importers cannot be updated). */
  isHot(url: string): boolean;
  /** Whether `url` was loaded as a program entry: reaching it without a boundary is a dead end. */
  isEntry(url: string): boolean;
  /** Whether the module called `accept()` or `accept(cb)` on itself. */
  acceptsSelf(url: string): boolean;
  /** Whether `importer` called `accept(dep, cb)` (or an array containing `dep`). */
  acceptsDep(importer: string, dep: string): boolean;
  declined(url: string): boolean;
  /**
   * Whether `importer` uses only exports of `dep` that `dep` accepts with `acceptExports` (Vite's
   * partial self-accept); undefined or false: it must be updated. Left out: nothing is partial.
   */
  importsOnlyAccepted?(importer: string, dep: string): boolean;
  /** Whether the module called `acceptExports` (see {@link importsOnlyAccepted}). */
  acceptsExports?(url: string): boolean;
  /**
   * Modules that must be evaluated again whenever `url` is, as if they had changed too (their
   * importers are walked like theirs): modules that hold what `url`'s old version made. Left out:
   * none.
   */
  reevaluatedWith?(url: string): Iterable<string>;
}

/** A module that takes the update: it re-imports itself, or the dependencies it accepts. */
export interface Boundary {
  readonly url: string;
  /** True when the module accepts itself: its new version is imported. */
  readonly self: boolean;
  /** Changed dependencies it accepts: their new versions are imported, the boundary is not. */
  readonly deps: readonly string[];
}

/** The update can be applied. */
export interface UpdatePlan {
  readonly kind: "update";
  /** Modules that take the update, in the order they were reached. */
  readonly boundaries: readonly Boundary[];
  /** Modules that get a new version: the changed ones and everything up to the boundaries. */
  readonly invalidated: readonly string[];
}

/** The update cannot be applied in place: a restart is needed. */
interface DeadEnd {
  readonly kind: "dead-end";
  /** No boundary on some path to an entry, or a module on the path declined updates. */
  readonly reason: "unaccepted" | "declined";
  /** The changed module whose propagation failed. */
  readonly changed: string;
  /** From the changed module up to the module where propagation stopped. */
  readonly chain: readonly string[];
}

export type Propagation = UpdatePlan | DeadEnd;

/**
 * Plans the update of `changed`. Modules in `invalidatedSelf` (those that called
 * `invalidate()`) are treated as not accepting themselves, so the update goes to their importers.
 *
 * Just over 80 lines, kept whole on purpose: the walk and its helpers share the boundaries and
 * parent links of one plan as closures; split into module functions they would pass all of it.
 */
export function propagate(changed: Iterable<string>, view: PropagationView, invalidatedSelf: ReadonlySet<string> = new Set()): Propagation {
  const boundaries = new Map<string, { self: boolean; deps: string[] }>();
  const invalidated = new Set<string>();

  const addBoundary = (url: string, dep: string | undefined): void => {
    let entry = boundaries.get(url);
    if (!entry) {
      entry = { self: false, deps: [] };
      boundaries.set(url, entry);
    }
    if (dep === undefined) entry.self = true;
    else if (!entry.deps.includes(dep)) entry.deps.push(dep);
  };

  // Depth-first walk with an explicit stack; chains are rebuilt from parent links only for a
  // dead end, so long chains cost linear time.
  const parent = new Map<string, string | undefined>();
  const chainTo = (url: string): string[] => {
    const chain: string[] = [];
    for (let at: string | undefined = url; at !== undefined; at = parent.get(at)) chain.push(at);
    return chain.reverse();
  };
  const walk = (start: string): DeadEnd | undefined => {
    if (!parent.has(start)) parent.set(start, undefined);
    const stack: string[] = [start];
    while (stack.length > 0) {
      const url = stack.pop()!;
      if (view.declined(url)) return { kind: "dead-end", reason: "declined", changed: start, chain: chainTo(url) };
      if (invalidated.has(url)) continue;
      invalidated.add(url);
      for (const more of view.reevaluatedWith?.(url) ?? []) {
        if (invalidated.has(more)) continue;
        if (!parent.has(more)) parent.set(more, url);
        stack.push(more);
      }
      if (view.acceptsSelf(url) && !invalidatedSelf.has(url)) {
        addBoundary(url, undefined);
        continue;
      }
      // Partly self-accepting (acceptExports): it takes the update itself, and only importers
      // that use exports it does not accept go on. With no importer it is a boundary (Vite).
      const partial = !invalidatedSelf.has(url) && view.acceptsExports?.(url) === true;
      if (partial) addBoundary(url, undefined);
      else if (view.isEntry(url)) return { kind: "dead-end", reason: "unaccepted", changed: start, chain: chainTo(url) };
      let importers = 0;
      const next: string[] = [];
      for (const importer of view.importers(url)) {
        importers++;
        // An importer that accepts the module hears of the update first, as in Vite: its callback
        // runs and its bindings are updated even when it uses only exports the module accepts.
        if (view.isHot(importer) && view.acceptsDep(importer, url) && !view.declined(importer)) {
          addBoundary(importer, url);
          continue;
        }
        if (partial && view.importsOnlyAccepted?.(importer, url) === true) continue;
        if (!view.isHot(importer)) {
          return { kind: "dead-end", reason: "unaccepted", changed: start, chain: chainTo(url).concat(importer) };
        }
        if (!parent.has(importer)) parent.set(importer, url);
        next.push(importer);
      }
      if (importers === 0 && !partial) return { kind: "dead-end", reason: "unaccepted", changed: start, chain: chainTo(url) };
      // Reverse so that importers are visited in their natural order.
      for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!);
    }
    return undefined;
  };

  const first = [...changed];
  for (const url of first) {
    const dead = walk(url);
    if (dead) return dead;
  }
  // Only possible through a cycle that no entry reaches: nothing would run the new code.
  if (boundaries.size === 0 && first.length > 0) {
    return { kind: "dead-end", reason: "unaccepted", changed: first[0]!, chain: [first[0]!] };
  }

  return {
    kind: "update",
    boundaries: [...boundaries].map(([url, b]) => ({ url, self: b.self, deps: b.deps })),
    invalidated: [...invalidated],
  };
}

/**
 * The roots of an update, the modules it import()s to run its new versions: self-accepting
 * boundaries, and the dependencies other boundaries accept. `invalidated` are the
 * modules the update re-evaluates; `invalidator` the module that called invalidate(), if one did:
 * it is not re-evaluated, but its importers' callbacks need its (current) namespace, and import()
 * of its current version just returns it.
 */
export function updateRoots(boundaries: readonly Boundary[], invalidated: readonly string[], invalidator: string | undefined): string[] {
  const reevaluated = new Set(invalidated);
  const imported = new Set(invalidated);
  if (invalidator !== undefined) imported.add(invalidator);
  const roots = new Set<string>();
  for (const b of boundaries) {
    if (b.self) roots.add(b.url);
    // A boundary that is itself re-evaluated imports its dependencies' new versions anyway.
    // (Assets are never accepted, see the runtime's propagation view.)
    else if (!reevaluated.has(b.url)) for (const dep of b.deps) if (imported.has(dep)) roots.add(dep);
  }
  return [...roots];
}
