/**
 * A syntax error that ends the program as it starts prints as under plain node.
 * Node prints such an error with a code frame of the source it compiled, which is hotload's: line 1
 * showed the statement that gives a module `import.meta.hot`, the caret moved by its length, and an
 * unclosed block at the end of the file was blamed on the import hotload appends after the last
 * line ("Unexpected token '{'" instead of "Unexpected end of input").
 *
 * Nothing is parsed twice on the way to a good start: only when such an error is about to end the
 * process is the program's entry imported once more, with hotload's edits off. Node does not keep
 * a module that failed to compile, so it loads that one again, as written, under its own URL, and
 * fails exactly as plain node would; that error is thrown in place of the first one. Every module
 * that compiled is loaded again under a URL of its own (Node keeps its job, edited, and Node 22
 * the failure of its imports with it), which a link error's code frame, in its stack, names: the
 * file's URL is put back there. A module that imports nothing and throws is imported first, so
 * that none of the program can run should its files compile now.
 */

import { UNRUN, unrunUrl, withoutAsWritten } from "../../shared/urls.js";

/** How the retry reaches the program and the hooks. */
interface StartupRetry {
  /** The URL of the program's entry (undefined: not known, nothing to retry). */
  entry(): string | undefined;
  /** Turns hotload's edits off for every load from now on (the process is ending). */
  unedited(): void;
  importModule(url: string): Promise<unknown>;
}

/** Installs the retry for this thread (a worker's entry is its thread's program). */
export function reportStartupSyntaxErrorsAsNode(retry: StartupRetry): void {
  let tried = false;
  process.on("uncaughtExceptionMonitor", (error) => {
    // Only when Node itself is about to print the error and end the process.
    if (tried || !compileError(error) || process.listenerCount("uncaughtException") > 0 || process.hasUncaughtExceptionCaptureCallback())
      return;
    const entry = retry.entry();
    if (entry === undefined) return;
    tried = true;
    // Handled for now, so that the process lives on for the retry, which ends it the same way.
    process.once("uncaughtException", () => {
      retry.unedited();
      // UNRUN: everything compiled this time (the error came from elsewhere): the first error stands.
      retry.importModule(unrunUrl(entry)).then(
        () => fail(error),
        (again: unknown) => fail(again === UNRUN ? error : inNodesWords(asWritten(again), error)),
      );
    });
  });
}

/**
 * A SyntaxError V8 threw while Node compiled a module: no frame of the program's own code on its
 * stack, and no `code` (Node's own errors, such as a TypeScript file that does not strip, carry
 * their code frame in their stack and go to Node unedited already: see source/typescript.ts).
 */
function compileError(error: unknown): error is Error {
  if (!(error instanceof Error) || error.name !== "SyntaxError" || "code" in error || typeof error.stack !== "string") return false;
  return !error.stack.split("\n").some((line) => /^\s+at /.test(line) && /file:|\(\/|at \//.test(line));
}

/**
 * `error` naming each module by its file's URL: a link error's code frame is in its stack, and
 * names the module that imports, which the retry compiled under a URL of its own.
 */
function asWritten(error: unknown): unknown {
  if (error instanceof Error) {
    if (typeof error.stack === "string") error.stack = withoutAsWritten(error.stack);
    error.message = withoutAsWritten(error.message);
  }
  return error;
}

/**
 * `again` worded as Node worded the first error, when both say that a CommonJS module lacks the
 * same named export: Node adds its hint (import the default export instead) when it links a module
 * it loaded just then, not when the retry links one it holds already.
 */
function inNodesWords(again: unknown, first: Error): unknown {
  if (!(again instanceof Error) || typeof again.stack !== "string") return again;
  const missing = /module '(.*)' does not provide an export named '(.+)'$/.exec(again.message);
  if (missing === null || !first.message.startsWith(`Named export '${missing[2]}' not found. The requested module '${missing[1]}'`))
    return again;
  again.stack = again.stack.replace(`${again.name}: ${again.message}`, `${again.name}: ${first.message}`);
  again.message = first.message;
  return again;
}

/** Ends the process with `error` as Node ends it with an uncaught one. */
function fail(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}
