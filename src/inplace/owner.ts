/**
 * Which project module a timer, listener, server or child process belongs to: the module *version*
 * whose evaluation is running when it is created, or whose callback is, read from the call stack
 * at that moment.
 *
 * - During a module's evaluation (its top-level code, also after a top-level `await`), what it
 *   sets up is its own, wherever the call that sets it up is: in its own code, in a kept helper
 *   module it calls (`startServer(app)` in `lib/server.mjs`), or in a package. The innermost
 *   module body on the stack names it: an ES module importing another evaluates it on its own,
 *   and a CommonJS module's `require()` evaluates the required one above its own body.
 * - Later, in a callback (a timer, an event, a promise continuation), it is the module whose
 *   function the event loop or a package called: the outermost project frame, above hotload's
 *   own code.
 *
 * Why the stack and not AsyncLocalStorage: a module's top-level code and the callbacks it defines
 * are always on the stack when they create something, so the stack attributes start-up code
 * (which no async context was entered for) and callbacks alike, exactly, with no cost on the
 * promises and I/O that create nothing. An async context would also follow a listening socket
 * into the version that took it over, and name the old one. It costs one or two stack captures
 * (a few µs) per creation, paid only while in-place updates are on. A callback chain that runs
 * entirely in a package (no project frame) is attributed to nobody, and is never stopped: the
 * safe side.
 */
import { pathToFileURL } from "node:url";
import { stripVersion } from "../shared/urls.js";

/** Frames looked at first (the cost grows with them); then, once they name a project module or
 * none yet, the whole stack up to this many: through a framework's `listen()`, and down to the
 * module body or the callback that runs it all. */
const NEAR_FRAMES = 8;
const ALL_FRAMES = 50;

/** Answers, for a module URL without version, whether it is a project module (hot). */
export interface OwnerScope {
  isHot(url: string): boolean;
  /** hotload's own files: a stack that reaches them first is hotload's, not the user's. */
  isOwn(url: string): boolean;
}

/** A function that names the module creating something now (undefined: none, or hotload). */
export type OwnerOf = () => string | undefined;

/** The ways of attributing (see {@link ownerFinder}). */
export interface OwnerFinders {
  /** The owner, through packages (`app.listen()` in Express calls `listen()` for its caller). */
  readonly owner: OwnerOf;
  /** The owner when a project module calls directly (through `node:events` only): what a package
   * or Node itself registers on `process` (signal-exit, tty's SIGWINCH) or times (undici's
   * clock) is theirs, whoever called them. */
  readonly caller: OwnerOf;
  /** The module whose evaluation (top-level code) is running now, when a project module calls
   * through Node's own modules only (`cluster.fork()` reaches `child_process` through Node's
   * cluster); undefined in a callback, and for what a package does (esbuild's service process). */
  readonly evaluating: OwnerOf;
}

/** Which frames between the wrapper and the project module calling it are passed through. */
type Through = "packages" | "events" | "node";

/** A frame's part in attribution: a project module's id, or why it is not one. */
type Frame = string | typeof SKIP | typeof OWN | typeof OTHER;
const SKIP = 0;
const OWN = 1;
const OTHER = 2;
/** What {@link ownerFinder}'s search finds instead of a frame's index. */
const NOBODY = -1;
const NOT_SEEN = -2;

/**
 * The attribution functions for `scope`. Frames of this folder (the wrappers that call them) are
 * skipped; a frame of hotload's own code ends the search (hotload's own timers are never the
 * user's, and what a dispose handler or accept callback hotload calls sets up is that
 * callback's module's, not that of whatever is below hotload on the stack).
 */
export function ownerFinder(scope: OwnerScope): OwnerFinders {
  const frames = new Map<string, Frame>();
  const here = new URL(".", import.meta.url).href;
  const frameOf = (site: NodeJS.CallSite, through: Through): Frame => {
    const script = site.getFileName();
    if (!script) return OTHER;
    if (script.startsWith("node:")) return through === "node" || (through === "events" && script === "node:events") ? SKIP : OTHER;
    // Keyed by module, not version: one entry per version would keep every version's URL. (A
    // path is a CommonJS module's: its versions share it.)
    const key = script.startsWith("file:") ? stripVersion(script) : script;
    let frame = frames.get(key);
    if (frame !== undefined) return frame;
    const url = key.startsWith("/") ? pathToFileURL(key).href : key;
    if (url.startsWith(here)) frame = SKIP;
    else if (scope.isOwn(url)) frame = OWN;
    else frame = scope.isHot(url) ? url : OTHER;
    frames.set(key, frame);
    return frame;
  };
  /** Where the innermost project frame is in `sites`: its index, NOBODY when hotload's code or
   * (unless `through` packages) anything but a project module comes first, or NOT_SEEN. */
  const first = (sites: readonly NodeJS.CallSite[], through: Through): number => {
    for (let at = 0; at < sites.length; at++) {
      const frame = frameOf(sites[at]!, through);
      if (frame === SKIP || (frame === OTHER && through === "packages")) continue;
      return typeof frame === "string" ? at : NOBODY;
    }
    return NOT_SEEN;
  };
  /** From the innermost project frame at `from` outwards: the module body nearest to it, else (unless
   * `bodyOnly`) the outermost project frame before hotload's own code. */
  const version = (sites: readonly NodeJS.CallSite[], from: number, bodyOnly: boolean): string | undefined => {
    let outermost = frameOf(sites[from]!, "packages") as string;
    for (let at = from; at < sites.length; at++) {
      const site = sites[at]!;
      const frame = frameOf(site, "packages");
      if (frame === OWN) break;
      if (typeof frame !== "string") continue;
      if (isModuleBody(site)) return frame;
      outermost = frame;
    }
    return bodyOnly ? undefined : outermost;
  };
  const find = (through: Through, above: Function, bodyOnly = false): string | undefined => {
    let sites = callSites(NEAR_FRAMES, above);
    let at = first(sites, through);
    if (at === NOT_SEEN && sites.length === NEAR_FRAMES) {
      sites = callSites(ALL_FRAMES, above);
      at = first(sites, through);
    } else if (at >= 0 && sites.length === NEAR_FRAMES) {
      // The stack goes on: the body or callback below may be another module's.
      sites = callSites(ALL_FRAMES, above);
    }
    return at >= 0 ? version(sites, at, bodyOnly) : undefined;
  };
  const owner = (): string | undefined => find("packages", owner);
  const caller = (): string | undefined => find("events", caller);
  const evaluating = (): string | undefined => find("node", evaluating, true);
  return { owner, caller, evaluating };
}

/**
 * Whether `site` is a module's top-level code: an ES module's body, or the function Node wraps
 * a CommonJS module in. Both are the only nameless functions that start at line 1, column 1.
 */
function isModuleBody(site: NodeJS.CallSite): boolean {
  return site.getEnclosingColumnNumber() === 1 && site.getEnclosingLineNumber() === 1 && site.getFunctionName() === null;
}

const holder: { stack?: unknown } = {};

/**
 * V8's call sites as they are. Marked, so that loader/call-sites.ts does not name them by their
 * files first (frameOf strips the version itself; naming costs a call per frame).
 */
const sitesAsTheyAre = Object.assign((_: Error, sites: NodeJS.CallSite[]) => sites, { [Symbol.for("hotload.callSites.asTheyAre")]: true });

/**
 * The structured call sites above `above`, at most `frames` of them. V8's API rather than
 * util.getCallSites(): measured 2-3 times cheaper, since no frame is turned into text. The global
 * settings it borrows are put back before anything else can run.
 */
function callSites(frames: number, above: Function): NodeJS.CallSite[] {
  const { prepareStackTrace, stackTraceLimit } = Error;
  Error.prepareStackTrace = sitesAsTheyAre;
  Error.stackTraceLimit = frames;
  try {
    Error.captureStackTrace(holder, above);
    return holder.stack as NodeJS.CallSite[];
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
    holder.stack = undefined;
  }
}
