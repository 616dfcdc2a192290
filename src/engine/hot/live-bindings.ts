/**
 * The runtime side of live import bindings (the generated modules are source/live.ts's): which
 * importer version holds which setters for which dependency, the check that a new version still
 * exports what they import, and the assignment of the new exports.
 *
 * Only the setters of each importer's newest registering version are kept, so the runtime holds
 * one small closure per live import. The generated modules themselves stay in Node's module map,
 * like every version of every module (Node cannot evict one): one per import of an accepted
 * dependency per version of the importer, a few hundred bytes of source each.
 */
import { readFileSync } from "../../shared/fs.js";
import { fileURLToPath } from "node:url";
import { lex } from "../../source/lexer.js";
import type { LiveName, LiveSetter } from "../../source/live.js";
import { parseVersion, stripVersion } from "../../shared/urls.js";

interface Registered {
  readonly version: number;
  /** By dependency id. */
  readonly deps: Map<string, { readonly names: readonly LiveName[]; readonly set: LiveSetter }[]>;
}

/** A name an importer imports that a dependency's new version does not export. */
interface MissingExport extends LiveName {
  /** The importer's id (its file URL). */
  readonly importer: string;
}

/** The setters of every importer with live bindings. */
export class LiveBindings {
  readonly #byImporter = new Map<string, Registered>();

  /**
   * A generated module of `importer` (a versioned URL) evaluated: `set` assigns its bindings of
   * `dep` (a resolved URL). `current` is the importer's current version; an older one that Node
   * finishes evaluating after an update replaced it is not listened to.
   */
  register(importer: string, dep: string, names: readonly LiveName[], set: LiveSetter, current: number): void {
    const { url: id, version } = parseVersion(importer);
    if (version < current) return;
    let registered = this.#byImporter.get(id);
    if (registered === undefined || registered.version !== version) this.#byImporter.set(id, (registered = { version, deps: new Map() }));
    const depId = stripVersion(dep);
    const list = registered.deps.get(depId) ?? [];
    list.push({ names, set });
    registered.deps.set(depId, list);
  }

  /**
   * The first name `importer` (at `version`) imports from one of `deps` that the dependency's new
   * namespace (in `namespaces`) lacks.
   */
  missing(
    importer: string,
    version: number,
    deps: readonly string[],
    namespaces: ReadonlyMap<string, Record<string, unknown>>,
  ): MissingExport | undefined {
    for (const dep of deps) {
      const namespace = namespaces.get(dep);
      if (namespace === undefined) continue;
      for (const { names } of this.#of(importer, version, dep)) {
        for (const name of names) if (!(name.name in namespace)) return { ...name, importer };
      }
    }
    return undefined;
  }

  /** Assigns `importer`'s bindings of each of `deps` from its new namespace in `namespaces`. */
  assign(importer: string, version: number, deps: readonly string[], namespaces: ReadonlyMap<string, Record<string, unknown>>): void {
    for (const dep of deps) {
      const namespace = namespaces.get(dep);
      if (namespace !== undefined) for (const { set } of this.#of(importer, version, dep)) set(namespace);
    }
  }

  forget(id: string): void {
    this.#byImporter.delete(id);
  }

  #of(importer: string, version: number, dep: string): readonly { readonly names: readonly LiveName[]; readonly set: LiveSetter }[] {
    const registered = this.#byImporter.get(importer);
    return registered?.version === version ? (registered.deps.get(dep) ?? []) : [];
  }
}

/**
 * The export names of the dependency that `importer` imports as a namespace under `specifier`,
 * read from its file now, or undefined when they cannot be known before it runs: a bare
 * specifier, a CommonJS or unreadable file, an `export *` (its names are another module's).
 */
export function exportsOnDisk(specifier: string, importer: string, json: boolean): readonly string[] | undefined {
  if (json) return ["default"];
  if (!/^\.{0,2}\//.test(specifier) || !/\.(?:m?js|m?ts)$/.test(specifier)) return undefined;
  let text: string;
  try {
    text = readFileSync(fileURLToPath(new URL(specifier, importer))).toString();
  } catch {
    return undefined;
  }
  const facts = lex(text);
  if (facts === undefined || facts.exports.length === 0) return undefined;
  if (facts.imports.some((entry) => /^export\s*\*\s*from\b/.test(text.slice(entry.start, entry.end)))) return undefined;
  return facts.exports;
}

/**
 * The error Node throws at link time for an import of a name the module does not export, with
 * its stack in Node's form (`url:line`, the line, a caret), so that it is located and reported
 * (`app.mjs:1:10 SyntaxError: … — keeping the previous version`) and blamed on the dependency
 * like any link error.
 */
export function missingExportError(missing: MissingExport, importerSource: string | Buffer | undefined): SyntaxError {
  const error = new SyntaxError(`The requested module '${missing.specifier}' does not provide an export named '${missing.name}'`);
  const line = importerSource?.toString().split(/\r\n|[\n\r\u2028\u2029]/)[missing.line - 1] ?? "";
  error.stack = `${missing.importer}:${missing.line}\n${line}\n${" ".repeat(missing.column - 1)}${"^".repeat(Math.max(1, missing.name.length))}\n${error.name}: ${error.message}`;
  return error;
}
