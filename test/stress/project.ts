/**
 * The generated project of the torture test: which modules exist and how they import and accept
 * each other (a {@link ProjectSpec}, drawn from a seed), the source text of any version of a module
 * (a {@link Content}), and the static questions the test asks about the graph: which modules an
 * update of a file re-evaluates, and which files a dropped export breaks.
 *
 * Every module version stores the token written in its source under its own URL as it finishes
 * evaluating (fixtures/stress-torture/app.mjs reads them), so "the running version is the content
 * on disk" is a string comparison. The source text of a version is made in render.ts.
 *
 * Besides ES modules and JSON the project holds CommonJS modules (two in one folder requiring the
 * same file, a require chain under an accepting ES module, require() of an ES module), a typeless
 * `.js` file whose versions switch between CommonJS and ESM syntax, `.ts` files (Node's type
 * stripping), a cycle whose modules call invalidate() in their accept handlers, and versions whose
 * dispose handler never settles. {@link KNOWN_OPEN} switches off what still hits known bugs.
 */
import type { Random } from "./random.js";

/**
 * The operation kinds and parts of the project that hit bugs still open in issue 10, by item
 * number: the torture test leaves them out (never draws the operation, never edits the files) so
 * that it stays green until they are fixed. Remove an entry once its fix is merged; the test
 * then covers it on every seed.
 */
export const KNOWN_OPEN: readonly Feature[] = [];

/** What this run leaves out: {@link KNOWN_OPEN}, unless HOTLOAD_STRESS_OPEN says otherwise. */
export const LEFT_OUT: ReadonlySet<Feature> = new Set(openFromEnv());

/**
 * HOTLOAD_STRESS_OPEN overrides the list for one run: `none` turns everything on (to try a fix
 * before removing its entry), or a comma-separated list of features.
 */
function openFromEnv(): readonly Feature[] {
  const raw = process.env["HOTLOAD_STRESS_OPEN"];
  if (raw === undefined || raw.trim() === "") return KNOWN_OPEN;
  if (raw.trim() === "none") return [];
  const all: readonly Feature[] = [
    "cjs-shared-require",
    "cjs-requirer-edit",
    "require-esm",
    "js-syntax-switch",
    "hanging-handler",
    "cycle-invalidate",
  ];
  return raw.split(",").map((part) => {
    const feature = part.trim() as Feature;
    if (!all.includes(feature))
      throw new Error(`HOTLOAD_STRESS_OPEN: no feature ${JSON.stringify(part)} (known: ${all.join(", ")}, or none)`);
    return feature;
  });
}

/** What {@link KNOWN_OPEN} can list. */
export type Feature =
  "cjs-shared-require" | "cjs-requirer-edit" | "require-esm" | "js-syntax-switch" | "hanging-handler" | "cycle-invalidate";

/**
 * The files whose edits reach a feature's bug; while the feature is open, no operation touches
 * them (they still load, and the fresh-run oracle still compares what they see).
 */
export const FEATURE_FILES: Readonly<Record<Exclude<Feature, "hanging-handler" | "js-syntax-switch">, readonly string[]>> = {
  "cjs-shared-require": ["ku.cjs"],
  // Each requires another file.
  "cjs-requirer-edit": ["ka.cjs", "kb.cjs", "kc.cjs"],
  "require-esm": ["ke.cjs", "kf.mjs"],
  "cycle-invalidate": ["v0.mjs", "v1.mjs"],
};

/** How a file is written and loaded: by its extension (a `.js` file by the syntax of its version). */
export type Format = "esm" | "ts" | "cjs" | "js" | "json";

/** How a module takes part in updates. */
export type Role = "self" | "deps" | "plain";

/** One file of the generated project (a module, or the JSON file). */
export interface ModuleSpec {
  /** File name inside gen/. */
  readonly name: string;
  readonly json: boolean;
  readonly format: Format;
  /** Calls `import.meta.hot.invalidate()` in its self-accept handler (the cycle v0.mjs, v1.mjs). */
  readonly invalidates: boolean;
  readonly role: Role;
  /** Static `import { value as iN } from "./dep"`. */
  readonly imports: readonly string[];
  /** For role `deps`: the imports it accepts with `accept([...], cb)`. */
  readonly accepts: readonly string[];
  /** Top-level `await import("./dep")`. */
  readonly dynamic: readonly string[];
  /** `import data from "./x.json" with { type: "json" }`; the module reports the JSON's token. */
  readonly jsonImport: string | undefined;
  /** A static import present only in contents with `optional: true` (its target gets pruned). */
  readonly optional: string | undefined;
  /** Listens to hotload:beforeUpdate (the harness counts how often each module hears it). */
  readonly listener: boolean;
  /**
   * Part of the worker thread: wk.mjs starts it, wmain.mjs is its entry, wdep.mjs what the entry
   * imports. Only good versions are written to these (a broken one would end the worker).
   */
  readonly worker: boolean;
}

/** The whole generated project. */
export interface ProjectSpec {
  /** Every file, `index.mjs` first. */
  readonly modules: readonly ModuleSpec[];
}

/** What makes a version of a module fail to load. */
export type Fault = "syntax" | "throw" | "link";

/** One version of a file's text. */
export interface Content {
  /** Written into the source; the running version reports it. */
  readonly token: string;
  readonly fault?: Fault | undefined;
  /** Which syntax error, which throw, which line-1 layout. */
  readonly variant: number;
  /** Its namespace makes a self-accepting module's accept handler throw. */
  readonly throwAccept?: boolean | undefined;
  /** Its dispose handler throws when it is replaced. */
  readonly throwDispose?: boolean | undefined;
  /** Its prune handler throws when it is pruned. */
  readonly throwPrune?: boolean | undefined;
  /** Prints `EVALSTART <name> <token>` and busy-waits while evaluating (to save during an update). */
  readonly slowMs?: number | undefined;
  /** For the module with an optional import: whether this version has it. */
  readonly optional?: boolean | undefined;
  /** For a typeless `.js` file: the syntax of this version (CommonJS by default). */
  readonly syntax?: "cjs" | "esm" | undefined;
  /** Its dispose handler returns a promise that never settles. */
  readonly hang?: boolean | undefined;
  /** Extra comment lines: versions differ in length. */
  readonly padding: number;
  readonly crlf?: boolean | undefined;
}

/** The module that imports {@link OPTIONAL} only in some of its versions. */
export const OPTIONAL = "opt.mjs";
/** The JSON file. */
export const JSON_FILE = "data.json";
/** The files of the worker thread (see {@link ModuleSpec.worker}); wmain.mjs is its entry. */
export const WORKER_FILES: readonly string[] = ["wk.mjs", "wmain.mjs", "wdep.mjs"];
/** The module that is only imported dynamically. */
export const LAZY = "lazy.mjs";

/**
 * Draws a project: index.mjs imports four roots (self-accepting, accepting its dependencies,
 * plain, self-accepting with a dynamic import), which import ten middle modules, which import six
 * leaves; c0.mjs and c1.mjs import each other; one middle module imports data.json, one imports
 * opt.mjs in some versions only. Every file has an accept boundary above it (at worst the harness,
 * which accepts index.mjs).
 */
export function generateProject(random: Random): ProjectSpec {
  // The last middle module and the last leaf are TypeScript (type stripping).
  const mids = Array.from({ length: 10 }, (_, i) => `m${String(i).padStart(2, "0")}.${i === 9 ? "ts" : "mjs"}`);
  const leaves = Array.from({ length: 6 }, (_, i) => `l${i}.${i === 5 ? "ts" : "mjs"}`);
  const draft = new Map<
    string,
    { role: Role; imports: string[]; accepts: string[]; dynamic: string[]; jsonImport?: string; optional?: string; listener: boolean }
  >();
  const add = (
    name: string,
    role: Role,
    imports: string[],
    extra: { accepts?: string[]; dynamic?: string[]; listener?: boolean } = {},
  ): void => {
    draft.set(name, { role, imports, accepts: extra.accepts ?? [], dynamic: extra.dynamic ?? [], listener: extra.listener ?? false });
  };
  const somePick = (from: readonly string[], min: number, max: number): string[] =>
    random.shuffle(from).slice(0, Math.min(from.length, random.range(min, max)));

  add("index.mjs", "plain", ["r0.mjs", "r1.mjs", "r2.mjs", "r3.mjs", "r4.mjs", "r5.mjs"]);
  add("r0.mjs", "self", somePick(mids, 2, 3), { listener: true });
  const r1 = somePick(mids, 2, 3);
  add("r1.mjs", "deps", r1, { accepts: r1 });
  add("r2.mjs", "plain", [...somePick(mids, 1, 2), "c0.mjs"]);
  add("r3.mjs", "self", somePick(mids, 1, 2), { dynamic: [LAZY], listener: random.chance(0.5) });
  mids.forEach((name, i) => {
    const below = [...mids.slice(i + 1), ...leaves];
    const imports = somePick(below, 1, 3);
    const role = random.weighted({ self: 3, deps: 1.5, plain: 5.5 } as Record<Role, number>);
    const accepts = role === "deps" ? [random.pick(imports)] : [];
    add(name, role, imports, { accepts, listener: random.chance(0.2) });
  });
  add("c0.mjs", random.chance(0.5) ? "self" : "plain", ["c1.mjs", random.pick(leaves)]);
  add("c1.mjs", "plain", ["c0.mjs"]);
  for (const leaf of leaves) add(leaf, random.chance(0.3) ? "self" : "plain", []);
  add(LAZY, "plain", [random.pick(leaves)]);
  add(OPTIONAL, "plain", []);
  // CommonJS: ka.cjs (self-accepting) and kb.cjs both require ./ku.cjs; ke.cjs requires an ES
  // module; r5.mjs imports kg.cjs; the typeless sw.js switches syntax; the cycle v0.mjs <-> v1.mjs
  // invalidates itself.
  add("r4.mjs", "self", ["ka.cjs", "kb.cjs", "ke.cjs", "sw.js", "v0.mjs", "wk.mjs", random.pick(leaves)], { listener: random.chance(0.5) });
  // A worker thread: wk.mjs starts it on wmain.mjs, which imports wdep.mjs (hot in the worker).
  add("wk.mjs", "self", []);
  add("wmain.mjs", "self", ["wdep.mjs"]);
  add("wdep.mjs", "plain", []);
  add("ka.cjs", "self", ["ku.cjs"]);
  add("kb.cjs", "plain", ["ku.cjs"]);
  add("ku.cjs", "plain", []);
  add("ke.cjs", "plain", ["kf.mjs"]);
  add("kf.mjs", "plain", []);
  // Requires nothing: its syntax switch is item 7, apart from the CommonJS edges of items 1 and 2.
  add("sw.js", random.chance(0.3) ? "self" : "plain", []);
  add("kg.cjs", "plain", []);
  add("v0.mjs", "self", ["v1.mjs"]);
  add("v1.mjs", "self", ["v0.mjs"]);
  // A require chain under an ES module that accepts its head.
  add("r5.mjs", "deps", ["kc.cjs", "kg.cjs", random.pick(mids)], { accepts: ["kc.cjs"] });
  add("kc.cjs", "plain", ["kd.cjs"]);
  add("kd.cjs", "plain", []);

  // Every middle module and leaf needs an importer: give the orphans one above them.
  const imported = new Set([...draft.values()].flatMap((m) => [...m.imports, ...m.dynamic]));
  for (const name of [...mids, ...leaves]) {
    if (imported.has(name)) continue;
    const above = name.startsWith("m") ? ["r0.mjs", "r2.mjs", ...mids.slice(0, mids.indexOf(name))] : ["r2.mjs", ...mids];
    draft.get(random.pick(above))!.imports.push(name);
    imported.add(name);
  }
  // One middle module reads the JSON file, another imports opt.mjs in some versions.
  const [jsonUser, host] = random.shuffle(mids);
  draft.get(jsonUser!)!.jsonImport = JSON_FILE;
  draft.get(host!)!.optional = OPTIONAL;

  const modules: ModuleSpec[] = [...draft].map(([name, m]) => ({
    name,
    json: false,
    format: formatOf(name),
    invalidates: name === "v0.mjs" || name === "v1.mjs",
    role: m.role,
    imports: m.imports,
    accepts: m.accepts,
    dynamic: m.dynamic,
    jsonImport: m.jsonImport,
    optional: m.optional,
    listener: m.listener,
    worker: WORKER_FILES.includes(name),
  }));
  modules.push({
    name: JSON_FILE,
    json: true,
    format: "json",
    invalidates: false,
    role: "plain",
    imports: [],
    accepts: [],
    dynamic: [],
    jsonImport: undefined,
    optional: undefined,
    listener: false,
    worker: false,
  });
  return { modules };
}

/** A file's format from its extension. */
export function formatOf(name: string): Format {
  if (name.endsWith(".json")) return "json";
  if (name.endsWith(".cjs")) return "cjs";
  if (name.endsWith(".js")) return "js";
  return name.endsWith(".ts") ? "ts" : "esm";
}

/** Whether operations may touch `file` in this run (not while a feature it belongs to is left out). */
export function editable(file: string, open: ReadonlySet<Feature> = LEFT_OUT): boolean {
  return !Object.entries(FEATURE_FILES).some(([feature, files]) => open.has(feature as Feature) && files.includes(file));
}

/** Graph questions about a {@link ProjectSpec}. */
export class ProjectGraph {
  readonly spec: ProjectSpec;
  readonly #byName: Map<string, ModuleSpec>;
  readonly #importers = new Map<string, string[]>();

  constructor(spec: ProjectSpec) {
    this.spec = spec;
    this.#byName = new Map(spec.modules.map((m) => [m.name, m]));
    for (const m of spec.modules) {
      for (const dep of this.deps(m.name)) {
        let list = this.#importers.get(dep);
        if (!list) this.#importers.set(dep, (list = []));
        list.push(m.name);
      }
    }
  }

  get(name: string): ModuleSpec {
    const m = this.#byName.get(name);
    if (!m) throw new Error(`no module ${name} in the generated project`);
    return m;
  }

  /** Every file the module loads: static, dynamic, JSON and optional imports. */
  deps(name: string): string[] {
    const m = this.get(name);
    return [...m.imports, ...m.dynamic, ...(m.jsonImport ? [m.jsonImport] : []), ...(m.optional ? [m.optional] : [])];
  }

  importers(name: string): readonly string[] {
    return this.#importers.get(name) ?? [];
  }

  /**
   * The modules an update of `name` evaluates again (docs/updates.md): up the
   * importers, stopping at a self-accepting module (included) or at an importer that accepts
   * the module (not included). The harness accepts index.mjs.
   */
  updateSet(name: string): Set<string> {
    const out = new Set<string>();
    const stack = [name];
    while (stack.length > 0) {
      const at = stack.pop()!;
      if (out.has(at)) continue;
      out.add(at);
      if (this.get(at).role === "self") continue;
      for (const importer of this.importers(at)) {
        if (this.get(importer).accepts.includes(at)) continue;
        stack.push(importer);
      }
    }
    return out;
  }

  /**
   * Whether a version of `name` without its `value` export fails to link: some importer that
   * binds `value` is evaluated again by the update. (A self-accepting module's new version is
   * imported alone, and an importer that accepts it only gets the new namespace: no link error.)
   */
  linkBreakable(name: string): boolean {
    const m = this.get(name);
    // Only ES modules link by name (an ESM importer of CommonJS takes its default export), and only
    // an ES importer links: require() of an ES module (kf.mjs from ke.cjs) gets its namespace,
    // whatever it exports, so a dropped export there breaks nothing.
    const linksByName = (format: Format): boolean => format === "esm" || format === "ts";
    if (m.json || m.role === "self" || !linksByName(m.format)) return false;
    return this.importers(name).some((importer) => {
      const i = this.get(importer);
      return linksByName(i.format) && (i.imports.includes(name) || i.optional === name) && !i.accepts.includes(name);
    });
  }
}
