/**
 * The restart oracle's fast subset (issue 21): the shapes marked `fast` in test/oracle/shapes.ts,
 * each run in place under hotload and as plain restarts, must look the same from outside (the
 * stress suite's test/stress/oracle.test.ts runs the whole catalogue, with a late look too).
 */
import { after, test } from "node:test";
import { cleanup } from "../helpers/e2e.js";
import { check } from "../oracle/oracle.js";
import { SHAPES } from "../oracle/shapes.js";

after(cleanup);

for (const shape of SHAPES.filter((s) => s.fast)) {
  test(`${shape.name}: ${shape.about}, updated in place, looks like a plain restart`, (t) => check(t, shape, { late: false }));
}
