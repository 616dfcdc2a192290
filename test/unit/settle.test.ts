/**
 * How long the watcher waits before reading a saved file (src/watch/settle.ts): at once, unless
 * the file is being written in parts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { settleDelay } from "../../src/watch/settle.js";

const SETTLE = 3;

describe("settleDelay", () => {
  test("the first event of a file is read at once", () => {
    assert.equal(settleDelay(undefined, { at: 100, size: 40 }, SETTLE, 0), 0);
  });

  test("an event long after the previous one is read at once, whatever the size did", () => {
    assert.equal(settleDelay({ at: 100, size: 40 }, { at: 100 + SETTLE, size: 90 }, SETTLE, 0), 0);
  });

  test("a second event soon after with the size moved waits for the writer to be quiet", () => {
    assert.equal(settleDelay({ at: 100, size: 40 }, { at: 101, size: 90 }, SETTLE, 0), SETTLE);
  });

  test("duplicate events of one write (same size) cost no wait", () => {
    assert.equal(settleDelay({ at: 100, size: 40 }, { at: 100.2, size: 40 }, SETTLE, 0), 0);
  });

  test("the write that follows a truncation ends the save: read at once", () => {
    assert.equal(settleDelay({ at: 100, size: 0 }, { at: 100.5, size: 90 }, SETTLE, 0), 0);
  });

  test("a file that comes back soon after it vanished is read at once (the unlink hold covers it)", () => {
    assert.equal(settleDelay({ at: 100, size: undefined }, { at: 101, size: 90 }, SETTLE, 0), 0);
  });

  test("a fixed settle time (HOTLOAD_SETTLE_MS) applies to every event, and is never cut by a multi-part write", () => {
    assert.equal(settleDelay(undefined, { at: 100, size: 40 }, 25, 25), 25);
    assert.equal(settleDelay({ at: 100, size: 40 }, { at: 101, size: 90 }, 25, 25), 25);
  });
});
