/**
 * Which project module a timer, listener or server belongs to: the module whose code is running
 * when it is created, read from the call stack at that moment (the innermost frame in a hot file).
 *
 * Why the stack and not AsyncLocalStorage: a module's top-level code and the callbacks it defines
 * are always on the stack when they create something, so the stack attributes start-up code
 * (which no async context was entered for) and callbacks alike, exactly, with no cost on the
 * promises and I/O that create nothing. It costs one stack capture (a few µs) per creation,
 * paid only while in-place updates are on. A callback chain that runs entirely in a package
 * (no project frame) is attributed to nobody, and is never stopped: the safe side.
 */
import { pathToFileURL } from "node:url";
import { stripVersion } from "../shared/urls.js";

/** Frames looked at first (the cost grows with them), then, when those name nobody, enough to get
 * through a framework's `listen()` to its caller. */
const NEAR_FRAMES = 8;
const FAR_FRAMES = 40;

/** Answers, for a module URL without version, whether it is a project module (hot). */
export interface OwnerScope {
  isHot(url: string): boolean;
  /** hotload's own files: a stack that reaches them first is hotload's, not the user's. */
  isOwn(url: string): boolean;
}

/** A function that names the module creating something now (undefined: none, or hotload). */
export type OwnerOf = () => string | undefined;

/** The two ways of attributing (see {@link ownerFinder}). */
export interface OwnerFinders {
  /** The innermost project module on the stack, through packages (`app.listen()` in Express). */
  readonly owner: OwnerOf;
  /** The module that calls directly (through `node:events` only): what a package or Node itself
   * registers on `process` (signal-exit, tty's SIGWINCH) is theirs, whoever called them. */
  readonly caller: OwnerOf;
}

/** A frame's part in attribution: a project module's id, or why it is not one. */
type Frame = string | typeof SKIP | typeof OWN | typeof OTHER;
const SKIP = 0;
const OWN = 1;
const OTHER = 2;

/**
 * The attribution functions for `scope`. Frames of this folder (the wrappers that call them) are
 * skipped; a frame of hotload's own code ends the search (hotload's own timers are never the
 * user's, whoever is below them on the stack).
 */
export function ownerFinder(scope: OwnerScope): OwnerFinders {
  const frames = new Map<string, Frame>();
  const here = new URL(".", import.meta.url).href;
  const frameOf = (site: NodeJS.CallSite, direct: boolean): Frame => {
    const script = site.getFileName();
    if (!script) return OTHER;
    if (script.startsWith("node:")) return direct && script === "node:events" ? SKIP : OTHER;
    let frame = frames.get(script);
    if (frame !== undefined) return frame;
    const url = script.startsWith("/") ? pathToFileURL(script).href : script;
    if (url.startsWith(here)) frame = SKIP;
    else if (scope.isOwn(url)) frame = OWN;
    else frame = scope.isHot(stripVersion(url)) ? stripVersion(url) : OTHER;
    frames.set(script, frame);
    return frame;
  };
  /** The owner among `sites`: a module id, OWN for hotload's, OTHER for nobody, SKIP: look further. */
  const among = (sites: readonly NodeJS.CallSite[], direct: boolean): Frame => {
    for (const site of sites) {
      const frame = frameOf(site, direct);
      if (frame === SKIP || (frame === OTHER && !direct)) continue;
      return frame;
    }
    return SKIP;
  };
  const find = (direct: boolean, above: Function): string | undefined => {
    const near = callSites(NEAR_FRAMES, above);
    let frame = among(near, direct);
    if (frame === SKIP && near.length === NEAR_FRAMES) frame = among(callSites(FAR_FRAMES, above).slice(NEAR_FRAMES), direct);
    return typeof frame === "string" ? frame : undefined;
  };
  const owner = (): string | undefined => find(false, owner);
  const caller = (): string | undefined => find(true, caller);
  return { owner, caller };
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
