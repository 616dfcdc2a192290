/**
 * Every URL hotload makes up, and the comment that names a module by URL: the only file that
 * knows their formats (as dynohot keeps its own in one specifier module). Nothing else builds or
 * takes apart such a URL by hand.
 *
 * - Versions: a hot module's first load keeps its plain URL; every later version loads as
 *   `file:///…/dep.mjs?hotload=N`, a fresh instance (importFresh) as `?hotload=fK`. The program
 *   never sees these: `import.meta.url` is the file's (engine/hot/contexts.ts), and call sites name
 *   the file (loader/call-sites.ts).
 * - Generated `data:` modules, each recognisable by its start: the binding of the statement that
 *   gives a module `import.meta.hot` (source/inject.ts), an update's gate (engine/update/gate.ts), a
 *   live-binding module (source/live.ts), the one module that imports the roots of an update
 *   together (the runtime), and the one that compiles the program without running it
 *   (engine/failure/startup-error.ts). They reach the runtime through the global slot {@link RUNTIME_SLOT}.
 * - `//# sourceURL=`: names a version by its file's URL for stack traces and debuggers.
 */

/** The global slot through which generated and transformed modules reach the runtime (same thread). */
export const RUNTIME_SLOT = "hotload.runtime";

/** The runtime, as an expression in generated code (`globalThis` is never shadowed there). */
export const RUNTIME_IN_CODE: string = `globalThis[Symbol.for(${JSON.stringify(RUNTIME_SLOT)})]`;

// ---- Versions ----

const PARAM = "hotload";
const MARK = `${PARAM}=`;
/** Fresh instances (importFresh) are `?hotload=fK`: never the live program's versions. */
const FRESH = "f";

/** A URL split into the module's identity and the version it names. */
interface VersionedUrl {
  /** The URL without the version parameter: the module's identity in the graph. */
  readonly url: string;
  /** 0 for the plain URL (first load), N for `?hotload=N`. */
  readonly version: number;
  /** K for a fresh instance (`?hotload=fK`, made by importFresh), else 0. */
  readonly fresh: number;
}

/** `url` at `version` (0 gives the plain URL). `url` must not carry a version already. */
export function withVersion(url: string, version: number): string {
  if (version === 0) return url;
  return withParam(url, String(version));
}

/** `url` as a member of fresh instance set `k` (see importFresh in api.ts). */
export function withFresh(url: string, k: number): string {
  return withParam(url, `${FRESH}${k}`);
}

function withParam(url: string, value: string): string {
  const hash = url.indexOf("#");
  const base = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? "" : url.slice(hash);
  const join = base.includes("?") ? "&" : "?";
  return `${base}${join}${MARK}${value}${fragment}`;
}

/** Splits a URL into identity and version. Cheap on URLs without a query. */
export function parseVersion(url: string): VersionedUrl {
  const query = url.indexOf("?");
  if (query < 0) return { url, version: 0, fresh: 0 };
  let at = url.indexOf(MARK, query);
  while (at >= 0 && url[at - 1] !== "?" && url[at - 1] !== "&") at = url.indexOf(MARK, at + 1);
  if (at < 0) return { url, version: 0, fresh: 0 };
  const fresh = url.startsWith(FRESH, at + MARK.length);
  const digits = at + MARK.length + (fresh ? FRESH.length : 0);
  let end = digits;
  while (end < url.length && url.charCodeAt(end) >= 48 && url.charCodeAt(end) <= 57) end++;
  const number = Number(url.slice(digits, end));
  // Drop "hotload=N" and the separator that belongs to it, keeping any other query intact.
  const before = url.slice(0, at - 1);
  const after = url.slice(end);
  const rest = url[at - 1] === "?" && after.startsWith("&") ? `?${after.slice(1)}` : after;
  return { url: before + rest, version: fresh ? 0 : number, fresh: fresh ? number : 0 };
}

/** The module identity of a possibly versioned URL. */
export function stripVersion(url: string): string {
  return parseVersion(url).url;
}

// ---- Generated modules ----

const DATA = "data:text/javascript,";

function dataUrl(code: string): string {
  return `${DATA}${encodeURIComponent(code)}`;
}

/** The module whose `hot` export a transformed module's line 1 calls (see source/inject.ts). */
export const HOT_BINDING_URL: string = dataUrl(`export const hot=(meta)=>${RUNTIME_IN_CODE}.hot(meta);`);

/** The module every new ES module version of update `id` imports, and that waits there (see engine/update/gate.ts). */
export function gateUrl(id: number): string {
  return dataUrl(`await ${RUNTIME_IN_CODE}.gate(${id});`);
}

/** Every live-binding module's URL starts so; its source follows (see source/live.ts). */
export const LIVE_PREFIX: string = dataUrl("/*hotload:live*/");

/**
 * The URL of a live-binding module whose `source` starts with its importer's URL as a JSON string
 * statement (read back by {@link liveImporterOf}).
 */
export function liveUrl(source: string): string {
  return LIVE_PREFIX + encodeURIComponent(source);
}

/**
 * The importer a live-binding module stands for, when `url` is one (undefined otherwise): its
 * imports are resolved as the importer's, so that every resolver (tsx, conditions, import maps of
 * loaders) answers as for the import that was rewritten, and the graph gets the importer's edge.
 */
export function liveImporterOf(url: string | undefined): string | undefined {
  if (url === undefined || !url.startsWith(LIVE_PREFIX)) return undefined;
  let text: string;
  try {
    text = decodeURIComponent(url.slice(LIVE_PREFIX.length));
  } catch {
    return undefined;
  }
  const quoted = /^"(?:[^"\\]|\\.)*"/.exec(text);
  return quoted ? (JSON.parse(quoted[0]) as string) : undefined;
}

/** Every roots module's URL starts so (see {@link rootsUrl}). */
const ROOTS_PREFIX: string = dataUrl("/* hotload: the roots of an update */");

/**
 * One module that imports every URL of `urls` (the ES roots of an update), so that a link error
 * anywhere fails the whole import before anything evaluates. One URL is imported as itself.
 */
export function rootsUrl(urls: readonly string[]): string {
  if (urls.length === 1) return urls[0]!;
  const code =
    urls.map((url, i) => `import * as r${i} from ${JSON.stringify(url)};`).join("") +
    `export { ${urls.map((_, i) => `r${i}`).join(", ")} };`;
  return `${ROOTS_PREFIX}${encodeURIComponent(code)}`;
}

/** The namespace of root `i` of `count` in what importing {@link rootsUrl} gave. */
export function rootNamespace(imported: Record<string, unknown>, i: number, count: number): Record<string, unknown> {
  return count === 1 ? imported : (imported[`r${i}`] as Record<string, unknown>);
}

/** Whether `url` is a module made by {@link rootsUrl} (its imports are not edges of the graph). */
export function isRootsUrl(url: string): boolean {
  return url.startsWith(ROOTS_PREFIX);
}

/** What the first import of a {@link unrunUrl} module throws. */
export const UNRUN: symbol = Symbol.for("hotload.unrun");

/**
 * A module that imports `url` after a module that throws {@link UNRUN}: importing it loads,
 * compiles and links `url` and everything it imports, and runs none of it (a module's imports
 * evaluate in order, and the first one throws). See engine/failure/startup-error.ts.
 */
export function unrunUrl(url: string): string {
  const thrower = dataUrl(`throw Symbol.for(${JSON.stringify("hotload.unrun")});`);
  return dataUrl(`import ${JSON.stringify(thrower)};import ${JSON.stringify(url)};`);
}

/** Marks a module compiled again as written, under a URL no cached job of Node holds. */
const AS_WRITTEN = "hotload-as-written";

/**
 * `url` under another URL than Node's module cache knows, for the start-up retry (see
 * engine/failure/startup-error.ts): a module that compiled keeps its job in that cache, along
 * with hotload's edits and, on Node 22, the failure of its imports.
 */
export function asWrittenUrl(url: string): string {
  const hash = url.indexOf("#");
  const base = hash < 0 ? url : url.slice(0, hash);
  return `${base}${base.includes("?") ? "&" : "?"}${AS_WRITTEN}${hash < 0 ? "" : url.slice(hash)}`;
}

/** `text` (an error's stack or message) naming every {@link asWrittenUrl} as its file's URL. */
export function withoutAsWritten(text: string): string {
  return text.replaceAll(`?${AS_WRITTEN}&`, "?").replaceAll(`?${AS_WRITTEN}`, "").replaceAll(`&${AS_WRITTEN}`, "");
}

// ---- Names in stack traces ----

/**
 * The comment, on a line of its own, that makes stack traces, debuggers, profilers and coverage
 * name a version loaded under another URL by `url`, its file's URL.
 */
export function sourceUrlComment(url: string): string {
  // Encoded: a comment ends at a line break, and V8 takes the name up to the first space.
  return `\n//# sourceURL=${url.replace(/[\s]/g, encodeURIComponent)}`;
}
