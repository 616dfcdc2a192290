/**
 * Chains of invalidations. A module's accept callback may call `import.meta.hot.invalidate()`,
 * which starts an update of its importers, whose callbacks may invalidate again. In a cycle of
 * imports that never ends (Vite's test "invalidate in circular dep should not trigger infinite
 * HMR"): each update carries the modules that invalidated on the way to it, and one whose
 * boundary is among them has come back to where it started.
 */
import type { Boundary } from "./propagate.js";

/** The modules that invalidated themselves, in order, in one chain of updates. */
export type InvalidationChain = readonly string[];

/** The chain after `url` invalidated itself while an update of `chain` ran its callbacks. */
export function extendChain(chain: InvalidationChain | undefined, url: string): InvalidationChain {
  return [...(chain ?? []), url];
}

/**
 * The boundary of a planned update that already invalidated itself in `chain` (the update would
 * run its callback again, and round the cycle for ever), or undefined.
 */
export function cameBack(chain: InvalidationChain | undefined, boundaries: readonly Boundary[]): string | undefined {
  if (chain === undefined || chain.length === 0) return undefined;
  return boundaries.find((b) => chain.includes(b.url))?.url;
}
