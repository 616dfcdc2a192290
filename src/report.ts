/**
 * How failures read: the error in one line, and the user's part of its stack.
 */
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** `Name: message` for an Error, the value as text otherwise. */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

const OWN_DIR = pathToFileURL(dirname(fileURLToPath(import.meta.url))).href;

/** The user's part of a stack: frames from Node internals and from hotload itself are noise. */
export function stackOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || !error.stack) return undefined;
  const frames = error.stack.split("\n").filter((l) => /^\s+at /.test(l));
  return frames.filter((l) => !l.includes("node:internal") && !l.includes(OWN_DIR)).join("\n");
}
