/**
 * "Did this file change?" (src/watch/changed.ts): the one decision the runtime, the program's
 * watcher and the command's watch share. When in doubt, it changed.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  changedFrom,
  clockMarginMs,
  COARSE_CLOCK_MS,
  identityOf,
  LOAD_MARGIN_MS,
  loadedBefore,
  loadedFromText,
  mayBeModifiedSince,
  needsAnotherLook,
  needsLook,
  readDisk,
  sameContent,
  savedAgain,
  WHOLE_SECONDS_MS,
  type DiskAccess,
} from "../../src/watch/changed.js";

const V1 = "exports.version = 1;\n";
const V2 = "exports.version = 22;\n";
/** A load at this wall-clock time (ms), with a fine-grained file system's times around it. */
const LOADED_AT = 1_795_998_579_699;

/**
 * A file system of one file whose save happens during the first read (`saveAt`: the time the
 * save gets; the read returns the saved bytes), as when an editor saves the moment the program
 * starts: the order of the read and the stat decides what the save looks like.
 */
function savingDuringRead(before: { text: string; mtimeMs: number }, after: { text: string; mtimeMs: number }): DiskAccess {
  let file = before;
  return {
    readFileSync: () => {
      file = after;
      return Buffer.from(file.text);
    },
    statSync: () => ({ mtimeMs: file.mtimeMs }),
  };
}

describe("sameContent", () => {
  test("bytes compare byte for byte; text compares as UTF-8", () => {
    assert.equal(sameContent(Buffer.from(V1), Buffer.from(V1)), true);
    assert.equal(sameContent(Buffer.from(V1), Buffer.from(V2)), false);
    assert.equal(sameContent(V1, Buffer.from(V1)), true);
    assert.equal(sameContent("é", Buffer.from("é")), true);
    assert.equal(sameContent(V1, Buffer.from(V2)), false);
  });

  test("what is not known never equals the disk", () => {
    assert.equal(sameContent(undefined, Buffer.from(V1)), false);
  });

  test("bytes that are not UTF-8 do not equal the text they decode to", () => {
    assert.equal(sameContent("\ufffd", Buffer.from([0xff])), false);
  });
});

describe("changedFrom", () => {
  test("a file changed when any module loaded from it acted on something else", () => {
    const disk = Buffer.from(V2);
    assert.equal(changedFrom([Buffer.from(V2)], disk), false);
    assert.equal(changedFrom([Buffer.from(V2), V1], disk), true);
    assert.equal(changedFrom([undefined], disk), true);
  });

  test("a file that cannot be read changed (a look reports it)", () => {
    assert.equal(changedFrom([Buffer.from(V1)], undefined), true);
  });
});

describe("modification times and lagging clocks", () => {
  test("a fine-grained time may lag the clock by COARSE_CLOCK_MS; a time in whole seconds by WHOLE_SECONDS_MS", () => {
    assert.equal(clockMarginMs(LOADED_AT + 0.3425), COARSE_CLOCK_MS);
    assert.equal(clockMarginMs(1_795_998_579_000), WHOLE_SECONDS_MS);
  });

  test("a save a few ms after a load whose time lags the clock may be since the load", () => {
    // Seen on Linux: saved after a load at ...699, stamped ...696 (the kernel's coarse clock).
    assert.equal(mayBeModifiedSince(LOADED_AT - 3, LOADED_AT), true);
    assert.equal(mayBeModifiedSince(LOADED_AT - COARSE_CLOCK_MS - 1, LOADED_AT), false);
  });

  test("on a file system of whole seconds, a save 700 ms after a load stamped before it may be since the load", () => {
    const load = 1_795_998_579_700;
    assert.equal(mayBeModifiedSince(1_795_998_579_000, load), true);
    assert.equal(mayBeModifiedSince(1_795_998_576_000, load), false);
  });
});

describe("loadedFromText: what a module handed over as text was loaded from", () => {
  test("the text itself, when the file still holds it", () => {
    assert.equal(loadedFromText(V1, LOADED_AT, { bytes: Buffer.from(V1), modifiedMs: LOADED_AT - 5000 }), V1);
  });

  test("the file's bytes, when another loader compiled them before the load (its text never equals the file)", () => {
    const bytes = Buffer.from("export const version: number = 1;\n");
    assert.equal(loadedFromText(V1, LOADED_AT, { bytes, modifiedMs: LOADED_AT - 5000 }), bytes);
  });

  test("not known, when the file was saved since the load: its next look is an update", () => {
    assert.equal(loadedFromText(V1, LOADED_AT, { bytes: Buffer.from(V2), modifiedMs: LOADED_AT + 40.5 }), undefined);
  });

  test("not known, when the save's time lags the clock to just before the load", () => {
    assert.equal(loadedFromText(V1, LOADED_AT, { bytes: Buffer.from(V2), modifiedMs: LOADED_AT - 3.3 }), undefined);
  });

  test("not known, on a file system of whole seconds, when the save is stamped up to two seconds before the load", () => {
    assert.equal(loadedFromText(V1, 1_795_998_579_700, { bytes: Buffer.from(V2), modifiedMs: 1_795_998_579_000 }), undefined);
    assert.equal(loadedFromText(V1, 1_795_998_579_700, { bytes: Buffer.from(V2), modifiedMs: 1_795_998_578_000 }), undefined);
  });

  test("the text, when the file cannot be read (nothing better is known; a look reports the file)", () => {
    assert.equal(loadedFromText(V1, LOADED_AT, undefined), V1);
  });

  test("a save that lands while the file is read is not taken for what was loaded (issue 10: edits lost on Node 22 and 26)", () => {
    const fs = savingDuringRead({ text: V1, mtimeMs: LOADED_AT - 60_000 }, { text: V2, mtimeMs: LOADED_AT + 41.3 });
    const disk = readDisk("/app/lib/leaf.cjs", fs);
    assert.deepEqual(disk, { bytes: Buffer.from(V2), modifiedMs: LOADED_AT + 41.3 });
    assert.equal(loadedFromText(V1, LOADED_AT, disk), undefined);
  });
});

describe("loadedBefore: what another loader read during a require() that started at a time", () => {
  test("the bytes, when they were on disk before the require() started", () => {
    const bytes = Buffer.from(V1);
    assert.equal(loadedBefore(LOADED_AT, { bytes, modifiedMs: LOADED_AT - 5000 }), bytes);
  });

  test("not known, when the file was saved during the require() (a long synchronous start-up)", () => {
    assert.equal(loadedBefore(LOADED_AT, { bytes: Buffer.from(V2), modifiedMs: LOADED_AT + 600 }), undefined);
    assert.equal(loadedBefore(LOADED_AT, undefined), undefined);
  });
});

describe("readDisk", () => {
  test("reads the bytes first, then the time: the time is never older than the bytes", () => {
    const calls: string[] = [];
    const fs: DiskAccess = {
      readFileSync: () => (calls.push("read"), Buffer.from(V1)),
      statSync: () => (calls.push("stat"), { mtimeMs: 7 }),
    };
    assert.deepEqual(readDisk("/x", fs), { bytes: Buffer.from(V1), modifiedMs: 7 });
    assert.deepEqual(calls, ["read", "stat"]);
  });

  test("a file that cannot be read gives undefined", () => {
    const fs: DiskAccess = {
      readFileSync: () => {
        throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      },
      statSync: () => ({ mtimeMs: 0 }),
    };
    assert.equal(readDisk("/gone", fs), undefined);
  });
});

describe("needsLook: a file handed to the watcher before its watch was in effect", () => {
  const ADDED = 1_795_998_580_000.5;

  test("the runtime's answer decides when it has one, whatever the file's time", () => {
    assert.equal(needsLook(true, ADDED - 60_000, ADDED), true);
    assert.equal(needsLook(false, ADDED + 10, ADDED), false);
  });

  test("without one (a file not in the graph), a file modified since shortly before it was handed over is looked at", () => {
    assert.equal(needsLook(undefined, ADDED - LOAD_MARGIN_MS + 1, ADDED), true);
    assert.equal(needsLook(undefined, ADDED - LOAD_MARGIN_MS - COARSE_CLOCK_MS - 1, ADDED), false);
  });

  test("with a time in whole seconds, the margin grows by the file system's granularity", () => {
    assert.equal(needsLook(undefined, 1_795_998_578_000, ADDED), true);
    assert.equal(needsLook(undefined, 1_795_998_576_000, ADDED), false);
  });

  test("a file that is gone or unreadable is looked at (the look reports it)", () => {
    assert.equal(needsLook(undefined, undefined, ADDED), true);
  });
});

describe("a save during an update", () => {
  test("a file read at another size than the watcher settled it is being saved again", () => {
    assert.equal(savedAgain(40, 41), true);
    assert.equal(savedAgain(40, 40), false);
    assert.equal(savedAgain(undefined, 41), false);
  });

  test("after a batch, a file whose size moved with no event since gets another look", () => {
    assert.equal(needsAnotherLook(40, 41, false), true);
    assert.equal(needsAnotherLook(40, undefined, false), true);
    assert.equal(needsAnotherLook(40, 41, true), false);
    assert.equal(needsAnotherLook(40, 40, false), false);
  });
});

describe("identityOf (the command's watch)", () => {
  test("the content alone: the same bytes are the same identity, other bytes another; a missing file has an identity of its own", () => {
    assert.equal(identityOf(Buffer.from("PORT=1\n")), identityOf(Buffer.from("PORT=1\n")));
    assert.notEqual(identityOf(Buffer.from("PORT=1\n")), identityOf(Buffer.from("PORT=2\n")));
    assert.notEqual(identityOf(Buffer.from("")), identityOf(undefined));
    assert.equal(identityOf(undefined), "missing");
  });
});
