/**
 * A save whose new code never finishes evaluating (a top-level await that never settles) does not
 * hold hotload for ever: after the handler timeout it says it is still waiting, the next save
 * gives it up (rolled back: the old version's interval and SIGTERM handler are back), and that
 * save applies, as a restart would start the newer code. The program's entry is the exception:
 * its top level may wait as long as the program runs (`await once(process, "SIGTERM")`), and a
 * restarted program in that state simply runs, so the update applies and later saves build on it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, replaceIn, spawnCommand, spawnHot } from "../helpers/e2e.js";

after(cleanup);

async function get(port: number, path: string): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}${path}`)).text();
}

test("a top-level await that never settles: one line after the timeout, the next save rolls it back and applies", async () => {
  const dir = copyFixture("unsettled");
  const run = spawnHot(join(dir, "server.mjs"), { env: { HOTLOAD_HANDLER_TIMEOUT_MS: "300" } });
  const port = Number((await run.waitForLine(/^listening on \d+$/)).split(" ").pop());
  const routes = join(dir, "routes.mjs");

  let since = run.mark();
  edit(routes, 'await new Promise(() => {});\nexport function home() {\n  return "home rev 2 (stuck)";\n}\n');
  await run.waitForLine(
    /^\[hotload\] \.\/routes\.mjs has not finished evaluating after 300 ms \(a top-level await that does not settle\?\): the update waits for it, and the next save replaces it$/,
    10_000,
    since,
  );
  assert.equal(await get(port, "/"), "home rev 1");

  since = run.mark();
  edit(routes, 'export function home() {\n  return "home rev 3, fixed";\n}\n');
  await run.waitForLine(
    /^\[hotload\] \S*\/routes\.mjs has not finished evaluating after 300 ms .*and a newer save came — rolled back to the previous version$/,
    10_000,
    since,
  );
  await run.waitForLine(/^\[hotload\] updated \.\/routes\.mjs/, 10_000, since);
  assert.equal(await get(port, "/"), "home rev 3, fixed");
  // Given up is rolled back whole: nothing says the old version stopped.
  assert.deepEqual(
    run.lines.slice(since).filter((line) => /failed after its old version stopped/.test(line)),
    [],
    run.output(),
  );
  // The entry's interval of the version that runs now ticks.
  const before = Number(await get(port, "/ticks"));
  await run.waitForLine(/never/, 200).catch(() => undefined);
  assert.ok(Number(await get(port, "/ticks")) > before, run.output());

  since = run.mark();
  edit(routes, 'export function home() {\n  return "home rev 4";\n}\n');
  await run.waitForLine(/^\[hotload\] updated \.\/routes\.mjs/, 10_000, since);
  assert.equal(await get(port, "/"), "home rev 4");

  run.child.kill("SIGTERM");
  assert.equal(await run.exited, 0, run.output());
  assert.ok(run.lines.includes("bye"), run.output());
});

test("an entry whose top level waits for SIGTERM: its save applies, the next saves build on it, and it ends as the edited program does", async () => {
  const dir = copyFixture("unsettled");
  const entry = join(dir, "waits.mjs");
  const run = spawnHot(entry);
  const port = Number((await run.waitForLine(/^listening on \d+ \(entry 1\)$/)).match(/on (\d+)/)![1]);

  let since = run.mark();
  replaceIn(entry, "entry 1", "entry 2, edited");
  await run.waitForLine(
    /^\[hotload\] updated \.\/waits\.mjs → \.\/waits\.mjs in [\d.]+ ms; \.\/waits\.mjs waits at a top-level await, as after a start$/,
    10_000,
    since,
  );
  assert.equal(await get(port, "/"), "home rev 1 / entry 2, edited");

  // Before, this save waited behind the entry's wait, and the one after it rolled the entry back.
  since = run.mark();
  edit(join(dir, "routes.mjs"), 'export function home() {\n  return "home rev 3, saved";\n}\n');
  await run.waitForLine(/^\[hotload\] updated \.\/routes\.mjs → \.\/waits\.mjs in /, 10_000, since);
  assert.equal(await get(port, "/"), "home rev 3, saved / entry 2, edited");
  since = run.mark();
  edit(join(dir, "routes.mjs"), 'export function home() {\n  return "home rev 4, last";\n}\n');
  await run.waitForLine(/^\[hotload\] updated \.\/routes\.mjs → \.\/waits\.mjs in /, 10_000, since);
  assert.equal(await get(port, "/"), "home rev 4, last / entry 2, edited");

  // A plain start of the edited program, stopped the same way.
  const plain = spawnCommand(process.execPath, [entry], { cwd: dir });
  await plain.waitForLine(/^listening on \d+ \(entry 2, edited\)$/);
  plain.child.kill("SIGTERM");
  run.child.kill("SIGTERM");
  const [code, plainCode] = await Promise.all([run.exited, plain.exited]);
  assert.equal(code, plainCode, `${run.output()}\n--- plain node:\n${plain.output()}`);
  const byes = (lines: readonly string[]): string[] => lines.filter((line) => line.startsWith("bye"));
  assert.deepEqual(byes(run.lines), byes(plain.lines), run.output());
  assert.deepEqual(byes(run.lines), ["bye (entry 2, edited)"]);
});

test("an entry whose top level polls for ever: after two saves only the newest version's loop takes turns, as after a restart", async () => {
  const dir = copyFixture("unsettled");
  const entry = join(dir, "poller.mjs");
  const run = spawnHot(entry);
  await run.waitForLine("polling p1");
  for (const [from, to] of [
    ["p1", "p22"],
    ["p22", "p333"],
  ] as const) {
    const since = run.mark();
    replaceIn(entry, `"${from}"`, `"${to}"`);
    await run.waitForLine(/^\[hotload\] updated \.\/poller\.mjs → \.\/poller\.mjs in /, 10_000, since);
  }
  // Ten turns of loops after the last update: each is the newest version's.
  const since = run.mark();
  for (let i = 0; i < 2; i++) await run.waitForLine(/^turn /, 10_000, run.mark());
  run.child.kill("SIGTERM");
  assert.equal(await run.exited, 0, run.output());
  const turns = run.lines.slice(since).filter((line) => line.startsWith("turn "));
  assert.deepEqual([...new Set(turns)], ["turn p333 home rev 1"], run.output());
  assert.deepEqual(
    run.lines.filter((line) => line.startsWith("stop ")),
    ["stop p333"],
  );
});
