/**
 * Why an update failed, found after its roll-back: where the error is (location.ts), which changed
 * file it is blamed on (blame.ts), and which files outside the graph the failed update waits for.
 */
import { blamedFile, isUnresolved, upwards, type Blame } from "./blame.js";
import { locate, type Location } from "./location.js";
import type { ReportedFailure } from "./report.js";
import { fileOf } from "../modules/scope.js";
import { pathUrl, type UpdateSession } from "../modules/tracker.js";
import { stripVersion } from "../../shared/urls.js";
import { UnsettledEvaluation } from "../update/unsettled.js";

/** Why an update did not load, as found after its roll-back. */
export interface UpdateFailure extends ReportedFailure {
  readonly blame?: Blame | undefined;
}

/** What the diagnosis asks of the engine. */
interface DiagnosisView {
  formatOf(id: string): string | undefined;
  known(id: string): boolean;
  isHot(url: string): boolean;
}

/**
 * The failure of an update that threw `error` (`evaluating`: past the gate), with the files not in
 * the graph whose next save is worth another try of it, in order. `firstImporters`: the modules
 * the failed update loaded for the first time, each with its importers.
 */
export async function diagnose(
  error: unknown,
  evaluating: boolean,
  session: UpdateSession,
  firstImporters: ReadonlyMap<string, readonly string[]>,
  contents: ReadonlyMap<string, Buffer>,
  view: DiagnosisView,
): Promise<{ readonly failure: UpdateFailure; readonly awaits: readonly string[] }> {
  const candidates = [...session.sources].map(([url, source]) => ({
    url,
    source,
    shift: session.shifts.get(url) ?? 0,
    format: view.formatOf(stripVersion(url)),
  }));
  // A changed file compiled where no load hook sees it (tsx's CommonJS require hook) is still where
  // the error may be: its frames name the file as saved.
  const loadedIds = new Set(candidates.map((c) => stripVersion(c.url)));
  for (const [id, content] of contents)
    if (!loadedIds.has(id)) candidates.push({ url: id, source: content.toString(), shift: 0, format: view.formatOf(id) });
  if (error instanceof UnsettledEvaluation) {
    const failure: UpdateFailure = { error, location: undefined, source: undefined, evaluating, where: error.file, message: error.message };
    return { failure, awaits: [] };
  }
  const found = await locate(error, candidates);
  const awaits: string[] = [];
  let blame: Blame | undefined;
  if (found) {
    blame = { file: blamedFile(error, found.file), anchors: upwards(pathUrl(found.file), firstImporters) };
    // A file the update needs that is not in the graph (not created yet, or broken when it was
    // first imported): its next save is worth another try of what failed.
    awaits.push(found.file, blame.file);
  }
  const missing = (error as { url?: unknown } | undefined)?.url;
  let where: string | undefined;
  if (isUnresolved(error) && typeof missing === "string" && view.isHot(missing)) {
    const id = stripVersion(missing);
    if (!view.known(id)) awaits.push(fileOf(id));
    // Not found as a root of the update (no importer of the user's to point at): the module
    // itself is gone.
    if (!found) {
      where = fileOf(id);
      blame = { file: where, anchors: new Set([id]) };
    }
  }
  // A file whose load threw (TypeScript that does not strip) has no loaded source: the update read
  // it. A loaded source a compiler mapped to the file (tsx's output, with source maps on) has its
  // positions in the stack mapped to the file already: the frame shows the file as saved.
  const loaded = found && [...session.sources].find(([url]) => stripVersion(url) === pathUrl(found.file))?.[1];
  const saved = found && contents.get(pathUrl(found.file))?.toString();
  const source = loaded !== undefined && !(saved !== undefined && mappedToFile(loaded)) ? loaded : saved;
  const location = found && source !== undefined ? atEndIfPastIt(found, source) : found;
  // Past the gate, new code was evaluating: the old versions were disposed (a roll-back).
  const failure: UpdateFailure = { error, location, source, evaluating, blame, where, message: where && "Error: the file cannot be found" };
  return { failure, awaits };
}

/** Whether stack positions in code loaded as `loaded` name the file it was compiled from (its source map, applied by Node). */
function mappedToFile(loaded: string): boolean {
  return process.sourceMapsEnabled && /^\/\/# sourceMappingURL=\S/m.test(loaded);
}

/**
 * `location` when it is in the file as saved (`source`); else the file's end. A compiler that is
 * handed a new version reads a marker line after the file's last (see pinned-source.ts): a file
 * that ends in the middle of an expression or a statement is an error there, and the compiler
 * (Node's type stripper, tsx) names the marker, where a restart says that the file ended.
 */
function atEndIfPastIt(location: Location, source: string): Location {
  const lines = source.split(/\r?\n/);
  if (location.line <= lines.length) return location;
  const message = "SyntaxError: Unexpected end of file";
  return { file: location.file, line: lines.length, column: lines[lines.length - 1]!.length + 1, message };
}
