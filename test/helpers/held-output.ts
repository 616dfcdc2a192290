/**
 * What hotload prints while a test runs it in the test's own process (the fake Node runs the
 * real runtime, whose failed updates say so on stderr, as they should): held while each test
 * runs, dropped when it passes, printed after it when it fails. A passing run's output is then
 * the test report alone, and a failure still shows every line hotload said.
 */
import { afterEach, beforeEach } from "node:test";

let installed = false;

/** Holds stderr per test from now on in this process (once, however many files ask). */
export function holdStderrPerTest(): void {
  if (installed) return;
  installed = true;
  const write = process.stderr.write.bind(process.stderr) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  // One buffer per running test: a subtest's lines are its own.
  const held: (string | Uint8Array)[][] = [];
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const top = held.at(-1);
    if (!top) return write(chunk, ...rest);
    top.push(chunk);
    const done = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stderr.write;
  beforeEach(() => void held.push([]));
  afterEach((t) => {
    const lines = held.pop() ?? [];
    // TestContext.passed (Node 21+) is not in every @types/node: unknown counts as failed.
    if ((t as { passed?: boolean }).passed !== true) for (const chunk of lines) write(chunk);
  });
}
