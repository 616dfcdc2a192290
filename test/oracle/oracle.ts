/**
 * The restart oracle (issue 21): drives one entry shape of the catalogue (shapes.ts) through its
 * edits twice, (A) in place, one long-running `node --import hotload entry` applying the edits one
 * by one, and (B) as a plain restart, a fresh `node entry` (no hotload) on the same files after each
 * edit, and has the outsider of observer.ts look at both after each edit. The two lists of
 * observations must be equal, or hotload must have said in one line that it falls back and why
 * (then the old version must still work exactly as a plain run of the files before the edit).
 *
 * The oracle shares nothing with hotload's model: it sees responses, printed lines, processes,
 * threads and exits, never a module or a version.
 */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { spawnCommand, spawnHot, type Running } from "../helpers/e2e.js";
import { Client, type Observation } from "./client.js";
import { applyEdit, labelOf, prepare, unavailable, type Prepared } from "./fixture.js";
import { descendantsOf, kill, sigterm } from "./observer.js";
import type { Edit, Shape } from "./shapes.js";

export { applyEdit, prepare, type Prepared } from "./fixture.js";

/** Any line hotload prints. */
const HOTLOAD_LINE = /^\[hotload[^\]]*\] /;
/** The line that ends hotload's handling of a save: an update, an error, or a fallback. */
const SETTLED = /^\[hotload[^\]]*\] .*(updated |keeping the previous version|rolled back|failed|cannot hot-update|restart|falls? back)/;
/**
 * The one line in which hotload says it does not update in place and why (the old version keeps
 * running, fully working): "cannot hot-update …; restart needed, the previous version keeps
 * running", or a line that says it falls back.
 */
export const FALLBACK: RegExp = /^\[hotload[^\]]*\] .*(restart needed|falls? back)/;
/** How long in-place waits after the last edit before it looks again: hotload closes a server no new version took over 2 s after an update. */
const LATE_MS = 2_500;
/** Deadline for a program to start, and for hotload to answer a save. */
const START_MS = 15_000;
const UPDATE_MS = 10_000;
/** An observation and when it was made. */
export interface Step {
  readonly label: string;
  readonly observed: Observation;
  /** The `[hotload]` lines the step's save produced (in place only). */
  readonly hotload?: readonly string[];
}

/** What a shape's two runs saw, and how they differ. */
export interface Verdict {
  readonly inPlace: readonly Step[];
  readonly restart: readonly Step[];
  /** One sentence per observation that differs (empty: the shape passes). */
  readonly differences: readonly string[];
  /** hotload's fallback line, when it fell back (the shape is "fallback", which is fine). */
  readonly fallback?: string;
}

/** Options of {@link judge}. */
export interface JudgeOptions {
  /** Look again LATE_MS after the last edit (in place) before SIGTERM. Default true; the fast subset skips the wait. */
  readonly late?: boolean;
}
/** Runs `shape` in place and as restarts, and compares what an outsider saw. */
export async function judge(shape: Shape, options: JudgeOptions = {}): Promise<Verdict> {
  const late = options.late ?? true;
  // The two runs share nothing (their own copies, their own ports): they run side by side.
  const [inPlace, restart] = await Promise.all([runInPlace(shape, late), runRestarts(shape, late)]);
  const fallbackAt = inPlace.findIndex((step) => step.hotload?.some((line) => FALLBACK.test(line)));
  if (fallbackAt > 0) {
    // The old version keeps running, fully working: as a plain run of the files before the save.
    const differences = compare([inPlace[fallbackAt]!], [{ ...restart[fallbackAt - 1]!, label: inPlace[fallbackAt]!.label }]);
    const fallback = inPlace[fallbackAt]!.hotload!.find((line) => FALLBACK.test(line))!;
    return { inPlace, restart, differences, fallback };
  }
  return { inPlace, restart, differences: compare(inPlace, restart) };
}

/**
 * The test of one shape: skipped when it cannot run here; otherwise in place must equal restart (or
 * fall back), and a shape with `knownFailure` must still differ, so that a fix flips it.
 */
export async function check(t: TestContext, shape: Shape, options: JudgeOptions = {}): Promise<void> {
  const why = unavailable(shape);
  if (why !== undefined) {
    t.skip(why);
    return;
  }
  const verdict = await judge(shape, options);
  const text = explain(shape, verdict);
  t.diagnostic(text);
  if (shape.knownFailure === undefined) {
    assert.equal(verdict.differences.length, 0, `in place differs from a restart:\n${text}`);
  } else if (verdict.differences.length === 0) {
    assert.fail(`${shape.name} now passes: remove knownFailure ("${shape.knownFailure}") from test/oracle/shapes.ts\n${text}`);
  }
}

/** The verdict as text for a test's diagnostic or assertion message. */
export function explain(shape: Shape, verdict: Verdict): string {
  const lines = [`${shape.name} (${shape.about})`];
  if (verdict.fallback) lines.push(`  fallback: ${verdict.fallback}`);
  for (const step of verdict.inPlace) if (step.hotload?.length) lines.push(`  ${step.label}: ${step.hotload.join(" | ")}`);
  for (const difference of verdict.differences) lines.push(`  DIFFERS ${difference}`);
  return lines.join("\n");
}

function compare(inPlace: readonly Step[], restart: readonly Step[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(inPlace.length, restart.length); i++) {
    const a = inPlace[i];
    const b = restart[i];
    if (!a || !b) {
      out.push(`${(a ?? b)!.label}: observed in one run only`);
      continue;
    }
    for (const key of new Set([...Object.keys(a.observed), ...Object.keys(b.observed)])) {
      const x = JSON.stringify(a.observed[key]);
      const y = JSON.stringify(b.observed[key]);
      if (x !== y) out.push(`${a.label}: ${key}: in place ${x} ≠ restart ${y}`);
    }
  }
  return out;
}

/**
 * Starts `shape` under `node --import hotload` on a fresh copy and resolves once it serves: how
 * the torture test (or any other) picks an entry shape. Edit it with {@link applyEdit}; the
 * e2e helpers' `cleanup()` kills it.
 */
export async function startInPlace(shape: Shape): Promise<{ app: Prepared; run: Running }> {
  const app = await prepare(shape);
  const run = spawnHot(app.entry, app.spawn);
  await ready(shape, run);
  return { app, run };
}

async function runInPlace(shape: Shape, late: boolean): Promise<Step[]> {
  const { app, run } = await startInPlace(shape);
  const steps: Step[] = [];
  const client = new Client(shape, app.target, run);
  try {
    await client.open();
    steps.push({ label: "at start", observed: await client.observe(0, await client.startInFlight()) });
    for (const [i, change] of shape.edits.entries()) {
      const inFlight = await client.startInFlight();
      const since = run.mark();
      applyEdit(app.dir, change, i + 1);
      if (shape.sigtermWhileStarting && i === shape.edits.length - 1) {
        await run.waitForLine(shape.sigtermWhileStarting, UPDATE_MS, since);
        steps.push({ label: sigtermLabel(change, i + 1), observed: { ...(await sigterm(run)) } });
        return steps;
      }
      const hotload = await settled(run, since);
      steps.push({ label: labelOf(change, i + 1), observed: await client.observe(i + 1, inFlight), hotload });
      if (hotload.some((line) => FALLBACK.test(line))) return steps;
    }
    if (late) {
      await delay(LATE_MS); // what must not happen later: a server closed by a timer set by the update
      steps.push({
        label: `${LATE_MS / 1000} s after the last edit`,
        observed: await client.observe(shape.edits.length + 1, await client.startInFlight()),
      });
    }
    steps.push({ label: "on SIGTERM", observed: { ...(await sigterm(run)) } });
    return steps;
  } finally {
    client.close();
    await stop(run);
  }
}

async function runRestarts(shape: Shape, late: boolean): Promise<Step[]> {
  const app = await prepare(shape);
  const steps: Step[] = [];
  let current: { run: Running; client: Client } | undefined;
  try {
    for (let n = 0; n <= shape.edits.length; n++) {
      const change = n > 0 ? shape.edits[n - 1]! : undefined;
      if (change !== undefined) applyEdit(app.dir, change, n);
      // A file with a syntax error, or one that throws as it runs, is no program to restart: the
      // reference is the previous version, untouched, as a restarting supervisor keeps it (nodemon
      // waits for a good save).
      if (current === undefined || typeof change === "string") {
        if (current !== undefined) {
          current.client.close();
          await stop(current.run);
        }
        const run = spawnCommand(process.execPath, [...(app.spawn.nodeArgs ?? []), app.entry], { ...app.spawn, cwd: app.dir });
        current = { run, client: new Client(shape, app.target, run) };
        await ready(shape, run);
        await current.client.open();
      }
      const { run, client } = current;
      if (shape.sigtermWhileStarting && change !== undefined && n === shape.edits.length) {
        steps.push({ label: sigtermLabel(change, n), observed: { ...(await sigterm(run)) } });
        break;
      }
      steps.push({
        label: change === undefined ? "at start" : labelOf(change, n),
        observed: await client.observe(n, await client.startInFlight()),
      });
      if (n === shape.edits.length) {
        // A plain program has no update whose timers could fire later: it is looked at again now.
        if (late)
          steps.push({
            label: `${LATE_MS / 1000} s after the last edit`,
            observed: await client.observe(n + 1, await client.startInFlight()),
          });
        steps.push({ label: "on SIGTERM", observed: { ...(await sigterm(run)) } });
      }
    }
  } finally {
    if (current !== undefined) {
      current.client.close();
      await stop(current.run);
    }
  }
  return steps;
}

const sigtermLabel = (change: Edit, n: number): string => `SIGTERM as ${labelOf(change, n).slice("after ".length)} starts`;

/**
 * Kills `run` and everything it started (a cluster's workers, a child process), and waits for it
 * to exit: the next restart binds the same port.
 */
async function stop(run: Running): Promise<void> {
  if (run.child.exitCode !== null || run.child.signalCode !== null) return;
  for (const pid of descendantsOf(run.child.pid!)) kill(pid);
  await run.kill("SIGKILL");
}

async function ready(shape: Shape, run: Running): Promise<void> {
  await run.waitForLine(shape.ready ?? /^listening on /, START_MS);
}

/** hotload's lines for a save: up to the one that ends it, then any that follow within 200 ms (another thread or process). */
async function settled(run: Running, since: number): Promise<string[]> {
  const lines = (): string[] => run.lines.slice(since).filter((line) => HOTLOAD_LINE.test(line));
  try {
    await run.waitForLine(SETTLED, UPDATE_MS, since);
  } catch {
    return [...lines(), `no [hotload] line ended the update within ${UPDATE_MS / 1000} s`];
  }
  for (let seen = lines().length; ; seen = lines().length) {
    await delay(200); // quiet time: other threads or processes may still report their update
    if (lines().length === seen) return lines();
  }
}
