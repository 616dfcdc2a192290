/** On a Node older than package.json's engines, the loader refuses in one line, without a stack. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { LOADER, cleanup, copyFixture } from "../helpers/e2e.js";

after(cleanup);

/** A Node 20 binary on this machine (unsupported by hotload), if there is one. */
function findNode20(): string | undefined {
  const candidates = ["/usr/bin/node", "/usr/local/bin/node", "/bin/node"];
  try {
    candidates.push(...execFileSync("which", ["-a", "node"], { encoding: "utf8" }).split("\n").filter(Boolean));
  } catch {
    // `which` found nothing: the fixed candidates remain.
  }
  return candidates.find((node) => {
    if (!existsSync(node)) return false;
    const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout ?? "";
    return version.startsWith("v20.");
  });
}

const node20 = findNode20();

test(
  "on an unsupported Node the loader exits non-zero with one line naming the version found and the one required",
  { skip: node20 ? false : "no Node 20 binary on this machine (looked at /usr/bin, /usr/local/bin, /bin and PATH)" },
  () => {
    const dir = copyFixture("core-exit");
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
    delete env["NODE_OPTIONS"];
    delete env["NODE_TEST_CONTEXT"];
    const result = spawnSync(node20!, ["--import", LOADER, join(dir, "app.mjs")], { cwd: dir, env, encoding: "utf8", timeout: 10_000 });
    const found = spawnSync(node20!, ["--version"], { encoding: "utf8" }).stdout.trim();
    const output = `${result.stdout}${result.stderr}`;
    const lines = output.split("\n").filter((line) => line.trim() !== "");

    assert.equal(result.error, undefined, `did not exit within 10 s: ${output}`);
    assert.notEqual(result.status, 0, output);
    assert.equal(lines.length, 1, output);
    assert.ok(lines[0]!.includes(found.slice(1)), `names ${found}: ${output}`);
    assert.match(lines[0]!, /22\.22\.3|24\.11\.1/, output);
    assert.ok(!output.includes("app done"), output);
  },
);
