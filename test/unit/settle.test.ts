/**
 * How long the watcher waits before reading a saved file (src/watch/settle.ts): at once, unless
 * the file is being written in parts; and, once that delay is over, whether the file can be handed
 * over or is held (torn writes, truncations, files that vanish or empty for a moment).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { settleDelay, whenReady, type TouchedFile } from "../../src/watch/settle.js";

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

describe("whenReady", () => {
  const TIMES = { settleMs: SETTLE, emptyHoldMs: 250, unlinkHoldMs: 40, writeWaitMs: 2000 };
  const NOW = 1000;
  /** A file saved in one write: its event saw the size it has now. */
  const saved = (extra: Partial<TouchedFile> = {}): TouchedFile => ({
    size: 90,
    probed: 90,
    lastEvent: NOW - 1,
    heldUntil: undefined,
    lastSize: 40,
    ...extra,
  });

  test("a file whose event saw the size it has now is handed over at once", () => {
    assert.deepEqual(whenReady(saved(), NOW, TIMES), { ready: true, size: 90 });
  });

  test("a size that moved since the event, with no event since, is a write still going on: looked at again after the settle time", () => {
    assert.deepEqual(whenReady(saved({ probed: 40 }), NOW, TIMES), { ready: false, until: NOW + SETTLE, probed: 90 });
  });

  test("after a truncation, the write's own event is waited for (at most writeWaitMs), whatever the size says meanwhile", () => {
    assert.deepEqual(whenReady(saved({ probed: 0 }), NOW, TIMES), { ready: false, until: NOW + SETTLE, hold: NOW + 2000 });
    // Still no event: the hold keeps its end.
    assert.deepEqual(whenReady(saved({ probed: 0, heldUntil: NOW + 500 }), NOW, TIMES), {
      ready: false,
      until: NOW + SETTLE,
      hold: NOW + 500,
    });
    // The write never reported its end: the file is taken as it is.
    assert.deepEqual(whenReady(saved({ probed: 0, heldUntil: NOW }), NOW, TIMES), { ready: true, size: 90 });
  });

  test("a file that became empty is held for the write that usually follows; one that stays empty is real", () => {
    const emptied = saved({ size: 0, probed: 0 });
    assert.deepEqual(whenReady(emptied, NOW, TIMES), { ready: false, until: NOW + 250, hold: NOW + 250 });
    assert.deepEqual(whenReady({ ...emptied, heldUntil: NOW + 250 }, NOW + 250, TIMES), { ready: true, size: 0 });
  });

  test("a file that was empty before and is empty now is not held", () => {
    assert.deepEqual(whenReady(saved({ size: 0, probed: 0, lastSize: 0 }), NOW, TIMES), { ready: true, size: 0 });
  });

  test("a vanished file is given unlinkHoldMs to come back, then handed over as gone", () => {
    const gone = saved({ size: undefined, probed: undefined });
    assert.deepEqual(whenReady(gone, NOW, TIMES), { ready: false, until: NOW + 40, hold: NOW + 40 });
    assert.deepEqual(whenReady({ ...gone, heldUntil: NOW + 40 }, NOW + 40, TIMES), { ready: true, size: undefined });
  });

  test("a large file must be quiet for longer, growing with its size (at most 500 ms more)", () => {
    const large = saved({ size: 1_000_000, probed: 1_000_000, lastEvent: NOW });
    assert.deepEqual(whenReady(large, NOW, TIMES), { ready: false, until: NOW + SETTLE + 20 });
    assert.deepEqual(whenReady(large, NOW + SETTLE + 20, TIMES), { ready: true, size: 1_000_000 });
    const huge = saved({ size: 100_000_000, probed: 100_000_000, lastEvent: NOW });
    assert.deepEqual(whenReady(huge, NOW, TIMES), { ready: false, until: NOW + SETTLE + 500 });
  });
});
