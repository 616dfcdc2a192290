/**
 * The restart oracle's fast subset (issue 21): the shapes marked `fast` in test/oracle/shapes.ts,
 * each run in place under hotload and as plain restarts, must look the same from outside (the
 * stress suite's test/stress/oracle.test.ts runs the whole catalogue, with a late look too).
 * The shapes run side by side: each has its own copies and ports, and mostly waits.
 */
import { after, describe, test } from "node:test";
import { cleanup } from "../helpers/e2e.js";
import { check } from "../oracle/oracle.js";
import { SHAPES } from "../oracle/shapes.js";

after(cleanup);

describe("entry shapes updated in place look like plain restarts", { concurrency: 4 }, () => {
  for (const shape of SHAPES.filter((s) => s.fast)) {
    test(`${shape.name}: ${shape.about}`, (t) => check(t, shape, { late: false }));
  }
});
