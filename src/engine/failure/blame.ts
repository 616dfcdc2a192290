/**
 * Which of the changed modules a failed update comes from, so that the others can apply without
 * them. Pure: it reads propagation plans and importers through functions and returns sets.
 *
 * A failure has a place (the module whose load, link or evaluation failed) and a file to blame:
 * the place itself, or for a link error the module it names ("The requested module './dep.mjs'
 * does not provide an export named 'x'": dep.mjs broke, its importer reports it). When the blamed
 * file is one of the changed ones, only it is held back. Otherwise the failure is in a module the
 * update reached: every changed module whose update re-evaluates that module, or first imports it,
 * is held back with it.
 */
import { fileURLToPath, pathToFileURL } from "node:url";

/** What a failed update is blamed on. */
export interface Blame {
  /** The file to blame: where the error is, or the module a link error names (absolute path). */
  readonly file: string;
  /** The module that failed, and the modules already in the graph through which it was reached. */
  readonly anchors: ReadonlySet<string>;
}

/**
 * The file a failure is about. A link error is located in the importer, but what broke is the
 * module it names.
 */
export function blamedFile(error: unknown, located: string): string {
  const named = error instanceof SyntaxError ? /The requested module '([^']+)'/.exec(error.message)?.[1] : undefined;
  if (!named || !(named.startsWith("./") || named.startsWith("../"))) return located;
  return fileURLToPath(new URL(named, pathToFileURL(located)));
}

/**
 * `failedAt` and, when it was imported for the first time by the failed update, the importers
 * that led to it, up to modules that were in the graph before (`firstImporters`: the modules the
 * failed update loaded for the first time, each with its importers).
 */
export function upwards(failedAt: string, firstImporters: ReadonlyMap<string, readonly string[]>): Set<string> {
  const found = new Set([failedAt]);
  const stack = [failedAt];
  while (stack.length > 0) {
    for (const importer of firstImporters.get(stack.pop()!) ?? []) {
      if (found.has(importer)) continue;
      found.add(importer);
      if (firstImporters.has(importer)) stack.push(importer);
    }
  }
  return found;
}

/**
 * `changed` without the modules the failure comes from: the blamed file's, when it changed, else
 * every module whose update would re-evaluate an anchor (`invalidatedBy(id)`: the modules the
 * update of `id` alone re-evaluates, undefined when it cannot be applied in place).
 */
export function withoutBlamed(
  changed: readonly string[],
  blame: Blame,
  fileOf: (id: string) => string | undefined,
  invalidatedBy: (id: string) => readonly string[] | undefined,
): string[] {
  const rest = changed.filter((id) => fileOf(id) !== blame.file);
  if (rest.length < changed.length) return rest;
  return changed.filter((id) => {
    const invalidated = invalidatedBy(id);
    return invalidated !== undefined && !invalidated.some((url) => blame.anchors.has(url));
  });
}

/** Node's error for an import of a file or package that does not exist, or of a folder. */
export function isUnresolved(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "ERR_UNSUPPORTED_DIR_IMPORT";
}
