/**
 * hotload's own lines (spec point 10): one `[hotload] updated <files> → <boundaries> in <N> ms`
 * per applied update, HOTLOAD_LOG=silent|timings|debug, and no colour when stderr is not a terminal.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

const UPDATED = /^\[hotload\] updated \.\/lib\/dep\.mjs → \.\/app\.mjs in \d+(\.\d+)? ms$/;

/** Starts fixtures/core-logs with `env` and waits until it is ready. */
async function start(env: Record<string, string | undefined>): Promise<{ run: Running; dep: string }> {
  const dir = copyFixture("core-logs");
  const run = spawnHot(join(dir, "app.mjs"), { env });
  await run.waitForLine("app ready");
  return { run, dep: join(dir, "lib/dep.mjs") };
}

/** Saves dep.mjs as version `to` and waits until app.mjs accepted it. */
async function applied(run: Running, dep: string, from: number, to: number): Promise<void> {
  const since = run.mark();
  replaceIn(dep, `v = ${from}`, `v = ${to}`);
  await run.waitForLine(`app accepted dep v=${to}`, 10_000, since);
}

/** Saves a syntax error into dep.mjs (version `from`), waits for the failure, then saves version `to`. */
async function failedThenApplied(run: Running, dep: string, from: number, to: number): Promise<void> {
  let since = run.mark();
  replaceIn(dep, `v = ${from};`, `v = ${from} +;`);
  await run.waitForLine("app saw an update fail", 10_000, since);
  since = run.mark();
  replaceIn(dep, `v = ${from} +;`, `v = ${to};`);
  await run.waitForLine(`app accepted dep v=${to}`, 10_000, since);
  // On stderr after hotload's own lines for the update.
  await run.waitForLine("app saw an update end", 10_000, since);
}

const hotloadLines = (run: Running, since = 0): string[] => run.lines.slice(since).filter((line) => line.includes("[hotload]"));

test("each applied update prints exactly one line: updated <files> → <boundaries> in <N> ms", async () => {
  const { run, dep } = await start({ HOTLOAD_LOG: undefined });
  const since = run.mark();
  await applied(run, dep, 1, 2);
  await run.waitForLine(UPDATED, 10_000, since);
  const second = run.mark();
  await applied(run, dep, 2, 3);
  await run.waitForLine(UPDATED, 10_000, second);
  const lines = hotloadLines(run, since);
  assert.equal(lines.length, 2, run.output());
  for (const line of lines) assert.match(line, UPDATED);
  assert.ok(!run.output().includes("\x1b"), "no colour with NO_COLOR set");
});

test("HOTLOAD_LOG=silent prints no [hotload] line, not even for a failed update", async () => {
  const { run, dep } = await start({ HOTLOAD_LOG: "silent" });
  await failedThenApplied(run, dep, 1, 2);
  assert.deepEqual(hotloadLines(run), [], run.output());
});

test("HOTLOAD_LOG=debug tells more than the default level about the same update", async () => {
  const [info, debug] = await Promise.all([start({ HOTLOAD_LOG: undefined }), start({ HOTLOAD_LOG: "debug" })]);
  const told = await Promise.all(
    [info, debug].map(async ({ run, dep }) => {
      // The second update, so that nothing of the start-up is counted.
      await applied(run, dep, 1, 2);
      await run.waitForLine("app saw an update end");
      const since = run.mark();
      await applied(run, dep, 2, 3);
      await run.waitForLine("app saw an update end", 10_000, since);
      return hotloadLines(run, since);
    }),
  );
  assert.ok(told[1]!.length > told[0]!.length, `debug:\n${debug.run.output()}\ninfo:\n${info.run.output()}`);
  assert.ok(
    told[1]!.some((line) => UPDATED.test(line)),
    debug.run.output(),
  );
});

test("HOTLOAD_LOG=timings adds one line per applied update, where its time went, and no debug line", async () => {
  const { run, dep } = await start({ HOTLOAD_LOG: "timings" });
  await applied(run, dep, 1, 2);
  await run.waitForLine("app saw an update end");
  const since = run.mark();
  await applied(run, dep, 2, 3);
  await run.waitForLine("app saw an update end", 10_000, since);
  await run.waitForLine(UPDATED, 10_000, since);
  const lines = hotloadLines(run, since);
  assert.equal(lines.length, 2, run.output());
  const split = /^\[hotload\] update timings: total ([\d.]+) ms, program ([\d.]+) ms, hotload ([\d.]+) ms \(hooks ([\d.]+) ms\)$/.exec(
    lines[0]!,
  );
  assert.ok(split, run.output());
  const [total, program, own] = split.slice(1, 4).map(Number) as [number, number, number];
  assert.ok(Math.abs(total - program - own) < 0.02, lines[0]);
  assert.match(lines[1]!, UPDATED);
});

test("no colour codes when stderr is not a terminal, even without NO_COLOR", async () => {
  const { run, dep } = await start({ NO_COLOR: undefined, FORCE_COLOR: undefined, HOTLOAD_LOG: undefined });
  await failedThenApplied(run, dep, 1, 2);
  await run.waitForLine(UPDATED);
  assert.ok(
    hotloadLines(run).some((line) => line.includes("SyntaxError")),
    run.output(),
  );
  assert.ok(!run.output().includes("\x1b"), JSON.stringify(run.output()));
});
