/**
 * The demo a new user runs first (issue 14): examples/demo, on a temporary copy, under
 * `node --import hotload server.mjs` as `npm run demo` starts it. Its server must answer, take
 * edits of the routes, of what they import and of server.mjs itself, and never be restarted.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, linkPackage, replaceIn, ROOT, spawnHot } from "../helpers/e2e.js";

const dir = mkdtempSync(join(tmpdir(), "hotload-demo-"));
after(async () => {
  await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function get(port: string, path: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return response.text();
}

test("the demo server answers, takes edits of greeting.mjs, routes.mjs and server.mjs in place, and keeps its process and port", async () => {
  cpSync(join(ROOT, "examples", "demo"), dir, { recursive: true });
  linkPackage(dir);
  const run = spawnHot(join(dir, "server.mjs"), { env: { PORT: "0" } });
  const port = /localhost:(\d+)/.exec(await run.waitForLine(/^ready on http:\/\/localhost:\d+/, 20_000))![1]!;
  assert.equal(await get(port, "/a"), "hello from hotload (/a)\n");

  let since = run.mark();
  replaceIn(join(dir, "greeting.mjs"), "hello from hotload", "hello, edited greeting");
  await run.waitForLine(/^\[hotload\] updated \.\/greeting\.mjs → \.\/server\.mjs in /, 10_000, since);
  assert.equal(await get(port, "/b"), "hello, edited greeting (/b)\n");

  since = run.mark();
  replaceIn(join(dir, "routes.mjs"), "(${req.url})", "at ${req.url}");
  await run.waitForLine(/^\[hotload\] updated \.\/routes\.mjs → \.\/server\.mjs in /, 10_000, since);
  assert.equal(await get(port, "/c"), "hello, edited greeting at /c\n");

  since = run.mark();
  replaceIn(join(dir, "server.mjs"), 'console.log("routes swapped, no restart");', 'console.log("routes swapped by the edited server");');
  await run.waitForLine(/^\[hotload\] updated \.\/server\.mjs → \.\/server\.mjs in /, 10_000, since);
  since = run.mark();
  replaceIn(join(dir, "greeting.mjs"), "hello, edited greeting", "hello again");
  await run.waitForLine("routes swapped by the edited server", 10_000, since);
  assert.equal(await get(port, "/d"), "hello again at /d\n");

  assert.equal(run.lines.filter((line) => line.startsWith("ready on")).length, 1, run.output());
  assert.equal(run.child.exitCode, null, run.output());
});
