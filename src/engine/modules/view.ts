/**
 * What propagation sees of the engine (propagate.ts's PropagationView): importers from the graph,
 * and what each module's current version registered with `import.meta.hot`.
 */
import { importedForSideEffects, importsOnlyAccepted, mutatesImport, reExports } from "../../source/bindings.js";
import { registrations } from "../hot/hot.js";
import type { PropagationView } from "../update/propagate.js";
import type { ModuleRegistry } from "./registry.js";
import type { HookTracker } from "./tracker.js";

/** The propagation view of the engine, and whether an entry updates in place. */
interface EngineView {
  readonly view: PropagationView;
  /** In place (see inplace/): an entry with no accept() or decline() updates as if it accepted itself. */
  acceptsInPlace(url: string): boolean;
}

/** The view over `tracker`'s graph and `registry`'s contexts; `inPlace`: whether in-place updates are on. */
export function engineView(tracker: HookTracker, registry: ModuleRegistry, inPlace: boolean): EngineView {
  const mutates = bySource(mutatesImport);
  const forwards = bySource(reExports);
  const forSideEffects = bySource(importedForSideEffects);
  const acceptsInPlace = (url: string): boolean => {
    if (!inPlace || !tracker.graph.get(url)?.entry) return false;
    const context = registry.current(url);
    if (context === undefined) return true;
    const r = registrations(context);
    return !r.selfAccept && !r.declined && r.depAccepts.length === 0;
  };
  const view: PropagationView = {
    importers: (url) => tracker.graph.get(url)?.importers ?? [],
    isHot: (url) => tracker.graph.get(url)?.hot ?? false,
    isEntry: (url) => tracker.graph.get(url)?.entry ?? false,
    acceptsSelf: (url) => {
      const context = registry.current(url);
      return (context !== undefined && registrations(context).selfAccept) || acceptsInPlace(url);
    },
    acceptsDep: (importer, dep) => {
      // A template or SQL file cannot be imported: its importer must run again.
      if (registry.get(dep)?.kind === "asset") return false;
      const context = registry.current(importer);
      return context !== undefined && registrations(context).depAccepts.some((a) => a.deps.includes(dep));
    },
    declined: (url) => {
      const context = registry.current(url);
      return context !== undefined && registrations(context).declined;
    },
    acceptsExports: (url) => {
      const context = registry.current(url);
      return context !== undefined && registrations(context).acceptedExports !== undefined;
    },
    importsOnlyAccepted: (importer, dep) => {
      const context = registry.current(dep);
      const accepted = context && registrations(context).acceptedExports;
      return accepted !== undefined && importsOnlyAccepted(registry.get(importer)?.seen, importer, registry.get(dep)?.seen, dep, accepted);
    },
    reevaluatedWith: (url) => (inPlace ? reevaluatedInPlace(url) : []),
  };
  /**
   * In place, the program must see what a restart would show:
   * - an entry that imports back a module that imports it (a cycle) runs again with that module:
   *   the module holds the old entry's bindings (its `config`);
   * - a module imported for its side effects alone (`import "./routes/users.mjs"`), by an importer
   *   that does not accept it, mutates what it imports (`app.get("/users", …)` on a kept `app`):
   *   the project modules it imports are made again, and with them everything that imports them;
   * - an entry that runs again changes again what it changed in the project modules it imports
   *   (`app.get("/", …)` on a kept `app`): those are made again too, as a restart makes them, and
   *   through an index file that re-exports a binding, the module it comes from.
   */
  const reevaluatedInPlace = (url: string): string[] => {
    const node = tracker.graph.get(url);
    if (!node) return [];
    const also: string[] = [];
    if (acceptsInPlace(url)) {
      const reached = reachable(tracker.graph, url);
      for (const importer of node.importers) if (reached.has(importer)) also.push(importer);
      const source = registry.get(url)?.seen;
      const changed = also.length;
      for (const dep of node.imports) if (view.isHot(dep) && !also.includes(dep) && mutates(source, url, dep)) also.push(dep);
      reExported(also, changed, url, (through, dep) => view.isHot(dep) && forwards(registry.get(through)?.seen, through, dep), tracker);
    }
    const bySideEffect = [...node.importers].some((importer) => {
      if (!view.isHot(importer) || view.acceptsDep(importer, url)) return false;
      return forSideEffects(registry.get(importer)?.seen, importer, url);
    });
    if (bySideEffect) for (const dep of node.imports) if (view.isHot(dep) && !also.includes(dep)) also.push(dep);
    return also;
  };
  return { view, acceptsInPlace };
}

/**
 * Adds to `also`, for each module in it from `from` on (those an entry changes), the project modules
 * it re-exports (`forwards`), and theirs: what is changed through an index file lives further down.
 */
function reExported(
  also: string[],
  from: number,
  entry: string,
  forwards: (through: string, dep: string) => boolean,
  tracker: HookTracker,
): void {
  for (let at = from; at < also.length; at++) {
    const through = also[at]!;
    for (const dep of tracker.graph.get(through)?.imports ?? [])
      if (dep !== entry && !also.includes(dep) && forwards(through, dep)) also.push(dep);
  }
}

/** A question about what a module's source does with one of its imports (pure: text and URLs only). */
type SourceQuestion = (source: string | Buffer | undefined, importer: string, dep: string) => boolean;

/** How many sources {@link bySource} keeps answers for. */
const SOURCES_KEPT = 64;

/**
 * `ask`, with its answers kept by the source's text: an entry that runs again in place at each
 * save is asked the same of the same text each time (a lex and a scan per import: 0.3 ms of an
 * Express app's 2 ms update, measured). Keeps the texts of the last {@link SOURCES_KEPT} sources.
 */
function bySource(ask: SourceQuestion): SourceQuestion {
  const answers = new Map<string, Map<string, boolean>>();
  return (source, importer, dep) => {
    if (source === undefined) return ask(source, importer, dep);
    const text = source.toString();
    let known = answers.get(text);
    if (known === undefined) {
      if (answers.size >= SOURCES_KEPT) answers.delete(answers.keys().next().value!);
      answers.set(text, (known = new Map()));
    }
    const key = `${importer}\n${dep}`;
    let answer = known.get(key);
    if (answer === undefined) known.set(key, (answer = ask(text, importer, dep)));
    return answer;
  };
}

/** The hot modules `from` imports, directly or not. */
function reachable(graph: HookTracker["graph"], from: string): Set<string> {
  const reached = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    for (const dep of graph.get(stack.pop()!)?.imports ?? []) {
      if (reached.has(dep) || !graph.get(dep)?.hot) continue;
      reached.add(dep);
      stack.push(dep);
    }
  }
  return reached;
}
