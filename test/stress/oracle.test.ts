/**
 * The restart oracle (issue 21) over the whole catalogue of entry shapes (test/oracle/shapes.ts):
 * each shape runs its edits in place under `node --import hotload` and as plain restarts, and an
 * outsider compares what it sees after each edit (responses, event streams, long polls, lines per
 * event, child processes, threads), 2.5 s after the last edit, and on SIGTERM.
 * HOTLOAD_ORACLE_SHAPES=a,b runs only those shapes.
 */
import { after, test } from "node:test";
import { cleanup } from "../helpers/e2e.js";
import { check } from "../oracle/oracle.js";
import { SHAPES } from "../oracle/shapes.js";

after(cleanup);

const only = (process.env["HOTLOAD_ORACLE_SHAPES"] ?? "").split(",").filter(Boolean);

for (const shape of SHAPES.filter((s) => only.length === 0 || only.includes(s.name))) {
  test(`${shape.name}: ${shape.about}, updated in place, looks like a plain restart`, (t) => check(t, shape));
}
