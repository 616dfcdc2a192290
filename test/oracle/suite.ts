/**
 * A stress file of the restart oracle: every shape of one group of the catalogue, two at a time
 * (each mostly waits for its processes). HOTLOAD_ORACLE_SHAPES=a,b runs only those shapes.
 */
import { after, describe, test } from "node:test";
import { cleanup } from "../helpers/e2e.js";
import { check } from "./oracle.js";
import { SHAPES, type Group } from "./shapes.js";

/** Declares the tests of `group`'s shapes in the calling test file. */
export function oracleSuite(group: Group): void {
  after(cleanup);
  const only = (process.env["HOTLOAD_ORACLE_SHAPES"] ?? "").split(",").filter(Boolean);
  const shapes = SHAPES.filter((s) => s.group === group && (only.length === 0 || only.includes(s.name)));
  describe(`entry shapes (${group}) updated in place look like plain restarts`, { concurrency: 2 }, () => {
    for (const shape of shapes) test(`${shape.name}: ${shape.about}`, (t) => check(t, shape));
  });
}
