/**
 * What propagation sees of the engine (propagate.ts's PropagationView): importers from the graph,
 * and what each module's current version registered with `import.meta.hot`.
 */
import { importsOnlyAccepted } from "../source/bindings.js";
import { registrations } from "./hot.js";
import type { PropagationView } from "./propagate.js";
import type { ModuleRegistry } from "./registry.js";
import type { HookTracker } from "./tracker.js";

/** The propagation view of the engine, and whether an entry updates in place. */
export interface EngineView {
  readonly view: PropagationView;
  /** In place (see inplace/): an entry with no accept() or decline() updates as if it accepted itself. */
  acceptsInPlace(url: string): boolean;
}

/** The view over `tracker`'s graph and `registry`'s contexts; `inPlace`: whether in-place updates are on. */
export function engineView(tracker: HookTracker, registry: ModuleRegistry, inPlace: boolean): EngineView {
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
  };
  return { view, acceptsInPlace };
}
