/**
 * A unix socket's file must outlive an in-place update. A server on a unix socket removes a stale
 * file before it listens (`unlink(path)`, `rm(path, { force: true })`): nearly all do, since a
 * process that died leaves its file behind and listen() then fails with EADDRINUSE. Under hotload
 * the file is often not stale: it is the live socket that the new server is about to take over (in
 * place, inplace/handover.ts; across a restart, the socket the command holds, loader/sockets.ts),
 * and removing it leaves every client with ENOENT. So while such a socket lives at a path, its
 * removal is skipped, and to the program it succeeded, as it would after a restart.
 */
import { syncBuiltinESMExports } from "node:module";
import { fileURLToPath } from "node:url";

type Fs = Record<string, unknown> & { promises: Record<string, unknown> };

/**
 * Wraps fs's `unlink` and `rm` (callback, sync and promise forms, also as ES exports) so that they
 * skip the paths `held` names. Returns the function that puts them back.
 */
export function keepSocketFiles(held: (path: string) => boolean): () => void {
  const fs = process.getBuiltinModule("node:fs") as unknown as Fs;
  const undo: (() => void)[] = [];
  const holds = (path: unknown): boolean => {
    const text = typeof path === "string" ? path : path instanceof URL && path.protocol === "file:" ? fileURLToPath(path) : undefined;
    return text !== undefined && held(text);
  };
  const wrap = (target: Record<string, unknown>, name: string, skipped: (args: unknown[]) => unknown): void => {
    const original = target[name] as (...args: unknown[]) => unknown;
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      return holds(args[0]) ? skipped(args) : Reflect.apply(original, this, args);
    };
    target[name] = Object.defineProperty(wrapped, "name", { value: original.name });
    undo.push(() => (target[name] = original));
  };
  const called = (args: unknown[]): void => {
    const done = args.findLast((arg) => typeof arg === "function") as ((error: null) => void) | undefined;
    if (done) process.nextTick(done, null);
  };
  for (const name of ["unlinkSync", "rmSync"]) wrap(fs, name, () => undefined);
  for (const name of ["unlink", "rm"]) wrap(fs, name, called);
  for (const name of ["unlink", "rm"]) wrap(fs.promises, name, () => Promise.resolve());
  syncBuiltinESMExports();
  return () => {
    for (const step of undo.reverse()) step();
    syncBuiltinESMExports();
  };
}
