// One edit session: a running app whose leaf.mjs is saved `saves` times, measuring for each save
// the time from the save returning to the first run of that version (or a newer one) of the leaf,
// by the clock the leaf prints (see leaf.mjs).
//
// Saves:
//   - open loop (HMR tools): one every 20-50 ms, whatever the app does;
//   - closed loop (restart tools): each one 20-50 ms after the previous save's code ran (or after
//     `deadlineMs` without it);
//   - every `tornEvery`-th save is written in two steps through one file descriptor: truncate and
//     write the first part (itself valid JS, printing a `torn` marker), then the rest 5-20 ms
//     later; the save counts as finished when the descriptor is closed;
//   - the session ends with a burst of 3 saves 1 ms apart (a formatter writing after the editor);
//     the last one must run within 2 s, or the session is "stale".
// Before all that, a pause of `startPauseMs` after the app is up, then `warmup` saves that wait
// for their code one by one (not counted; a missed one is followed by a save of new content, and
// counted in `warmupMissed`): they also make sure the tool's watcher is up.

import { closeSync, openSync, writeSync, writeFileSync } from "node:fs";
import { leafSource, parseLeafLine } from "./leaf.mjs";
import { between, now, sleep } from "./proc.mjs";

export const STALE_WAIT_MS = 2000;

export async function editSession(app, leafFile, options) {
  const {
    saves,
    closedLoop = false,
    tornEvery = 4,
    warmup = 3,
    deadlineMs = 5000,
    gapMs = [20, 50],
    splitMs = [5, 20],
    header = "",
    padding = "",
    firstSeq = 1,
    finalBurst = 3,
    staleWaitMs = STALE_WAIT_MS,
    startPauseMs = 300,
  } = options;
  const runs = new Map(); // seq -> first `ok` run time (child clock)
  const tornSeen = [];
  let empties = 0;
  let maxSeq = -1;
  let pipeLagMin = Infinity; // receive time - child time: must be >= 0 if the clocks agree
  const waiters = new Set();
  const off = app.onLine((line) => {
    const rec = parseLeafLine(line.text);
    if (!rec) return;
    pipeLagMin = Math.min(pipeLagMin, line.at - rec.t);
    if (rec.kind === "empty") {
      empties++;
      return;
    }
    if (rec.kind === "torn") {
      tornSeen.push(rec.seq);
      return;
    }
    if (!runs.has(rec.seq)) runs.set(rec.seq, rec.t);
    if (rec.seq > maxSeq) maxSeq = rec.seq;
    for (const w of [...waiters]) if (rec.seq >= w.seq) w.done(true);
  });
  const waitSeq = (seq, ms) =>
    maxSeq >= seq
      ? Promise.resolve(true)
      : new Promise((resolve) => {
          const w = {
            seq,
            done: (ok) => {
              clearTimeout(timer);
              waiters.delete(w);
              resolve(ok);
            },
          };
          const timer = setTimeout(() => w.done(false), ms);
          waiters.add(w);
        });

  const saved = []; // { seq, t, twoStep }
  const save = async (seq, twoStep) => {
    const { full, partial } = leafSource(seq, { header, padding });
    if (twoStep) {
      const fd = openSync(leafFile, "w");
      try {
        writeSync(fd, partial);
        await sleep(between(...splitMs));
        writeSync(fd, full.slice(partial.length));
      } finally {
        closeSync(fd);
      }
    } else {
      writeFileSync(leafFile, full);
    }
    const t = now();
    saved.push({ seq, t, twoStep });
    return t;
  };

  const phases = {};
  let phaseStart = performance.now();
  const phase = (name) => {
    const t = performance.now();
    phases[name] = Math.round(t - phaseStart);
    phaseStart = t;
  };
  try {
    // Nobody saves the instant an app is up: let the tools' watchers finish their set-up.
    await sleep(startPauseMs);
    phaseStart = performance.now();
    let seq = firstSeq;
    // Warm-up: one at a time. A save whose code does not run within 1.5 s is counted as missed
    // and followed by a save of new content (a user who saved again); 3 misses in a row fail.
    let warmupMissed = 0;
    for (let i = 0, misses = 0; i < warmup; seq++) {
      await save(seq, false);
      if (await waitSeq(seq, 1500)) {
        i++;
        misses = 0;
        await sleep(between(...gapMs));
      } else {
        warmupMissed++;
        if (++misses >= 3) throw new Error(`${app.name}: 3 warm-up saves in a row never ran\n${app.tail(15)}`);
      }
    }
    saved.length = 0;
    phase("warmupMs");
    const first = seq;
    let missedDeadlines = 0;
    for (let i = 0; i < saves; i++, seq++) {
      const twoStep = tornEvery > 0 && (i + 1) % tornEvery === 0;
      await save(seq, twoStep);
      if (closedLoop && !(await waitSeq(seq, deadlineMs))) missedDeadlines++;
      if (i < saves - 1 || finalBurst > 0) await sleep(between(...gapMs));
    }
    for (let i = 0; i < finalBurst; i++, seq++) {
      await save(seq, false);
      if (i < finalBurst - 1) await sleep(1);
    }
    const last = seq - 1;
    phase("savesMs");
    const stale = !(await waitSeq(last, staleWaitMs)) || !runs.has(last);
    phase("finalWaitMs");

    // Latency of each save: first run of a version >= its own.
    const seqs = [...runs.keys()].sort((a, b) => a - b);
    const latencies = [];
    let skipped = 0;
    let never = 0;
    for (const s of saved) {
      if (!runs.has(s.seq)) skipped++;
      let t;
      for (const r of seqs) if (r >= s.seq && (t === undefined || runs.get(r) < t)) t = runs.get(r);
      if (t === undefined) never++;
      else latencies.push(t - s.t);
    }
    const tornCount = tornSeen.filter((s) => s >= first).length;
    return {
      saves: saved.length,
      twoStepSaves: saved.filter((s) => s.twoStep).length,
      latencies,
      skipped,
      never,
      stale,
      torn: tornCount,
      empty: empties,
      missedDeadlines,
      pipeLagMinMs: pipeLagMin,
      warmupMissed,
      phases,
      // What the app said, when something went wrong (its stderr explains a stale session).
      tail: stale || never > 0 ? app.tail(40) : undefined,
      exited: app.exited,
    };
  } finally {
    off();
    for (const w of [...waiters]) w.done(false);
  }
}
