/**
 * The torture test (issue 6, widened by issue 10): a seeded random sequence of file operations on
 * a generated project of 41 files running under `node --import hotload`
 * (fixtures/stress-torture/app.mjs is the entry), with the invariants checked after each burst
 * once the process has settled.
 *
 * The project (test/stress/project.ts, sources from render.ts): index.mjs, six roots, ten middle
 * modules of random roles, six leaves, a two-module cycle, data.json, lazy.mjs (imported
 * dynamically), opt.mjs (imported by some versions of one module only, so it gets pruned and
 * loaded again); `.ts` files run through Node's type stripping; CommonJS modules (ka.cjs and
 * kb.cjs in one folder both requiring ./ku.cjs, a require chain kc.cjs -> kd.cjs under an ES module
 * that accepts kc.cjs, ke.cjs doing require() of an ES module, module.hot handlers); sw.js, a
 * typeless `.js` whose versions switch between CommonJS and ESM syntax; a cycle v0.mjs <-> v1.mjs
 * that calls invalidate() in its accept handlers; and a worker thread (wk.mjs starts it on
 * wmain.mjs, which imports wdep.mjs, hot inside the worker). What still hits a bug of issue 10 is
 * switched off in one place, KNOWN_OPEN in project.ts.
 *
 * Operations: valid edits (in place, atomic rename over the file, truncate-then-write), touches,
 * syntax errors, modules that throw while evaluating, dropped exports that break linking, invalid
 * JSON, deletions and re-creations, a file turned into a directory and back, throwing accept,
 * dispose and prune handlers, saves during an update (a module that busy-waits while it
 * evaluates), syntax switches of sw.js and dispose handlers that never settle (passed after
 * HANDLER_TIMEOUT_MS), saves of what a CommonJS module requires right after its own (as its update
 * starts), and saves the moment the program's modules have run (CommonJS modules and the ES
 * modules they require: issue 10's lost edits). Operations come in bursts, 0 or 1 ms apart, or between two
 * updates.
 *
 * After each burst the test asks the harness for the token of every module's running version until
 * what must hold holds, or nothing has happened for a while (no fixed sleeps). What must hold:
 * - a module whose file is good runs the content on disk, unless its update was caught up with a
 *   broken file (then it may keep its previous version until the project is whole again: when no
 *   file is broken, every module must run the content on disk, with no exception);
 * - a broken file (syntax error, throw, dropped export, deleted, a directory) was reported in an
 *   error line naming it, after it broke;
 * - after a burst that left no file broken, every module's token and view (its token and those of
 *   the imports whose change re-evaluates it, as it sees them) equal what a fresh plain `node` run
 *   of the same files prints (fixtures/stress-torture/oracle.mjs): an oracle that shares nothing
 *   with the test's model of hotload, and sees a module that kept an old copy of an import;
 * - throwing handlers were reported with their module; no update overlapped another; no
 *   warning, unhandled rejection or uncaught exception was printed; the process is alive;
 * - no "cannot hot-update" line, except the one that says an invalidation came back round the
 *   cycle v0.mjs <-> v1.mjs and stopped (issue 10, item 9, as in Vite), which must be printed when
 *   a new version of either runs with no file broken; the versions evaluated until then keep
 *   running, and later saves apply (the checks above).
 * The entry app.mjs accepts ./gen/index.mjs, so it has hot code: in-place updates (issue 16, for
 * entries without any) never apply here, and no change is expected to end at "nothing accepts it".
 * At the end: the graph lists exactly the project's files, no inotify watch or process listener
 * was leaked, and the heap grew no more than the kept module versions account for.
 * Each seed then also picks an entry shape of the restart oracle (test/oracle/seeded.ts: a
 * real-world entry with no hot code, and edits of its files drawn from the seed), which, updated
 * in place, must look from outside as plain restarts of the same files do.
 *
 * HOTLOAD_STRESS_OPS sets the number of operations (default 300), HOTLOAD_STRESS_SEED replays a
 * run (the seed is printed first: the operations depend on it alone; `7,8,9` runs three),
 * HOTLOAD_STRESS_OPEN=none turns on what KNOWN_OPEN leaves out (or names what to leave out),
 * HOTLOAD_STRESS_KEEP=1 keeps the project and prints its folder, HOTLOAD_STRESS_LOG=file writes
 * the process's output with the operations, checks and violations where they happened,
 * HOTLOAD_STRESS_CHILD_LOG=debug runs the process with HOTLOAD_LOG=debug.
 */
import assert from "node:assert/strict";
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, spawnHot, type Running } from "../helpers/e2e.js";
import { ask, inotifyInodes, isErrorLine, maybeLine, nextOutput, pause, printedUpdates, watchedPaths } from "./harness.js";
import { editable, generateProject, JSON_FILE, LEFT_OUT, OPTIONAL, ProjectGraph, type Content } from "./project.js";
import { isCommonJs, render } from "./render.js";

import { Random, seedsFromEnv } from "./random.js";
import { check } from "../oracle/oracle.js";
import { seededShape } from "../oracle/seeded.js";

const OPS = opsFromEnv();
/** One run per seed, one after the other (CI gives three; locally one random seed). */
const SEEDS = seedsFromEnv();
const KEEP = process.env["HOTLOAD_STRESS_KEEP"] === "1";
// A handler that never settles is reported and passed after this long (issue 10, item 8): well
// inside the harness's 8 s settle limit, so a hanging handler is a delay, not a wedge.
const HANDLER_TIMEOUT_MS = "1000";
/** Nothing printed and no update running for this long: the process has settled (ms). */
const QUIET_MS = 700;
/** Since the last save, the least time before a state with nothing wrong counts as settled (ms). */
const CALM_MS = 50;
/**
 * An invalidation that came back round the cycle v0.mjs <-> v1.mjs to where it started, and
 * stopped (issue 10, item 9): `./gen/v0.mjs → ./gen/v1.mjs → ./gen/v0.mjs`, or from v1.mjs.
 */
const CYCLE_STOP =
  /^\[hotload\] cannot hot-update \.\/gen\/(v[01])\.mjs: invalidate\(\) came back to it round an import cycle \(\.\/gen\/\1\.mjs → \.\/gen\/(?!\1)v[01]\.mjs → \.\/gen\/\1\.mjs\); restart needed$/;
/** The most one settling may take (ms). */
const SETTLE_MS = 8_000;
/** The whole run's budget: past it, the run stops early and says so (ms). */
const BUDGET_MS = 75_000;

function opsFromEnv(): number {
  const raw = process.env["HOTLOAD_STRESS_OPS"];
  if (raw === undefined || raw.trim() === "") return 300;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`HOTLOAD_STRESS_OPS must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

if (!KEEP) after(cleanup);

/** One file as it is on disk now. */
interface Disk {
  kind: "file" | "missing" | "dir";
  /** The file's text when kind is "file"; its last text otherwise. */
  content: Content;
  /** Line index of the child's output when the file took this state (errors must come after). */
  since: number;
  /** Burst in which it took this state. */
  burst: number;
}

/** What the harness answers to `state`. */
interface Observation {
  modules: { file: string; version: number; token: string | null; view: string | null }[];
  open: boolean;
  evaluations: number;
  listeners: number;
}

/** What the fresh-run oracle prints: per loaded file, its token and view. */
type FreshRun = Record<string, { token: string; view: string | null }>;

/** What does not hold after a burst (see Torture.#problems). */
interface Problems {
  readonly observation: Observation;
  readonly stale: string[];
  readonly swallowed: string[];
  readonly unreported: string[];
  readonly masked: string[];
  /** opt.mjs is in the graph when its importer's running version does not import it, or the other way round. */
  presence: boolean;
}

/** The error lines that report a version that could not be loaded. */
const LOAD_ERROR = / — (keeping|rolled back)| was deleted| cannot be read/;

/** An invariant that did not hold. */
interface Violation {
  readonly kind: ViolationKind;
  readonly burst: number;
  readonly file?: string | undefined;
  readonly detail: string;
}

type ViolationKind =
  | "died"
  | "lost"
  | "missed"
  | "unrecoverable"
  | "unreported"
  | "masked"
  | "unnamed"
  | "duplicate"
  | "dead-end"
  | "cycle"
  | "overlap"
  | "warning"
  | "unhandled"
  | "uncaught"
  | "watcher-error"
  | "callback-missing"
  | "callback-spurious"
  | "listener-leak"
  | "graph"
  | "deleted-twice"
  | "oracle";

/** One file operation of a burst. */
type Op =
  | {
      readonly kind: "write";
      readonly file: string;
      readonly content: Content;
      readonly how: "inplace" | "atomic" | "torn";
      readonly label: string;
    }
  | { readonly kind: "delete" | "dir"; readonly file: string; readonly label: string }
  | { readonly kind: "touch"; readonly file: string; readonly how: "utimes" | "same"; readonly label: string };

/** How long to wait before an operation of a burst. */
type Gap = "none" | "1ms" | "5ms" | "tick" | "update";

/** What a run measured, for the tests below to judge. */
interface Report {
  seed: number;
  ops: number;
  bursts: number;
  checks: number;
  cleanChecks: number;
  tokenChecks: number;
  errorChecks: number;
  callbackChecks: number;
  /** Lines saying that an invalidation came back round the cycle v0.mjs <-> v1.mjs and stopped. */
  cycleStops: number;
  /** Settled checks compared with a fresh `node` run, and the module views compared. */
  oracle: { runs: number; views: number };
  midUpdate: { tried: number; hit: number };
  kinds: Record<string, number>;
  healWrites: number;
  violations: Violation[];
  alive: boolean;
  stoppedEarly: string | undefined;
  durationMs: number;
  graph: { expected: number; actual: number } | undefined;
  /** The paths the process held inotify watches on, after the first burst and at the end. */
  watches: { start: string[] | undefined; end: string[] | undefined };
  /** What may be watched: the app's folder, gen/, and the project's files. */
  watchable: string[];
  listeners: { start: number; end: number } | undefined;
  memory: { start: number; end: number; evaluations: number; bytesPerEvaluation: number } | undefined;
  log: string[];
}

class Torture {
  readonly #random: Random;
  /** Tokens of healing writes: drawn apart, so the operation sequence depends on the seed only. */
  readonly #healRandom: Random;
  readonly #graph: ProjectGraph;
  readonly #names: string[];
  #dir = "";
  #gen = "";
  #run!: Running;
  readonly #disk = new Map<string, Disk>();
  readonly #contents = new Map<string, { readonly file: string; readonly content: Content }>();
  /** Files that ever had a version whose accept/dispose/prune handler throws. */
  readonly #flagged = { accept: new Set<string>(), dispose: new Set<string>(), prune: new Set<string>() };
  /** Good files that may keep running their previous version (their update met a broken file). */
  readonly #doubtful = new Set<string>();
  readonly #deletions = new Map<string, number>();
  /**
   * Files gone (deleted, or a folder) at the last check, with the line mark of when they went: a
   * file re-created and gone again before the next check may never have been seen in between,
   * so the report of the first going counts for the second.
   */
  readonly #goneAtCheck = new Map<string, number>();
  readonly #lastGood = new Map<string, Content>();
  readonly #timeline: { line: number; text: string }[] = [];
  /** Per module file: its running version, and the line from which it may have run. */
  readonly #firstSeen = new Map<string, { version: number; from: number }>();
  /** Modules whose listener was heard more than once per update, and how often that was seen. */
  readonly #leaks = new Map<string, number>();
  /** Per burst: the files it wrote, those it left broken at some point, and whether an earlier update was pending. */
  readonly #bursts = new Map<number, { written: Set<string>; broke: Set<string>; pendingBefore: boolean }>();
  readonly #reported = new Set<string>();
  #previous = new Map<string, { version: number; token: string | null }>();
  #checkMark = 0;
  /** The line count when the last observation was asked for: later lines may postdate it. */
  #observedMark = 0;
  #scanned = 0;
  #lastActivity = 0;
  #lastWrite = 0;
  #burst = 0;
  #tmp = 0;
  readonly #started = performance.now();
  readonly report: Report;

  constructor(seed: number) {
    this.#random = new Random(seed);
    this.#healRandom = new Random(seed ^ 0x5bd1e995);
    this.#graph = new ProjectGraph(generateProject(this.#random));
    this.#names = this.#graph.spec.modules.map((m) => m.name);
    this.report = {
      seed,
      ops: 0,
      bursts: 0,
      checks: 0,
      cleanChecks: 0,
      tokenChecks: 0,
      errorChecks: 0,
      cycleStops: 0,
      callbackChecks: 0,
      oracle: { runs: 0, views: 0 },
      midUpdate: { tried: 0, hit: 0 },
      kinds: {},
      healWrites: 0,
      violations: [],
      alive: true,
      stoppedEarly: undefined,
      durationMs: 0,
      graph: undefined,
      watches: { start: undefined, end: undefined },
      watchable: [],
      listeners: undefined,
      memory: undefined,
      log: [],
    };
  }

  // -----------------------------------------------------------------------------------------------
  // The run.

  async run(ops: number): Promise<Report> {
    this.#dir = realpathSync(copyFixture("stress-torture"));
    this.#gen = join(this.#dir, "gen");
    mkdirSync(this.#gen);
    for (const m of this.#graph.spec.modules) {
      const content = this.#fresh(m.name, this.#random, m.optional ? { optional: this.#random.chance(0.5) } : {});
      this.#write(m.name, content, "inplace");
    }
    if (KEEP) process.stderr.write(`[stress] project kept in ${this.#dir}\n`);
    // HOTLOAD_STRESS_CHILD_LOG=debug passes HOTLOAD_LOG=debug on, to see the runtime's decisions in the log.
    const childLog = process.env["HOTLOAD_STRESS_CHILD_LOG"];
    // Most runs start with saves made the moment the program's modules have run (drawn now: the
    // operations depend on the seed alone).
    const atReady = this.#random.chance(0.75) ? this.#readyBurst() : undefined;
    this.#run = spawnHot(join(this.#dir, "app.mjs"), {
      stdin: true,
      nodeArgs: ["--expose-gc"],
      env: { HOTLOAD_HANDLER_TIMEOUT_MS: HANDLER_TIMEOUT_MS, ...(childLog ? { HOTLOAD_LOG: childLog } : {}) },
    });
    // The saves at start-up land the moment the program's modules have run, before hotload has
    // recorded what they loaded; the burst's check waits for the harness as usual.
    if (atReady) {
      await this.#run.waitForLine("harness loaded", 20_000);
      await this.#burstOf(atReady);
    } else {
      await this.#run.waitForLine("harness ready", 20_000);
      await this.#settleAndCheck();
    }
    const pid = this.#run.child.pid!;
    const watched = (): string[] | undefined => {
      const inodes = inotifyInodes(pid);
      return inodes && watchedPaths(inodes, this.#dir);
    };
    this.report.watches.start = watched();
    const first = await ask<Observation>(this.#run, "state");
    const heapStart = (await ask<{ heapUsed: number }>(this.#run, "mem")).heapUsed;
    const listenersStart = first.listeners;
    const evaluationsStart = first.evaluations;

    let uncleanBursts = 0;
    while (this.report.ops < ops && this.report.alive && this.report.stoppedEarly === undefined) {
      if (performance.now() - this.#started > BUDGET_MS) {
        this.report.stoppedEarly = `the time budget of ${BUDGET_MS} ms ran out after ${this.report.ops} operations`;
        break;
      }
      const broken = this.#broken();
      const repair = broken.length > 0 && (uncleanBursts >= 3 || this.#random.chance(0.35));
      await this.#burstOf(repair ? this.#repairBurst(broken) : this.#randomBurst(ops - this.report.ops));
      uncleanBursts = this.#broken().length > 0 ? uncleanBursts + 1 : 0;
    }
    // Whole again at the end, so that the last check is the strict one.
    if (this.report.alive && this.#broken().length > 0) await this.#burstOf(this.#repairBurst(this.#broken()));

    if (this.report.alive) {
      this.report.watches.end = watched();
      this.report.watchable = [this.#dir, this.#gen, join(this.#dir, "app.mjs"), ...this.#names.map((name) => this.#path(name))];
      const last = await ask<Observation>(this.#run, "state");
      const heapEnd = (await ask<{ heapUsed: number }>(this.#run, "mem")).heapUsed;
      this.report.listeners = { start: listenersStart, end: last.listeners };
      const evaluations = last.evaluations - evaluationsStart;
      this.report.memory = {
        start: heapStart,
        end: heapEnd,
        evaluations,
        bytesPerEvaluation: evaluations > 0 ? (heapEnd - heapStart) / evaluations : 0,
      };
      const host = this.#graph.spec.modules.find((m) => m.optional)!;
      const expected = this.#names.length + 1 - (this.#disk.get(host.name)!.content.optional ? 0 : 1);
      this.report.graph = { expected, actual: last.modules.length };
      for (const [name, deletions] of this.#deletions) {
        const file = this.#path(name);
        const lines = this.#run.lines.filter((l) => l === `[hotload] ${file} was deleted — the previous version keeps running`).length;
        if (lines > deletions) this.#violation("deleted-twice", name, `"was deleted" printed ${lines} times for ${deletions} deletion(s)`);
      }
    }
    this.report.durationMs = performance.now() - this.#started;
    if (this.report.alive) await this.#run.kill();
    const logTo = process.env["HOTLOAD_STRESS_LOG"];
    if (logTo) {
      const header = `seed ${this.report.seed}, project in ${this.#dir}\n${JSON.stringify(this.#graph.spec, null, 1)}\n`;
      // The process's output with the operations and violations at the point they happened.
      const timeline: string[] = [];
      let at = 0;
      const show = (line: string): string => {
        // A state answer, shortened to name:token@version.
        const state = /^STATE (\d+) (\{.*\})$/.exec(line);
        if (!state) return `    ${line.replaceAll(`${this.#gen}/`, "")}`;
        const o = JSON.parse(state[2]!) as Observation;
        const modules = o.modules
          .filter((m) => m.file.startsWith(this.#gen))
          .map((m) => `${m.file.slice(this.#gen.length + 1)}:${m.token}@${m.version}`);
        return `    STATE ${state[1]} ${o.open ? "(update running) " : ""}${modules.join(" ")}`;
      };
      for (const { line, text } of this.#timeline) {
        for (; at < line && at < this.#run.lines.length; at++) timeline.push(show(this.#run.lines[at]!));
        timeline.push(`>>> ${text}`);
      }
      for (; at < this.#run.lines.length; at++) timeline.push(show(this.#run.lines[at]!));
      writeFileSync(logTo, `${header}\n${timeline.join("\n")}\n`);
      process.stderr.write(`[stress] log written to ${logTo}\n`);
    }
    return this.report;
  }

  // -----------------------------------------------------------------------------------------------
  // Bursts.

  /** Up to 12 random operations (never more than `left`), with random gaps. */
  #randomBurst(left: number): { ops: Op[]; gaps: Gap[]; slowAt: number } {
    const size = Math.min(left, Number(this.#random.weighted({ 1: 28, 2: 20, 3: 15, 4: 11, 5: 8, 6: 7, 8: 6, 12: 5 })));
    const ops: Op[] = [];
    const gaps: Gap[] = [];
    let slowAt = -1;
    // Operations are drawn against the state the earlier ones of the burst leave.
    const planned = new Map<string, Disk>();
    const state = (name: string): Disk => planned.get(name) ?? this.#disk.get(name)!;
    for (let i = 0; i < size; i++) {
      // Depends on the seed only (not on what the checks saw), so that a seed replays the same operations.
      const clean = slowAt < 0 && this.#broken().length === 0 && [...planned.values()].every((d) => d.kind === "file" && !d.content.fault);
      // After a save of a CommonJS module, often one of what it requires, as the update of the
      // first starts or just before (issue 10: a required file's edit lost in that race).
      const previous = ops[i - 1];
      const required = previous?.kind === "write" && slowAt !== i - 1 ? this.#requiredBy(previous.file, state) : undefined;
      const racing = required !== undefined && this.#random.chance(0.5);
      const op = racing ? this.#raceWrite(required, state) : this.#randomOp(state, clean && i < size - 1);
      ops.push(op);
      if (racing) gaps.push(this.#random.weighted({ none: 1, "1ms": 1, tick: 1, update: 3 }));
      else
        gaps.push(
          i === 0
            ? "none"
            : slowAt === i - 1
              ? this.#random.pick(["none", "1ms"] as const)
              : this.#random.weighted({ none: 30, "1ms": 45, "5ms": 5, tick: 10, update: 10 }),
        );
      if (op.kind === "write" && op.content.slowMs) slowAt = i;
      if (op.kind === "write") planned.set(op.file, { kind: "file", content: op.content, since: 0, burst: 0 });
      else if (op.kind === "delete") planned.set(op.file, { ...state(op.file), kind: "missing" });
      else if (op.kind === "dir") planned.set(op.file, { ...state(op.file), kind: "dir" });
    }
    return { ops, gaps, slowAt };
  }

  #randomOp(state: (name: string) => Disk, slowAllowed: boolean): Op {
    const r = this.#random;
    // Files whose edits reach a bug still open (project.ts, KNOWN_OPEN) are left alone.
    const names = this.#names.filter((n) => editable(n));
    const present = names.filter((n) => state(n).kind === "file");
    const absent = names.filter((n) => state(n).kind !== "file");
    // Only good versions for the worker thread's files: a broken one would end the worker.
    const breakable = present.filter((n) => !this.#graph.get(n).worker);
    const modules = breakable.filter((n) => !this.#graph.get(n).json);
    const kind = r.weighted({
      edit: 28,
      atomic: 9,
      torn: 4,
      touch: 3,
      syntax: 7,
      json: 2,
      throw: 5,
      link: 3,
      delete: 3.5,
      dir: 2.5,
      recreate: absent.length > 0 ? 8 : 0,
      throwAccept: 3,
      throwDispose: 3,
      throwPrune: 2,
      toggle: 3,
      slow: slowAllowed ? 3 : 0,
      switch: LEFT_OUT.has("js-syntax-switch") ? 0 : 3,
      hang: LEFT_OUT.has("hanging-handler") ? 0 : 1.5,
    });
    const pickFrom = (names: readonly string[]): string | undefined => (names.length > 0 ? r.pick(names) : undefined);
    const good = (name: string, overrides: Partial<Content> = {}): Content =>
      this.#fresh(name, r, { ...this.#kept(state(name).content), ...overrides });
    const write = (file: string, content: Content, label: string, how: "inplace" | "atomic" | "torn" = "inplace"): Op => ({
      kind: "write",
      file,
      content,
      how,
      label,
    });
    switch (kind) {
      case "recreate": {
        const file = pickFrom(absent)!;
        // Sometimes exactly the text it had (unless that was broken: reported already).
        const again = r.chance(0.2) && !state(file).content.fault;
        return write(
          file,
          again ? state(file).content : good(file),
          `recreate (was ${state(file).kind})`,
          r.chance(0.3) ? "atomic" : "inplace",
        );
      }
      case "syntax": {
        const file = pickFrom(breakable)!;
        return write(
          file,
          good(file, { fault: "syntax" }),
          this.#graph.get(file).json ? "invalid JSON" : "syntax error",
          r.chance(0.2) ? "atomic" : "inplace",
        );
      }
      case "json": {
        if (state(JSON_FILE).kind === "file") return write(JSON_FILE, good(JSON_FILE, { fault: "syntax" }), "invalid JSON");
        break;
      }
      case "throw": {
        const file = pickFrom(modules);
        if (file) return write(file, good(file, { fault: "throw" }), "throws while evaluating");
        break;
      }
      case "link": {
        const file = pickFrom(modules.filter((n) => this.#graph.linkBreakable(n)));
        if (file) return write(file, good(file, { fault: "link" }), "drops the export its importers link");
        break;
      }
      case "delete": {
        const file = pickFrom(breakable);
        if (file) return { kind: "delete", file, label: "delete" };
        break;
      }
      case "dir": {
        const file = pickFrom(breakable);
        if (file) return { kind: "dir", file, label: "turn into a directory" };
        break;
      }
      case "throwAccept": {
        const file = pickFrom(
          modules.filter(
            (n) =>
              this.#graph.get(n).role === "self" && !this.#graph.get(n).invalidates && !isCommonJs(this.#graph.get(n), state(n).content),
          ),
        );
        if (file) return write(file, good(file, { throwAccept: true }), "accept handler throws for it");
        break;
      }
      case "throwDispose": {
        const file = pickFrom(modules);
        if (file) return write(file, good(file, { throwDispose: true }), "its dispose handler throws");
        break;
      }
      case "throwPrune": {
        if (state(OPTIONAL).kind === "file")
          return write(OPTIONAL, good(OPTIONAL, { throwPrune: true, throwDispose: r.chance(0.3) }), "its prune handler throws");
        break;
      }
      case "toggle": {
        const host = this.#graph.spec.modules.find((m) => m.optional)!.name;
        if (state(host).kind === "file") {
          const optional = !state(host).content.optional;
          return write(host, good(host, { optional }), optional ? `imports ${OPTIONAL} again` : `stops importing ${OPTIONAL}`);
        }
        break;
      }
      case "slow": {
        const file = pickFrom(modules);
        if (file) return write(file, good(file, { slowMs: 40 }), "evaluates slowly (saves follow during its update)");
        break;
      }
      case "switch": {
        const file = pickFrom(present.filter((n) => this.#graph.get(n).format === "js"));
        if (file) {
          const syntax = state(file).content.syntax === "esm" ? "cjs" : "esm";
          return write(file, good(file, { syntax }), syntax === "esm" ? "switches to ESM syntax" : "switches to CommonJS syntax");
        }
        break;
      }
      case "hang": {
        const file = pickFrom(modules);
        if (file) return write(file, good(file, { hang: true }), "its dispose handler never settles");
        break;
      }
      case "touch": {
        const file = pickFrom(present);
        if (file) return { kind: "touch", file, how: r.chance(0.5) ? "utimes" : "same", label: "touch" };
        break;
      }
      case "atomic":
      case "torn":
      case "edit":
        break;
    }
    const file = pickFrom(present);
    if (!file) {
      const missing = pickFrom(absent)!;
      return write(missing, good(missing), "recreate");
    }
    const how = kind === "atomic" ? "atomic" : kind === "torn" ? "torn" : "inplace";
    return write(file, good(file), how === "inplace" ? "edit" : how === "atomic" ? "atomic save" : "truncate, then write");
  }

  /**
   * Saves made the moment the program's modules have run: CommonJS modules and the ES modules they require,
   * which Node hands over as text (the runtime compares them with the file off the start-up path,
   * while these saves land).
   */
  #readyBurst(): { ops: Op[]; gaps: Gap[]; slowAt: number } {
    const r = this.#random;
    const state = (name: string): Disk => this.#disk.get(name)!;
    const byRequire = this.#names.filter(
      (n) =>
        editable(n) && !this.#graph.get(n).worker && (isCommonJs(this.#graph.get(n), state(n).content) || this.#requiredByAny(n, state)),
    );
    const ops = r
      .shuffle(byRequire)
      .slice(0, r.range(1, 3))
      .map((file): Op => ({
        kind: "write",
        file,
        content: this.#fresh(file, r, this.#kept(state(file).content)),
        how: "inplace",
        label: "edit at ready",
      }));
    // Spread over the first milliseconds, while hotload records what the program loaded.
    return { ops, gaps: ops.map((): Gap => r.weighted({ none: 2, tick: 1, "1ms": 1 })), slowAt: -1 };
  }

  /** A file that the CommonJS module `name` (as it is on disk) requires, to save next; undefined when none. */
  #requiredBy(name: string, state: (name: string) => Disk): string | undefined {
    const m = this.#graph.get(name);
    if (state(name).kind !== "file" || !isCommonJs(m, state(name).content)) return undefined;
    const deps = m.imports.filter((n) => editable(n) && !this.#graph.get(n).worker && state(n).kind === "file");
    return deps.length > 0 ? this.#random.pick(deps) : undefined;
  }

  /** Whether some CommonJS module requires `name`. */
  #requiredByAny(name: string, state: (name: string) => Disk): boolean {
    return this.#graph.importers(name).some((importer) => isCommonJs(this.#graph.get(importer), state(importer).content));
  }

  /** A good edit of `file`, saved while the update of the module that requires it starts. */
  #raceWrite(file: string, state: (name: string) => Disk): Op {
    return {
      kind: "write",
      file,
      content: this.#fresh(file, this.#random, this.#kept(state(file).content)),
      how: "inplace",
      label: "required file edited (racing its importer's update)",
    };
  }

  /** Fixes every broken file (sometimes back to exactly its last good text), plus a few edits. */
  #repairBurst(broken: readonly string[]): { ops: Op[]; gaps: Gap[]; slowAt: number } {
    const r = this.#random;
    const ops: Op[] = [];
    for (const file of r.shuffle(broken)) {
      const disk = this.#disk.get(file)!;
      const last = this.#lastGood.get(file);
      // Sometimes back to exactly the text that ran before it broke.
      const content = last && r.chance(0.15) ? last : this.#fresh(file, r, this.#kept(disk.content));
      ops.push({
        kind: "write",
        file,
        content,
        how: r.chance(0.3) ? "atomic" : "inplace",
        label: `repair (was ${disk.kind === "file" ? disk.content.fault : disk.kind})`,
      });
    }
    for (const file of r.some(
      this.#names.filter((n) => editable(n)),
      0.03,
    )) {
      if (broken.includes(file)) continue;
      ops.push({
        kind: "write",
        file,
        content: this.#fresh(file, r, this.#kept(this.#disk.get(file)!.content)),
        how: "inplace",
        label: "edit",
      });
    }
    const gaps = ops.map((_, i): Gap => (i === 0 ? "none" : r.weighted({ none: 40, "1ms": 50, tick: 10 })));
    return { ops, gaps, slowAt: -1 };
  }

  /** Runs a burst, then waits for the process to settle and checks the invariants. */
  async #burstOf(burst: { ops: Op[]; gaps: Gap[]; slowAt: number }): Promise<void> {
    this.#burst++;
    this.report.bursts++;
    const pendingBefore = [...this.#doubtful].some(
      (name) => this.#isGood(name) && this.#previous.get(this.#path(name))?.token !== this.#disk.get(name)!.content.token,
    );
    const written = new Set<string>();
    const broke = new Set<string>();
    this.#bursts.set(this.#burst, { written, broke, pendingBefore });
    for (const [i, op] of burst.ops.entries()) {
      const gap = burst.gaps[i] ?? "none";
      const mark = this.#run.mark();
      if (gap === "1ms") pause(1);
      else if (gap === "5ms") pause(5);
      else if (gap === "tick") await new Promise((resolve) => setImmediate(resolve));
      else if (gap === "update") await maybeLine(this.#run, /^UPDATE /, mark, 1_000);
      this.#execute(op);
      this.report.ops++;
      if (op.kind !== "touch") written.add(op.file);
      if (!this.#isGood(op.file)) broke.add(op.file);
      if (i === burst.slowAt && op.kind === "write") {
        this.report.midUpdate.tried++;
        // The next save lands while this module's new version is evaluating.
        if (await maybeLine(this.#run, new RegExp(`^EVALSTART ${op.file.replace(".", "\\.")} ${op.content.token}$`), mark, 3_000))
          this.report.midUpdate.hit++;
      }
    }
    const taint = broke.size > 0 || pendingBefore || [...written].some((name) => this.#isGood(name) && this.#entangled(name));
    for (const name of written) {
      if (this.#isGood(name) && (taint || this.#entangled(name))) this.#doubtful.add(name);
      else this.#doubtful.delete(name);
    }
    await this.#settleAndCheck();
  }

  #execute(op: Op): void {
    const path = this.#path(op.file);
    const disk = this.#disk.get(op.file)!;
    this.#log(op);
    this.#lastWrite = performance.now();
    switch (op.kind) {
      case "write": {
        const count = (kind: string): void => void (this.report.kinds[kind] = (this.report.kinds[kind] ?? 0) + 1);
        count(op.content.fault ? (this.#graph.get(op.file).json ? "invalid JSON" : op.content.fault) : op.label.split(" (")[0]!);
        if (disk.kind === "dir") rmSync(path, { recursive: true, force: true });
        const how = disk.kind === "file" ? op.how : op.how === "torn" ? "inplace" : op.how;
        this.#write(op.file, op.content, how);
        return;
      }
      case "delete":
        this.report.kinds["delete"] = (this.report.kinds["delete"] ?? 0) + 1;
        unlinkSync(path);
        this.#deletions.set(op.file, (this.#deletions.get(op.file) ?? 0) + 1);
        this.#disk.set(op.file, {
          ...disk,
          kind: "missing",
          since: this.#goneAtCheck.get(op.file) ?? this.#run.mark(),
          burst: this.#burst,
        });
        return;
      case "dir":
        this.report.kinds["directory"] = (this.report.kinds["directory"] ?? 0) + 1;
        unlinkSync(path);
        mkdirSync(path);
        this.#deletions.set(op.file, (this.#deletions.get(op.file) ?? 0) + 1);
        this.#disk.set(op.file, { ...disk, kind: "dir", since: this.#goneAtCheck.get(op.file) ?? this.#run.mark(), burst: this.#burst });
        return;
      case "touch":
        this.report.kinds["touch"] = (this.report.kinds["touch"] ?? 0) + 1;
        if (op.how === "utimes") {
          const later = new Date(Date.now() + 1000 * (1 + this.report.ops));
          utimesSync(path, later, later);
        } else {
          writeFileSync(path, render(this.#graph.get(op.file), disk.content, this.#graph));
        }
        return;
    }
  }

  /** Writes a version of a file and records it. */
  #write(name: string, content: Content, how: "inplace" | "atomic" | "torn"): void {
    const path = this.#path(name);
    const text = render(this.#graph.get(name), content, this.#graph);
    if (how === "atomic") {
      const tmp = join(this.#gen, `.${name}.${++this.#tmp}.tmp`);
      writeFileSync(tmp, text);
      renameSync(tmp, path);
    } else if (how === "torn") {
      const fd = openSync(path, "r+");
      try {
        ftruncateSync(fd, 0);
        pause(1);
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
    } else {
      writeFileSync(path, text);
    }
    this.#disk.set(name, { kind: "file", content, since: this.#run?.mark() ?? 0, burst: this.#burst });
    this.#contents.set(content.token, { file: name, content });
    if (!content.fault) this.#lastGood.set(name, content);
    if (content.throwAccept) this.#flagged.accept.add(name);
    if (content.throwDispose) this.#flagged.dispose.add(name);
    if (content.throwPrune) this.#flagged.prune.add(name);
  }

  /** What a new version keeps of the last one: its optional import, its syntax. */
  #kept(content: Content): Partial<Content> {
    return { optional: content.optional, syntax: content.syntax };
  }

  #fresh(name: string, random: Random, overrides: Partial<Content> = {}): Content {
    const m = this.#graph.get(name);
    return {
      token: random.token(),
      variant: random.int(1_000_000),
      padding: random.int(8),
      crlf: random.chance(0.04),
      optional: m.optional ? (overrides.optional ?? false) : undefined,
      ...overrides,
    };
  }

  #log(op: Op): void {
    const what =
      op.kind === "write"
        ? `${op.label} → ${op.content.token}${op.how === "inplace" ? "" : ` (${op.how})`}`
        : op.kind === "touch"
          ? `touch (${op.how})`
          : op.label;
    this.#note(`burst ${this.#burst} op ${this.report.ops + 1}: ${op.file}: ${what}`);
  }

  // -----------------------------------------------------------------------------------------------
  // The model: which files are broken, which updates a broken file gets in the way of.

  #path(name: string): string {
    return join(this.#gen, name);
  }

  #isGood(name: string): boolean {
    const disk = this.#disk.get(name)!;
    return disk.kind === "file" && !disk.content.fault;
  }

  #broken(): string[] {
    return this.#names.filter((name) => !this.#isGood(name));
  }

  /** Whether an update of `name` re-evaluates a broken file, or a module that loads one. */
  #entangled(name: string): boolean {
    for (const at of this.#graph.updateSet(name)) {
      if (at !== name && !this.#isGood(at)) return true;
      for (const dep of this.#graph.deps(at)) if (!this.#isGood(dep)) return true;
    }
    return false;
  }

  /** Whether the running version of the module with the optional import has it. */
  #optionalExpected(observation: Observation): boolean | undefined {
    const host = this.#graph.spec.modules.find((m) => m.optional)!;
    const token = observation.modules.find((m) => m.file === this.#path(host.name))?.token;
    return token ? this.#contents.get(token)?.content.optional : undefined;
  }

  // -----------------------------------------------------------------------------------------------
  // Settling and checking.

  /**
   * What does not hold (yet) in `observation`:
   * - `stale`: a good file whose module does not run it (nothing excuses it); at a clean point
   *   also opt.mjs in the graph when its importer's running version does not import it, or the
   *   other way round;
   * - `swallowed`: at a clean point, a good file whose module does not run it, whose last change
   *   met a broken file on its way (a failed update may have taken it along);
   * - `unreported`: a broken file in the graph that no error line named since it broke;
   * - `masked`: the same, for a file that broke together with another one, or whose update meets
   *   another broken file (the other file's error may have been reported instead).
   * The first and third must come about by themselves (the test waits for them); update() tells
   * whether the second and fourth will.
   */
  #problems(observation: Observation, clean: boolean): Problems {
    const byFile = new Map(observation.modules.map((m) => [m.file, m]));
    const problems: Problems = { observation, stale: [], swallowed: [], unreported: [], masked: [], presence: false };
    for (const name of this.#names) {
      const running = byFile.get(this.#path(name));
      if (name === OPTIONAL) {
        const expected = this.#optionalExpected(observation);
        if (clean && expected !== undefined && expected !== Boolean(running)) {
          problems.presence = true;
          problems.stale.push(name);
          continue;
        }
        if (!running) continue;
      }
      if (!this.#isGood(name)) {
        if (running && !this.#reportedSince(name)) (this.#mayBeMasked(name) ? problems.masked : problems.unreported).push(name);
        continue;
      }
      if (running?.token === this.#disk.get(name)!.content.token) continue;
      if (!this.#doubtful.has(name)) problems.stale.push(name);
      else if (clean) problems.swallowed.push(name);
    }
    return problems;
  }

  /**
   * Whether a broken file's update may have failed on another file first: it meets another broken
   * file on its way, or it broke in a burst that changed other files whose update did.
   */
  #mayBeMasked(name: string): boolean {
    if (this.#entangled(name)) return true;
    const burst = this.#bursts.get(this.#disk.get(name)!.burst);
    if (!burst) return false;
    return (
      burst.pendingBefore ||
      [...burst.written].some((other) => other !== name && (burst.broke.has(other) || !this.#isGood(other) || this.#entangled(other)))
    );
  }

  /** Whether an error line naming `name` was printed since it broke. */
  #reportedSince(name: string): boolean {
    const disk = this.#disk.get(name)!;
    const file = this.#path(name);
    const link = `'./${name}'`;
    for (let i = disk.since; i < this.#run.lines.length; i++) {
      const line = this.#run.lines[i]!;
      if (!isErrorLine(line) || !LOAD_ERROR.test(line)) continue;
      if (line.includes(file) || (disk.content.fault === "link" && line.includes(link))) return true;
    }
    return false;
  }

  async #observe(): Promise<Observation | undefined> {
    if (this.#run.child.exitCode !== null || this.#run.child.signalCode !== null) return undefined;
    try {
      this.#observedMark = this.#run.mark();
      return await ask<Observation>(this.#run, "state");
    } catch {
      return undefined;
    }
  }

  /**
   * Polls the harness until the `stale`, `unreported` and `swallowed` problems are gone, or nothing has
   * happened for {@link QUIET_MS} (no line, no update running), or {@link SETTLE_MS} passed.
   */
  async #settle(clean: boolean): Promise<Problems | undefined> {
    const started = performance.now();
    for (;;) {
      const observation = await this.#observe();
      if (!observation) return undefined;
      const problems = this.#problems(observation, clean);
      const now = performance.now();
      // Nothing wrong is final only once the saves had time to be seen, and no update is running:
      // an update under way may still change what runs (or report a handler's error). Edits held
      // back by a broken file are tried again when it is fixed: that is waited for too.
      const calm = !observation.open && now - this.#lastWrite >= CALM_MS;
      if (calm && problems.stale.length === 0 && problems.unreported.length === 0 && problems.swallowed.length === 0) return problems;
      for (; this.#scanned < this.#run.lines.length; this.#scanned++) {
        if (!/^(STATE|SYNC|MEM) \d+ /.test(this.#run.lines[this.#scanned]!)) this.#lastActivity = now;
      }
      const quiet = now - Math.max(this.#lastActivity, this.#lastWrite);
      // A module whose running version has not finished evaluating is inside an update, even one
      // that says nothing until it ends (a quiet retry of held-back files, waiting up to
      // HANDLER_TIMEOUT_MS for a dispose handler that never settles).
      const evaluating = observation.modules.some((m) => m.version > 0 && m.token === null);
      if (!observation.open && !evaluating && quiet > QUIET_MS) return problems;
      if (now - started > SETTLE_MS) {
        this.#note(
          `burst ${this.#burst} settle: still ${observation.open ? "updating" : evaluating ? "evaluating" : "busy"} after ${SETTLE_MS} ms; checked as it is`,
        );
        return problems;
      }
      await nextOutput(this.#run, this.#run.mark(), 50);
    }
  }

  /** update(files) through the harness, then the problems as they are once it resolved. */
  async #sync(names: readonly string[], clean: boolean): Promise<Problems | undefined> {
    try {
      await ask(
        this.#run,
        "sync",
        names.map((name) => this.#path(name)),
      );
    } catch {
      return undefined;
    }
    const observation = await this.#observe();
    return observation && this.#problems(observation, clean);
  }

  async #settleAndCheck(): Promise<void> {
    const clean = this.#broken().length === 0;
    // Started now, while the hot process settles: the files do not change until the next burst.
    let fresh = clean ? this.#freshRun() : undefined;
    let problems = await this.#settle(clean);
    if (!problems) return this.#died();
    this.report.checks++;
    if (clean) this.report.cleanChecks++;
    this.#note(
      `burst ${this.#burst} check: ${clean ? "no broken file" : `broken: ${this.#broken().join(", ")}`}; doubtful: ${[...this.#doubtful].join(", ") || "none"}`,
    );

    // What should have come about by itself and did not: did the watcher miss it (update() brings
    // it about), or did the runtime (update() finds nothing to do)?
    const stale = problems.stale.filter((name) => name !== OPTIONAL || this.#disk.get(name)!.kind === "file");
    const unreported = [...problems.unreported];
    const asked = [...stale, ...unreported, ...problems.swallowed, ...problems.masked].filter((name) =>
      problems!.observation.modules.some((m) => m.file === this.#path(name)),
    );
    const before = problems;
    if (asked.length > 0) {
      problems = await this.#sync(asked, clean);
      if (!problems) return this.#died();
    }
    const after = problems;
    const missed = (name: string): boolean => ![...after.stale, ...after.swallowed, ...after.unreported, ...after.masked].includes(name);
    for (const name of before.stale) {
      const token = this.#disk.get(name)!.content.token;
      const was = before.observation.modules.find((m) => m.file === this.#path(name))?.token;
      if (name === OPTIONAL && before.presence) {
        const imports = this.#optionalExpected(before.observation) ? "imports" : "does not import";
        this.#violation(
          "graph",
          name,
          `${OPTIONAL} is ${was === undefined ? "missing from" : "still in"} the graph, but its importer's running version ${imports} it`,
        );
      } else if (missed(name)) {
        this.#violation(
          "missed",
          name,
          `${running(was)} instead of ${token} until update() was called: the watcher did not deliver the change (no broken file was in its way)`,
        );
      } else {
        this.#violation(
          "lost",
          name,
          `${running(was)} instead of ${token}, and update() of the file finds nothing to do (no broken file was in its way)`,
        );
      }
    }
    for (const name of before.swallowed) {
      if (missed(name)) continue; // its update was still to come
      const was = before.observation.modules.find((m) => m.file === this.#path(name))?.token;
      this.#violation(
        "lost",
        name,
        `${running(was)} instead of ${this.#disk.get(name)!.content.token} although no file is broken any more, and update() of the file finds nothing to do: its change went down with an update that failed on another file`,
      );
    }
    for (const name of [...before.unreported, ...before.masked]) {
      const disk = this.#disk.get(name)!;
      const key = `${name}@${disk.since}`;
      if (this.#reported.has(key) || (missed(name) && before.masked.includes(name))) continue;
      this.#reported.add(key);
      const why = disk.kind === "file" ? `${disk.content.fault}, token ${disk.content.token}` : disk.kind;
      if (missed(name)) {
        this.#violation(
          "unreported",
          name,
          `broke in burst ${disk.burst} (${why}); no line named it until update() was called: the watcher did not deliver the change`,
        );
      } else {
        this.#violation(
          before.masked.includes(name) ? "masked" : "unreported",
          name,
          `broke in burst ${disk.burst} (${why}); no error line names it, and update() of the file finds nothing to do${before.masked.includes(name) ? ": the update that took it failed on another file first" : ""}`,
        );
      }
    }

    // Files still not running their content get a new save, which must apply.
    const heal = new Set<string>();
    for (const name of [...after.stale, ...after.swallowed]) {
      heal.add(name === OPTIONAL && after.presence ? this.#graph.spec.modules.find((m) => m.optional)!.name : name);
    }
    if (heal.size > 0) {
      for (const name of heal) {
        const content = this.#fresh(name, this.#healRandom, this.#kept(this.#disk.get(name)!.content));
        this.#note(`burst ${this.#burst} heal: ${name}: new save → ${content.token}`);
        this.report.healWrites++;
        this.#lastWrite = performance.now();
        this.#write(name, content, "inplace");
        this.#doubtful.delete(name);
      }
      if (clean) fresh = this.#freshRun();
      problems = await this.#settle(clean);
      if (!problems) return this.#died();
      for (const name of [...problems.stale, ...problems.swallowed]) {
        const now = problems.observation.modules.find((m) => m.file === this.#path(name))?.token;
        this.#violation("unrecoverable", name, `does not run the content on disk even after a new save of it (${running(now)})`);
      }
      if (problems.stale.length + problems.swallowed.length > 0) {
        this.report.stoppedEarly = `${[...problems.stale, ...problems.swallowed].join(", ")} could not be brought back to the content on disk`;
      }
    }

    this.#checkLines(problems.observation);
    this.#countPassed(problems.observation, clean);
    if (fresh) this.#checkOracle(problems.observation, await fresh);
    if (clean) this.#doubtful.clear();
    for (const m of problems.observation.modules) {
      const name = m.file.slice(this.#gen.length + 1);
      if (this.#doubtful.has(name) && m.token === this.#disk.get(name)?.content.token) this.#doubtful.delete(name);
    }
    this.#previous = new Map(problems.observation.modules.map((m) => [m.file, { version: m.version, token: m.token }]));
    for (const m of problems.observation.modules) {
      if (this.#firstSeen.get(m.file)?.version !== m.version) this.#firstSeen.set(m.file, { version: m.version, from: this.#checkMark });
    }
    // Lines after the observation (an update that began after it, say a quiet retry) belong to the
    // next check: the state it sees is the one they led to.
    this.#checkMark = this.#observedMark;
    this.#goneAtCheck.clear();
    for (const [name, disk] of this.#disk) if (disk.kind !== "file") this.#goneAtCheck.set(name, disk.since);
  }

  /**
   * `node oracle.mjs` on the files as they are now, without hotload (fixtures/stress-torture): what
   * each module's token and view are in a program started now. Resolves with why when it failed.
   */
  #freshRun(): Promise<FreshRun | string> {
    const files = this.#names.filter((n) => !this.#graph.get(n).json).map((n) => this.#path(n));
    const env = { ...process.env };
    delete env["NODE_OPTIONS"];
    delete env["NODE_TEST_CONTEXT"];
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(this.#dir, "oracle.mjs"), ...files],
        { cwd: this.#dir, env, timeout: 30_000, maxBuffer: 1 << 24 },
        (error, stdout, stderr) => {
          if (error) return resolve(`the fresh run failed: ${error.message.split("\n")[0]}\n${stderr.slice(0, 2000)}`);
          try {
            resolve(JSON.parse(stdout) as FreshRun);
          } catch {
            resolve(`the fresh run printed no answer: ${stdout.slice(0, 500)} ${stderr.slice(0, 2000)}`);
          }
        },
      );
    });
  }

  /**
   * After a settled burst with no broken file: every module's token and view in the hot process
   * equal those of a fresh run of the same files, and the same modules are loaded.
   */
  #checkOracle(observation: Observation, fresh: FreshRun | string): void {
    this.report.oracle.runs++;
    if (typeof fresh === "string") return this.#violation("oracle", undefined, fresh);
    const hot = new Map(observation.modules.map((m) => [m.file, m]));
    for (const name of this.#names) {
      if (this.#graph.get(name).json) continue;
      const file = this.#path(name);
      const running = hot.get(file);
      const expected = fresh[file];
      if (!expected && !running) continue;
      this.report.oracle.views++;
      if (!expected)
        this.#violation("oracle", name, `runs in the hot process (${running!.view ?? running!.token}) but a fresh run does not load it`);
      else if (!running) this.#violation("oracle", name, `a fresh run loads it (${expected.view}) but the hot process has no such module`);
      else if (running.token !== expected.token || running.view !== expected.view) {
        this.#violation(
          "oracle",
          name,
          `the hot process sees ${running.view ?? `token ${running.token}`}, a fresh run of the same files sees ${expected.view}`,
        );
      }
    }
  }

  /** Checks the lines printed since the last check. */
  #checkLines(observation: Observation): void {
    const lines = this.#run.lines.slice(this.#checkMark);
    const inGen = `${this.#gen}/`;
    let segment = new Set<string>();
    let cycleStops = 0;
    for (const line of lines) {
      if (line.startsWith("UPDATE ")) {
        segment = new Set();
        continue;
      }
      const leak = /^LEAK (\S+) heard one update (\d+) times/.exec(line);
      if (leak) {
        // Once per module: a kept listener stays kept.
        if (!this.#leaks.has(leak[1]!)) this.#violation("listener-leak", undefined, line);
        this.#leaks.set(leak[1]!, (this.#leaks.get(leak[1]!) ?? 0) + 1);
        continue;
      }
      const prefix = /^(OVERLAP|WARNING|UNHANDLED|UNCAUGHT) /.exec(line)?.[1];
      if (prefix) {
        const kind = ({ OVERLAP: "overlap", WARNING: "warning", UNHANDLED: "unhandled", UNCAUGHT: "uncaught" } as const)[
          prefix as "OVERLAP"
        ];
        this.#violation(kind, undefined, line);
        continue;
      }
      if (/^\(node:\d+\) /.test(line)) this.#violation("warning", undefined, line);
      if (!isErrorLine(line)) continue;
      if (line.includes("watcher error")) this.#violation("watcher-error", undefined, line);
      // A new version of v0.mjs or v1.mjs runs, its accept handler invalidates it, the importer
      // re-evaluated for that (the other one) invalidates in turn, and that comes back to the first:
      // Vite's rule (issue 10, item 9) stops there and says a restart is needed. The versions
      // evaluated so far keep running and later saves still apply (checked like any other).
      if (CYCLE_STOP.test(line)) cycleStops++;
      else if (line.includes("cannot hot-update")) this.#violation("dead-end", undefined, line);
      if (LOAD_ERROR.test(line)) {
        this.report.errorChecks++;
        if (!line.includes(inGen)) this.#violation("unnamed", undefined, `an error line names no file of the project: ${line}`);
        if (segment.has(line)) this.#violation("duplicate", undefined, `printed twice for one update: ${line}`);
        segment.add(line);
      }
      const handler = /^\[hotload\] (accept|dispose|prune) handler of (\S+) threw/.exec(line);
      if (handler) {
        const kind = handler[1] as "accept" | "dispose" | "prune";
        const name = handler[2]!.startsWith(inGen) ? handler[2]!.slice(inGen.length) : handler[2]!;
        this.report.callbackChecks++;
        if (!this.#flagged[kind].has(name))
          this.#violation("callback-spurious", name, `no version of ${name} has a throwing ${kind} handler: ${line}`);
      }
    }
    // Handlers that must have thrown: an accept or prune handler since the last check; a dispose
    // handler since the version was first seen (it runs once per version: a version rolled back
    // to after its dispose ran is not disposed again).
    const said = (kind: string, name: string, from = this.#checkMark): boolean => {
      const prefix = `[hotload] ${kind} handler of ${this.#path(name)} threw`;
      for (let i = from; i < this.#run.lines.length; i++) if (this.#run.lines[i]!.startsWith(prefix)) return true;
      return false;
    };
    const now = new Map(observation.modules.map((m) => [m.file, m]));
    this.report.cycleStops += cycleStops;
    const cycle = this.#names.filter((name) => this.#graph.get(name).invalidates);
    const replaced = cycle.filter((name) => {
      const before = this.#previous.get(this.#path(name))?.token;
      const after = now.get(this.#path(name))?.token;
      return before && after && before !== after;
    });
    // Only while the whole project is good: a broken file can fail the invalidation's update first.
    // The line may come after the observation (the invalidations are updates of their own).
    const stopped = this.#run.lines.slice(this.#checkMark).some((line) => CYCLE_STOP.test(line));
    if (!stopped && replaced.length > 0 && this.#broken().length === 0) {
      this.#violation(
        "cycle",
        replaced[0],
        `a new version of ${replaced.join(" and ")} runs, and its accept handler invalidates it round the cycle, but no line says the invalidation came back and stopped`,
      );
    }
    for (const name of this.#names) {
      const before = this.#previous.get(this.#path(name));
      const after = now.get(this.#path(name));
      if (!before?.token) continue;
      const was = this.#contents.get(before.token)?.content;
      if (was?.throwDispose && (!after || after.version !== before.version)) {
        this.report.callbackChecks++;
        if (!said("dispose", name, this.#firstSeen.get(this.#path(name))?.from))
          this.#violation(
            "callback-missing",
            name,
            `version ${before.token} was replaced, and its dispose handler throws, but no line says so`,
          );
      }
      // The version pruned is the one last seen unless an update re-evaluated the module since:
      // then it is a newer one, whose content the test cannot tell apart here.
      if (name === OPTIONAL && !after && was?.throwPrune && !this.#reevaluatedSinceCheck(name)) {
        this.report.callbackChecks++;
        if (!said("prune", name))
          this.#violation(
            "callback-missing",
            name,
            `version ${before.token} was pruned, and its prune handler throws, but no line says so`,
          );
      }
      const is = after?.token ? this.#contents.get(after.token)?.content : undefined;
      if (after && after.token !== before.token && is?.throwAccept && this.#graph.get(name).role === "self") {
        this.report.callbackChecks++;
        if (!said("accept", name))
          this.#violation(
            "callback-missing",
            name,
            `version ${after.token} was accepted, and the accept handler throws for it, but no line says so`,
          );
      }
    }
  }

  /** Whether an update since the last check evaluated a new version of `name`. */
  #reevaluatedSinceCheck(name: string): boolean {
    return printedUpdates(this.#run, this.#checkMark).some((result) => result.reevaluated.includes(this.#path(name)));
  }

  #countPassed(observation: Observation, clean: boolean): void {
    const byFile = new Map(observation.modules.map((m) => [m.file, m]));
    for (const name of this.#names) {
      const running = byFile.get(this.#path(name));
      if (!running || !this.#isGood(name)) continue;
      if (!clean && this.#doubtful.has(name)) continue;
      if (running.token === this.#disk.get(name)!.content.token) this.report.tokenChecks++;
    }
  }

  #violation(kind: ViolationKind, file: string | undefined, detail: string): void {
    this.report.violations.push({ kind, burst: this.#burst, file, detail });
    this.#note(`burst ${this.#burst} VIOLATION ${kind}${file ? ` ${file}` : ""}: ${detail}`);
  }

  /** Adds to the log, and to the timeline at the current line of the process's output. */
  #note(text: string): void {
    this.report.log.push(text);
    this.#timeline.push({ line: this.#run?.lines.length ?? 0, text });
  }

  #died(): void {
    if (!this.report.alive) return;
    this.report.alive = false;
    const tail = this.#run.lines.slice(-30).join("\n");
    const { exitCode, signalCode } = this.#run.child;
    // Alive but silent: a command (state, or update() through sync) got no answer in time.
    const how =
      exitCode === null && signalCode === null
        ? "stopped answering (wedged: a harness command timed out)"
        : `exited (${String(exitCode ?? signalCode)})`;
    this.#violation("died", undefined, `the process ${how}; last lines:\n${tail}`);
  }
}

/** What graph() says a module runs, in words. */
function running(token: string | null | undefined): string {
  if (token === undefined) return "is gone from graph() (so it is not watched either)";
  return token === null ? "runs a version that never finished evaluating" : `runs ${token}`;
}

/** Violations of some kinds, readable in a failure message with what led to them. */
function describeViolations(report: Report, kinds: readonly ViolationKind[]): string {
  const found = report.violations.filter((v) => kinds.includes(v.kind));
  if (found.length === 0) return "";
  const shown = found.slice(0, 8).map((v) => {
    const context = report.log.filter((l) => {
      const burst = Number(/^burst (\d+)/.exec(l)?.[1]);
      return (
        burst >= v.burst - 2 &&
        burst <= v.burst &&
        !l.includes("VIOLATION") &&
        !l.includes(" check: ") &&
        (!v.file || l.includes(v.file) || burst === v.burst)
      );
    });
    return `- [${v.kind}] burst ${v.burst}${v.file ? ` ${v.file}` : ""}: ${v.detail}\n    ${context.slice(-12).join("\n    ")}`;
  });
  return `${found.length} violation(s) (seed ${report.seed}; HOTLOAD_STRESS_SEED=${report.seed} replays the run):\n${shown.join("\n")}${found.length > 8 ? `\n… and ${found.length - 8} more` : ""}`;
}

for (const SEED of SEEDS)
  describe(`torture: ${OPS} seeded random operations on a ${generateProject(new Random(SEED)).modules.length}-file project (seed ${SEED})`, () => {
    let report: Report;
    /** What the run did, reported as diagnostics of the first test (not loose on stderr). */
    let summary: string[] = [];

    before(
      async () => {
        report = await new Torture(SEED).run(OPS);
        const kinds = Object.entries(report.kinds)
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${k} ${n}`)
          .join(", ");
        const byKind = new Map<string, number>();
        for (const v of report.violations) byKind.set(v.kind, (byKind.get(v.kind) ?? 0) + 1);
        summary = [
          `seed ${report.seed} (HOTLOAD_STRESS_SEED=${report.seed} replays it): ${report.ops} operations in ${report.bursts} bursts, ${(report.durationMs / 1000).toFixed(1)} s; ` +
            `${report.checks} settled checks (${report.cleanChecks} with no broken file), ${report.tokenChecks} module versions matched their file, ` +
            `${report.errorChecks} error lines checked, ${report.callbackChecks} handler errors checked, ${report.cycleStops} invalidations stopped round the cycle, ${report.oracle.views} views in ${report.oracle.runs} fresh runs compared; saves during an update ${report.midUpdate.hit}/${report.midUpdate.tried}; ` +
            `${report.healWrites} healing saves; heap ${report.memory ? `${(report.memory.start / 1e6).toFixed(1)} → ${(report.memory.end / 1e6).toFixed(1)} MB over ${report.memory.evaluations} module evaluations (${(report.memory.bytesPerEvaluation / 1024).toFixed(1)} KB each)` : "not measured"}`,
          `left out (KNOWN_OPEN in project.ts): ${LEFT_OUT.size === 0 ? "nothing" : [...LEFT_OUT].join(", ")}`,
          `operations: ${kinds}`,
          `violations: ${byKind.size === 0 ? "none" : [...byKind].map(([k, n]) => `${k} ${n}`).join(", ")}`,
          ...(report.stoppedEarly ? [`stopped early: ${report.stoppedEarly}`] : []),
        ];
      },
      { timeout: 110_000 },
    );

    test(`runs at least ${OPS} operations, each kind of error among them, within the budget`, (t) => {
      for (const line of summary) t.diagnostic(line);
      assert.equal(report.stoppedEarly, undefined, report.stoppedEarly);
      assert.ok(report.ops >= OPS, `only ${report.ops} of ${OPS} operations ran`);
      if (OPS >= 300) {
        for (const kind of [
          "syntax",
          "throw",
          "link",
          "invalid JSON",
          "delete",
          "directory",
          "atomic save",
          "truncate, then write",
          "repair",
        ]) {
          assert.ok((report.kinds[kind] ?? 0) > 0, `no "${kind}" operation in ${JSON.stringify(report.kinds)}`);
        }
      }
    });

    test("the process stays alive through every burst", () => {
      assert.ok(report.alive, describeViolations(report, ["died"]));
    });

    test("every module whose file is good runs the content on disk once the process settles; none is lost", () => {
      const found = describeViolations(report, ["lost", "missed", "unrecoverable", "graph"]);
      if (found) assert.fail(found);
    });

    test("every broken file is reported in an error line naming it, once per update", () => {
      const found = describeViolations(report, ["unreported", "masked", "unnamed", "duplicate", "dead-end", "cycle", "deleted-twice"]);
      if (found) assert.fail(found);
    });

    test("throwing accept, dispose and prune handlers are reported with their module, and only those", () => {
      const found = describeViolations(report, ["callback-missing", "callback-spurious"]);
      if (found) assert.fail(found);
    });

    test("after every settled burst with no broken file, each module's token and view equal a fresh node run of the same files", () => {
      const found = describeViolations(report, ["oracle"]);
      if (found) assert.fail(found);
      assert.ok(report.oracle.runs > 0, "no settled burst without a broken file was compared with a fresh run");
    });

    test("no update starts while another is running", () => {
      const found = describeViolations(report, ["overlap"]);
      if (found) assert.fail(found);
    });

    test("no warning, unhandled rejection, uncaught exception or watcher error is printed", () => {
      const found = describeViolations(report, ["warning", "unhandled", "uncaught", "watcher-error"]);
      if (found) assert.fail(found);
    });

    test("the graph lists exactly the project's files, and no watcher or listener is leaked", () => {
      const found = describeViolations(report, ["listener-leak"]);
      if (found) assert.fail(found);
      assert.ok(report.graph, "the run did not reach its end");
      assert.equal(report.graph.actual, report.graph.expected, "hot modules in graph() vs files the project imports (app.mjs included)");
      if (report.watches.end !== undefined) {
        // Watches are set up asynchronously (the first ones may come after the first check), so the
        // end is compared with what may be watched: the project's two folders and its files.
        const extra = report.watches.end.filter((path) => !report.watchable.includes(path));
        assert.deepEqual(
          extra,
          [],
          `watches besides the project's folders and files (after the first burst: ${report.watches.start?.join(", ")})`,
        );
      }
      assert.ok(report.listeners);
      assert.equal(report.listeners.end, report.listeners.start, "process event listeners");
    });

    test("the heap grows no more than the kept module versions account for", () => {
      assert.ok(report.memory, "the run did not reach its end");
      const { start, end, evaluations } = report.memory;
      // Node keeps every evaluated module version (docs/limits.md, Memory): allow 64 KB for each (the
      // modules are 1-2 KB of source), and 16 MB for what loads once (acorn on the first error, ...).
      const allowed = evaluations * 64 * 1024 + 16 * 1024 * 1024;
      assert.ok(
        end - start <= allowed,
        `heap grew by ${((end - start) / 1e6).toFixed(1)} MB over ${evaluations} module evaluations (allowed ${(allowed / 1e6).toFixed(1)} MB)`,
      );
    });

    // The seed also picks a real-world entry shape of the restart oracle (test/oracle/), and edits
    // of its files: updated in place, it must look from outside as plain restarts of the same files do.
    const shape = seededShape(new Random(SEED));
    test(`the seed's entry shape, ${shape.name}, updated in place looks like plain restarts (${shape.about})`, { timeout: 60_000 }, (t) =>
      check(t, shape),
    );
  });
