/**
 * How failures read: the error in one line, and the user's part of its stack.
 */
import { basename, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { codeFrame, type Location } from "./location.js";

/** `Name: message` for an Error, the value as text otherwise. */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

// hotload's own frames: the bundle's folder (dist/loader), or unbundled the engine's (this file is in engine/failure/).
const HERE = dirname(fileURLToPath(import.meta.url));
const OWN_DIR = pathToFileURL(basename(HERE) === "failure" ? dirname(HERE) : HERE).href;

/** The user's part of a stack: frames from Node internals and from hotload itself are noise. */
export function stackOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || !error.stack) return undefined;
  const frames = error.stack.split("\n").filter((l) => /^\s+at /.test(l));
  return frames.filter((l) => !l.includes("node:internal") && !l.includes(OWN_DIR)).join("\n");
}

/** A failed update as it is reported (see {@link failureReport}). */
export interface ReportedFailure {
  readonly error: unknown;
  readonly location: Location | undefined;
  /** The source loaded for the located module (for the code frame). */
  readonly source: string | undefined;
  /** Whether new code was evaluating (the old versions were disposed). */
  readonly evaluating: boolean;
  /** Without a location: the file to name, and what to say instead of the error's message. */
  readonly where?: string | undefined;
  readonly message?: string | undefined;
}

/** The error line of a failure, the lines under it, and the file it is about. */
interface FailureReport {
  readonly line: string;
  readonly detail: string | undefined;
  /** The file the line names first (one per failure: a quiet retry repeats no line for it). */
  readonly file: string;
}

/**
 * How a failure reads: `file:line:column message — outcome`, with the edits it held back
 * (`held`), a code frame and, for an error while evaluating, the user's part of the stack.
 * Without a location, the line names `where`, or the changed files.
 */
export function failureReport(failure: ReportedFailure, held: readonly string[], changedFiles: readonly string[]): FailureReport {
  const { error, location, source } = failure;
  const file = location?.file ?? failure.where ?? changedFiles.join(", ");
  // A file is never held back by itself: the line names it already.
  const named = location || failure.where !== undefined ? [file] : changedFiles;
  held = held.filter((f) => !named.includes(f));
  const where = location ? `${location.file}:${location.line}:${location.column}` : file;
  // A file that does not parse or link never ran: its previous version simply stays. Anything
  // else failed while new code was evaluating, after the old versions were disposed.
  const evaluating = failure.evaluating && !(error instanceof SyntaxError);
  const outcome = `${evaluating ? "rolled back to the previous version" : "keeping the previous version"}${held.length > 0 ? ` (also held back: ${held.join(", ")})` : ""}`;
  let detail = location && source !== undefined ? codeFrame(source, location.line, location.column) : undefined;
  if (evaluating && error instanceof Error && error.stack) detail = `${detail ? `${detail}\n` : ""}${stackOf(error) ?? ""}`;
  return { line: `${where} ${location?.message ?? failure.message ?? describe(error)} — ${outcome}`, detail, file };
}
