/**
 * Running the `hotload` command in tests: each run is stopped the way a user stops it (SIGTERM,
 * so it stops its program first) when the file's tests end.
 */
import { after } from "node:test";
import { cleanup, spawnCli, type Running, type SpawnOptions } from "./e2e.js";

const clis: Running[] = [];

/** Runs `hotload ...args` in `dir` (so that its lines show paths like ./config.mjs). */
export function hotload(dir: string, args: string[], options: SpawnOptions = {}): Running {
  return stopAfter(spawnCli(args, { cwd: dir, ...options }));
}

/** Has `run` (a command started another way) stopped when the file's tests end. */
export function stopAfter(run: Running): Running {
  clis.push(run);
  return run;
}

/**
 * Stops a `hotload` the way a user does, with SIGTERM: it stops its app first. (cleanup's
 * SIGKILL would leave the app without its supervisor.)
 */
export async function stop(run: Running): Promise<number | string> {
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGTERM");
  const timer = setTimeout(() => run.child.kill("SIGKILL"), 10_000);
  const code = await run.exited;
  clearTimeout(timer);
  return code;
}

after(async () => {
  await Promise.all(clis.map(stop));
  await cleanup();
});
