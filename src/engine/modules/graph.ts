/**
 * The module graph: which module imports which. Keys are module URLs without the version query
 * (see shared/urls.ts). Pure data: no file system, no timers, no globals.
 */
import { HotloadError } from "../../shared/errors.js";

interface ModuleNode {
  /** Identity: the module URL without a version. */
  readonly url: string;
  /** Hot modules are versioned, watched and re-imported; others only record that they import one. */
  readonly hot: boolean;
  /** Loaded as a program entry (no importer: the main module, `--import`, an import from outside). */
  entry: boolean;
  /** Modules this one imports (static, re-exports, dynamic, JSON, `addDependency`). */
  readonly imports: Set<string>;
  /** Modules that import this one. Always the mirror of `imports`. */
  readonly importers: Set<string>;
}

const EMPTY: ReadonlySet<string> = new Set();

/** Importers and imports of every known module; edges are kept mirrored. */
export class ModuleGraph {
  readonly #nodes = new Map<string, ModuleNode>();

  get(url: string): ModuleNode | undefined {
    return this.#nodes.get(url);
  }

  /** Every node, in insertion order. */
  nodes(): IterableIterator<ModuleNode> {
    return this.#nodes.values();
  }

  get size(): number {
    return this.#nodes.size;
  }

  /** The node for `url`, created when missing. */
  ensure(url: string, hot: boolean): ModuleNode {
    let node = this.#nodes.get(url);
    if (!node) {
      node = { url, hot, entry: false, imports: new Set(), importers: new Set() };
      this.#nodes.set(url, node);
    }
    return node;
  }

  /** Records that `from` imports `to` (both must exist). */
  addEdge(from: string, to: string): void {
    if (from === to) return;
    const a = this.#nodes.get(from);
    const b = this.#nodes.get(to);
    if (!a || !b) throw new HotloadError("internal", `graph: edge between unknown modules ${from} -> ${to}`);
    a.imports.add(to);
    b.importers.add(from);
  }

  /**
   * Removes every import of `url` (a new version is about to declare its own) and returns the old
   * set, so that a failed update can put it back with {@link restoreImports}.
   */
  clearImports(url: string): ReadonlySet<string> {
    const node = this.#nodes.get(url);
    if (!node || node.imports.size === 0) return EMPTY;
    const old = new Set(node.imports);
    for (const dep of old) this.#nodes.get(dep)?.importers.delete(url);
    node.imports.clear();
    return old;
  }

  /** Replaces the imports of `url` with `imports` (roll-back of {@link clearImports}). */
  restoreImports(url: string, imports: ReadonlySet<string>): void {
    this.clearImports(url);
    for (const dep of imports) if (this.#nodes.has(dep)) this.addEdge(url, dep);
  }

  /** Removes `url` and every edge touching it. */
  delete(url: string): void {
    const node = this.#nodes.get(url);
    if (!node) return;
    for (const dep of node.imports) this.#nodes.get(dep)?.importers.delete(url);
    for (const parent of node.importers) this.#nodes.get(parent)?.imports.delete(url);
    this.#nodes.delete(url);
  }

  /**
   * Among `candidates` and everything they import, the hot modules that no entry and no non-hot
   * module reaches any more, in the order they were found. The walk only looks upwards from the
   * candidates, so its cost follows the changed part of the graph, not its size.
   */
  unreachable(candidates: Iterable<string>): string[] {
    const rooted = new Map<string, boolean>();
    const isRooted = (start: string): boolean => {
      const known = rooted.get(start);
      if (known !== undefined) return known;
      // Walk importers upwards; reaching an entry or a non-hot importer keeps the module.
      const seen = new Set<string>([start]);
      const stack = [start];
      let found = false;
      while (stack.length > 0 && !found) {
        const node = this.#nodes.get(stack.pop()!);
        if (!node) continue;
        if (node.entry || !node.hot || rooted.get(node.url) === true) {
          found = true;
          break;
        }
        for (const parent of node.importers) {
          // Already known to be cut off: its importers were all walked.
          if (rooted.get(parent) === false) continue;
          if (!seen.has(parent)) {
            seen.add(parent);
            stack.push(parent);
          }
        }
      }
      // Every module seen shares the answer when it is "unreachable"; only the start is certain
      // when it is "reachable" (a sibling branch may have been cut).
      if (found) rooted.set(start, true);
      else for (const url of seen) rooted.set(url, false);
      return found;
    };
    const out: string[] = [];
    const visited = new Set<string>();
    const queue = [...candidates];
    for (let head = 0; head < queue.length; head++) {
      const url = queue[head]!;
      if (visited.has(url)) continue;
      visited.add(url);
      const node = this.#nodes.get(url);
      if (!node || !node.hot || isRooted(url)) continue;
      out.push(url);
      for (const dep of node.imports) queue.push(dep);
    }
    return out;
  }

  /**
   * The modules of `within` that `roots` reach through imports, in the order Node evaluates them:
   * depth first, imports in the order they were resolved (source order), each module after its
   * imports. Iterative, so deep graphs cannot overflow the stack.
   */
  evaluationOrder(roots: Iterable<string>, within: ReadonlySet<string>): string[] {
    const order: string[] = [];
    const seen = new Set<string>();
    for (const root of roots) {
      if (!within.has(root) || seen.has(root)) continue;
      seen.add(root);
      const stack: [string, Iterator<string>][] = [[root, this.#nodes.get(root)?.imports.values() ?? [].values()]];
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const next = top[1].next();
        if (next.done) {
          order.push(top[0]);
          stack.pop();
        } else if (within.has(next.value) && !seen.has(next.value)) {
          seen.add(next.value);
          stack.push([next.value, this.#nodes.get(next.value)?.imports.values() ?? [].values()]);
        }
      }
    }
    return order;
  }
}
