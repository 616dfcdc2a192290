// One closed-loop edit session: a running app whose leaf.mjs is saved `saves` times, each save
// made `gapMs` after the previous save's code ran, so that every save measures the tool's own
// latency (save returned → first run of that version of the leaf, by the clock the leaf prints),
// apart from how it copes with bursts (the open-loop session in edits.mjs).
//
// Saves rotate through the ways editors write a file:
//   - write: one writeFileSync (open with truncation, one write(), close);
//   - truncate: the file truncated, then 1-5 ms later its text written in one write() through the
//     same descriptor (an editor that truncates first, then writes);
//   - rename: the text written to a temporary file beside it, renamed over it (atomic save).
// A save is torn when the tool runs what was on disk halfway: the empty file (the apps print
// `@@hot empty`) or a first part (`@@hot torn`). Each is counted against the kind of the save
// in progress (one at a time: the loop waits).
// A save whose code does not run within `deadlineMs` is missed; after 3 missed in a row the tool
// has stopped applying saves: the session ends and the saves it did not make count as missed too.

import { closeSync, openSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { leafSource, parseLeafLine } from "./leaf.mjs";
import { between, now, sleep } from "./proc.mjs";

export const SAVE_KINDS = ["write", "truncate", "rename"];

/** Saves `text` to `file` the `kind` way; resolves when the save is complete. */
export async function saveAs(file, text, kind) {
  if (kind === "write") {
    writeFileSync(file, text);
  } else if (kind === "truncate") {
    const fd = openSync(file, "w");
    try {
      await sleep(between(1, 5));
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  } else if (kind === "rename") {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } else {
    throw new Error(`unknown save kind ${kind}`);
  }
}

export async function closedLoopSession(app, leafFile, options) {
  const { saves, kinds = SAVE_KINDS, gapMs = 30, deadlineMs = 2000, warmup = 3, header = "", firstSeq = 1, startPauseMs = 300 } = options;
  const runs = new Map(); // seq -> first run time (child clock)
  let maxSeq = -1;
  let current; // the save in progress: { seq, kind }
  const torn = Object.fromEntries(kinds.map((k) => [k, 0]));
  const tornSeen = []; // what ran torn, during which save (kept in the JSON results)
  let waiter;
  const off = app.onLine((line) => {
    const rec = parseLeafLine(line.text);
    if (!rec) return;
    if (rec.kind !== "ok") {
      // The empty file or the first part of a write ran: torn.
      if (current) torn[current.kind]++;
      tornSeen.push({ line: line.text, during: current, afterSeq: maxSeq });
      return;
    }
    if (!runs.has(rec.seq)) runs.set(rec.seq, rec.t);
    if (rec.seq > maxSeq) maxSeq = rec.seq;
    if (waiter && rec.seq >= waiter.seq) waiter.done(true);
  });
  const waitSeq = (seq, ms) =>
    maxSeq >= seq
      ? Promise.resolve(true)
      : new Promise((resolve) => {
          const timer = setTimeout(() => w.done(false), ms);
          const w = {
            seq,
            done: (ok) => {
              clearTimeout(timer);
              waiter = undefined;
              resolve(ok);
            },
          };
          waiter = w;
        });

  try {
    await sleep(startPauseMs);
    let seq = firstSeq;
    for (let i = 0, misses = 0; i < warmup; seq++) {
      writeFileSync(leafFile, leafSource(seq, { header }).full);
      if (await waitSeq(seq, 1500)) {
        i++;
        misses = 0;
        await sleep(gapMs);
      } else if (++misses >= 3) throw new Error(`${app.name}: 3 warm-up saves in a row never ran\n${app.tail(15)}`);
    }
    const latencies = [];
    const byKind = Object.fromEntries(kinds.map((k) => [k, { saves: 0, latencies: [] }]));
    let missed = 0;
    let inARow = 0;
    let lost = false;
    for (let i = 0; i < saves; i++, seq++) {
      if (inARow >= 3) {
        // The tool stopped applying saves: what was not saved is missed as well.
        lost = true;
        missed += saves - i;
        break;
      }
      const kind = kinds[i % kinds.length];
      current = { seq, kind };
      await saveAs(leafFile, leafSource(seq, { header }).full, kind);
      const t = now();
      byKind[kind].saves++;
      if (await waitSeq(seq, deadlineMs)) {
        const ms = runs.get(seq) - t;
        latencies.push(ms);
        byKind[kind].latencies.push(ms);
        inARow = 0;
      } else {
        missed++;
        inARow++;
      }
      await sleep(gapMs);
      current = undefined;
    }
    return {
      saves,
      latencies,
      byKind,
      torn,
      tornSeen,
      missed,
      lost,
      tail: missed || tornSeen.length ? app.tail(40) : undefined,
      exited: app.exited,
    };
  } finally {
    off();
    waiter?.done(false);
  }
}
