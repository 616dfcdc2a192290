/**
 * The generated project of the torture test: which modules exist and how they import and accept
 * each other (a {@link ProjectSpec}, drawn from a seed), the source text of any version of a module
 * (a {@link Content}), and the static questions the test asks about the graph: which modules an
 * update of a file re-evaluates, and which files a dropped export breaks.
 *
 * Every module version stores the token written in its source under its own URL as it finishes
 * evaluating (fixtures/stress-torture/app.mjs reads them), so "the running version is the content
 * on disk" is a string comparison.
 */
import type { Random } from "./random.js";

/** How a module takes part in updates. */
export type Role = "self" | "deps" | "plain";

/** One file of the generated project (a module, or the JSON file). */
export interface ModuleSpec {
  /** File name inside gen/. */
  readonly name: string;
  readonly json: boolean;
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
  /** Extra comment lines: versions differ in length. */
  readonly padding: number;
  readonly crlf?: boolean | undefined;
}

/** The module that imports {@link OPTIONAL} only in some of its versions. */
export const OPTIONAL = "opt.mjs";
/** The JSON file. */
export const JSON_FILE = "data.json";
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
  const mids = Array.from({ length: 10 }, (_, i) => `m${String(i).padStart(2, "0")}.mjs`);
  const leaves = Array.from({ length: 6 }, (_, i) => `l${i}.mjs`);
  const cycle = ["c0.mjs", "c1.mjs"];
  const draft = new Map<string, { role: Role; imports: string[]; accepts: string[]; dynamic: string[]; jsonImport?: string; optional?: string; listener: boolean }>();
  const add = (name: string, role: Role, imports: string[], extra: { accepts?: string[]; dynamic?: string[]; listener?: boolean } = {}): void => {
    draft.set(name, { role, imports, accepts: extra.accepts ?? [], dynamic: extra.dynamic ?? [], listener: extra.listener ?? false });
  };
  const somePick = (from: readonly string[], min: number, max: number): string[] =>
    random.shuffle(from).slice(0, Math.min(from.length, random.range(min, max)));

  add("index.mjs", "plain", ["r0.mjs", "r1.mjs", "r2.mjs", "r3.mjs"]);
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
    role: m.role,
    imports: m.imports,
    accepts: m.accepts,
    dynamic: m.dynamic,
    jsonImport: m.jsonImport,
    optional: m.optional,
    listener: m.listener,
  }));
  modules.push({ name: JSON_FILE, json: true, role: "plain", imports: [], accepts: [], dynamic: [], jsonImport: undefined, optional: undefined, listener: false });
  return { modules };
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
   * The modules an update of `name` evaluates again (README, "How an update travels"): up the
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
    if (m.json || m.role === "self") return false;
    return this.importers(name).some((importer) => {
      const i = this.get(importer);
      return (i.imports.includes(name) || i.optional === name) && !i.accepts.includes(name);
    });
  }
}

/** The source text of one version of a file. */
export function render(m: ModuleSpec, c: Content): string {
  const text = m.json ? renderJson(c) : renderModule(m, c);
  return c.crlf ? text.replace(/\n/g, "\r\n") : text;
}

function renderJson(c: Content): string {
  const pad = "x".repeat(c.padding);
  if (c.fault === "syntax") {
    // A trailing comma, or a cut-off object.
    return c.variant % 2 === 0 ? `{ "token": "${c.token}", "pad": "${pad}", }\n` : `{ "token": "${c.token}", "pad": "${pad}"\n`;
  }
  return `{\n  "token": "${c.token}",\n  "pad": "${pad}"\n}\n`;
}

const SYNTAX_ERRORS = [
  "const broken = ;",
  "export const = 1;",
  "function unfinished( {",
  "const t = `unterminated ${;",
  "export { value as value, value as value };",
  "let let = 1;",
];

const THROWS = [
  (name: string, token: string) => `throw new Error("stress: ${name} throws while evaluating (${token})");`,
  () => `null.stressProperty;`,
  (name: string) => `await Promise.reject(new Error("stress: ${name} rejects while evaluating"));`,
  () => `stressUndefinedFunction();`,
];

function renderModule(m: ModuleSpec, c: Content): string {
  const spec = (dep: string): string => JSON.stringify(`./${dep}`);
  const statics = [...m.imports, ...(m.optional && c.optional ? [m.optional] : [])];
  const importLines = statics.map((dep, i) => `import { value as i${i} } from ${spec(dep)};`);
  if (m.jsonImport) importLines.push(`import data from ${spec(m.jsonImport)} with { type: "json" };`);
  const header = `// stress module ${m.name}, token ${c.token}`;
  const layout = c.variant % 4;
  const lines: string[] = [];
  // Line 1 varies: all imports (the injection goes after them), a comment, or code.
  if (layout === 0 && importLines.length > 0) lines.push(importLines.join(" "), header);
  else if (layout === 1) lines.push(header, ...importLines);
  else if (layout === 2) lines.push(`const TOKEN = "${c.token}";`, header, ...importLines);
  else lines.push(...importLines, header);
  if (layout !== 2) lines.push(`const TOKEN = "${c.token}";`);

  if (c.fault === "syntax") lines.push(SYNTAX_ERRORS[c.variant % SYNTAX_ERRORS.length]!);
  if (c.fault !== "link") lines.push("export const value = TOKEN;");
  lines.push(`export const throwAccept = ${Boolean(c.throwAccept)};`);
  lines.push(`export function uses() { return [${statics.map((_, i) => `i${i}`).join(", ")}]; }`);
  m.dynamic.forEach((dep, i) => lines.push(`export const lazy${i} = await import(${spec(dep)});`));
  // Its JSON's token, under this version's URL (app.mjs reads it as the JSON's running version).
  if (m.jsonImport) lines.push("(globalThis.__stressTokens ??= new Map()).set(`${import.meta.url}#json`, data.token);");
  if (c.slowMs) {
    lines.push(`process.stderr.write("EVALSTART ${m.name} ${c.token}\\n");`);
    lines.push(`for (const until = Date.now() + ${c.slowMs}; Date.now() < until; );`);
  }
  const throwEarly = c.fault === "throw" && c.variant % 2 === 0;
  if (throwEarly) lines.push(THROWS[c.variant % THROWS.length]!(m.name, c.token));

  if (m.role === "self") {
    lines.push(
      `import.meta.hot.accept((next) => {`,
      `  if (next?.throwAccept) throw new Error("stress: accept handler of ${m.name} throws for " + next.value);`,
      `});`,
    );
  } else if (m.role === "deps") {
    lines.push(`import.meta.hot.accept([${m.accepts.map(spec).join(", ")}], (next) => {`, `  globalThis.__stressAccepted = (globalThis.__stressAccepted ?? 0) + next.length;`, `});`);
  }
  lines.push(
    `import.meta.hot.dispose((data) => {`,
    `  data.disposed = (data.disposed ?? 0) + 1;`,
    c.throwDispose ? `  throw new Error("stress: dispose handler of ${m.name} throws (${c.token})");` : `  data.last = TOKEN;`,
    `});`,
  );
  if (m.name === OPTIONAL) {
    lines.push(
      `import.meta.hot.prune(() => {`,
      c.throwPrune ? `  throw new Error("stress: prune handler of ${m.name} throws (${c.token})");` : `  globalThis.__stressPruned = (globalThis.__stressPruned ?? 0) + 1;`,
      `});`,
    );
  }
  if (m.listener) lines.push(`import.meta.hot.on("hotload:beforeUpdate", () => (globalThis.__stressEvents ??= []).push(import.meta.url));`);
  if (c.fault === "throw" && !throwEarly) lines.push(THROWS[c.variant % THROWS.length]!(m.name, c.token));
  // Last: a version that failed before this line never reports its token.
  lines.push(`(globalThis.__stressTokens ??= new Map()).set(import.meta.url, TOKEN);`);
  for (let i = 0; i < c.padding; i++) lines.push(`// padding ${i} ${"-".repeat(i % 7)}`);
  return `${lines.join("\n")}\n`;
}
