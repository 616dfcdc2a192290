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
import { stripVersion } from "../versions.js";

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

/**
 * The attribution function for `scope`. Frames of this folder (the wrappers that call it) are
 * skipped; the first frame that is hotload's own code ends the search (hotload's own timers are
 * never the user's, whoever is below them on the stack).
 */
export function ownerFinder(scope: OwnerScope): OwnerOf {
  const ids = new Map<string, string | null>();
  const here = new URL(".", import.meta.url).href;
  const idOf = (script: string): string | null => {
    let id = ids.get(script);
    if (id !== undefined) return id;
    const url = script.startsWith("/") ? pathToFileURL(script).href : script;
    if (url.startsWith(here)) id = null;
    else if (scope.isOwn(url)) id = "";
    else id = scope.isHot(stripVersion(url)) ? stripVersion(url) : null;
    ids.set(script, id);
    return id;
  };
  /** The owner among `sites`: a module id, "" for hotload's own code, null for none of them. */
  const among = (sites: readonly NodeJS.CallSite[]): string | null => {
    for (const site of sites) {
      const script = site.getFileName();
      if (!script || script.startsWith("node:")) continue;
      const id = idOf(script);
      if (id !== null) return id;
    }
    return null;
  };
  const ownerOf = (): string | undefined => {
    const near = callSites(NEAR_FRAMES, ownerOf);
    let id = among(near);
    if (id === null && near.length === NEAR_FRAMES) id = among(callSites(FAR_FRAMES, ownerOf).slice(NEAR_FRAMES));
    return id === null || id === "" ? undefined : id;
  };
  return ownerOf;
}

const holder: { stack?: unknown } = {};

/**
 * The structured call sites above `above`, at most `frames` of them. V8's API rather than
 * util.getCallSites(): measured 2-3 times cheaper, since no frame is turned into text. The global
 * settings it borrows are put back before anything else can run.
 */
function callSites(frames: number, above: Function): NodeJS.CallSite[] {
  const { prepareStackTrace, stackTraceLimit } = Error;
  Error.prepareStackTrace = (_, sites) => sites;
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
