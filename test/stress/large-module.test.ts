/**
 * Hardening (issue 6): a 10 MB module loads, and edits of it apply (fixtures/stress-app accepts
 * big.mjs). Saved in place, as editors do: the watcher must not apply half a file.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup } from "../helpers/e2e.js";
import { startApp } from "./harness.js";

after(cleanup);

/** About `mb` megabytes of module: `v`, then a large array literal, then a line that says it ran. */
function big(v: number, mb = 10): string {
  const row = `  ${Array.from({ length: 16 }, (_, i) => (i * 7919 + v) % 100000).join(", ")},\n`;
  const rows = Math.ceil((mb * 1024 * 1024) / row.length);
  return `export const v = ${v};\nexport const data = [\n${row.repeat(rows)}];\nprocess.stderr.write(\`big v\${v} evaluated, \${data.length} numbers\\n\`);\n${"//\n".repeat(v)}`;
}

test("a 10 MB module loads, and each edit of it applies with no error on the way", { timeout: 90_000 }, async () => {
  const text = big(1);
  assert.ok(Buffer.byteLength(text) >= 10 * 1024 * 1024, `${Buffer.byteLength(text)} bytes`);
  const { dir, run } = await startApp({ "big.mjs": text }, ["./big.mjs"]);
  assert.ok(
    run.lines.some((line) => /^big v1 evaluated, \d+ numbers$/.test(line)),
    run.output(),
  );

  for (const v of [2, 3]) {
    const since = run.mark();
    writeFileSync(join(dir, "big.mjs"), big(v));
    await run.waitForLine(`accepted ./big.mjs v=${v}`, 60_000, since);
    const errors = run.lines.slice(since).filter((line) => line.startsWith("[hotload]") && !line.startsWith("[hotload] updated"));
    assert.deepEqual(errors, [], "error lines while the file was being written");
    assert.equal(run.lines.slice(since).filter((line) => line.startsWith(`big v${v} evaluated`)).length, 1, run.output());
  }
});
