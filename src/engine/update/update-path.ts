/**
 * The update path, loaded on demand.
 *
 * Start-up pays for every module hotload imports before the program's first line runs, and a
 * program that is never edited never needs propagation, the gate, blame or failure reports. So
 * they load as one dynamic import: before the first update runs (the runtime awaits
 * {@link loadUpdatePath} as each update is queued), or in idle time a while after start-up
 * ({@link preloadUpdatePath}), so that the first save does not pay for it either.
 */
import { HotloadError } from "../../shared/errors.js";

/** The modules of the update path (see update-modules.ts). */
type UpdatePath = typeof import("./update-modules.js");

let loaded: UpdatePath | undefined;
let loading: Promise<UpdatePath> | undefined;

/** Loads the update path once; resolves at once when it is loaded. */
export function loadUpdatePath(): Promise<UpdatePath> {
  loading ??= import("./update-modules.js").then((modules) => (loaded = modules));
  return loading;
}

/** The loaded update path. Only for code that runs after {@link loadUpdatePath} resolved. */
export function updatePath(): UpdatePath {
  if (loaded === undefined) throw new HotloadError("internal", "internal error: the update path was used before it was loaded");
  return loaded;
}

/**
 * Loads the update path `delayMs` after now, without keeping the process alive for it: late
 * enough to be after the start-up of most programs, early enough to be before their first save.
 */
export function preloadUpdatePath(delayMs: number): void {
  setTimeout(() => void loadUpdatePath().catch(() => undefined), delayMs).unref();
}
