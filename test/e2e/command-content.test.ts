/**
 * The command restarts for a change of content only (issue 22, case 8): `touch .env`, or writing
 * it again with the same bytes, restarted the program (a new pid, its state lost), as it does for
 * no module. A save of a `--restart` file after them is the marker that their events were seen.
 */
import assert from "node:assert/strict";
import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { copyFixture, edit } from "../helpers/e2e.js";
import { hotload, stop } from "../helpers/command.js";

test("touching .env or rewriting it with the same bytes does not restart the app; a change of its content does", async () => {
  const dir = copyFixture("cli-basic");
  writeFileSync(join(dir, "marker.txt"), "0\n");
  const run = hotload(dir, ["--env-file=.env", "--restart", "marker.txt", "app.mjs"]);
  await run.waitForLine(/^started pid=\d+ .* env=first$/);
  const since = run.mark();
  const env = join(dir, ".env");
  const now = new Date();
  utimesSync(env, now, now);
  writeFileSync(env, readFileSync(env));
  writeFileSync(join(dir, "marker.txt"), "1\n");
  await run.waitForLine(/^\[hotload\] restart: \.\/marker\.txt changed/, 10_000, since);
  const restarts = (): string[] => run.lines.slice(since).filter((line) => line.startsWith("[hotload] restart:"));
  assert.deepEqual(
    restarts().map((line) => line.replace(/ changed.*/, "")),
    ["[hotload] restart: ./marker.txt"],
    run.output(),
  );
  const afterMarker = run.mark();
  edit(env, "CLI_BASIC_ENV=second\n");
  await run.waitForLine(/^started pid=\d+ .* env=second$/, 10_000, afterMarker);
  await run.waitForLine(/^\[hotload\] restart: \.\/\.env changed/, 10_000, afterMarker);
  await stop(run);
});
