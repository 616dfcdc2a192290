/**
 * The roots of an update: the modules it import()s to run its new versions. Pure.
 */
import type { Boundary } from "./propagate.js";

/**
 * Self-accepting boundaries, and the dependencies other boundaries accept. `invalidated` are the
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
