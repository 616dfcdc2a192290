/**
 * The rules of a module's content state and of the failure sets, as two tables. The registry
 * (src/engine/modules/registry.ts) is the one owner of what each module is known to run (`seen`),
 * what failed (`failed`), whether its file is missing and whether a failed update stopped it;
 * Failures (src/engine/failure/failures.ts) owns the retry set, the files awaited and the held-back
 * invalidations. Each row starts from a module loaded at start-up with "v1", runs named
 * transitions and checks the state they leave. No fake Node: the transitions are plain methods.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Failures, type HeldInvalidation } from "../../src/engine/failure/failures.js";
import { ModuleRegistry, type LoadedContent } from "../../src/engine/modules/registry.js";
import { VersionTable } from "../../src/engine/modules/versions.js";

const ID = "file:///project/src/a.mjs";
const FILE = "/project/src/a.mjs";
const B2 = Buffer.from("v2");
const B3 = Buffer.from("v3");

const given = (content: string | Buffer): LoadedContent => ({ kind: "given", runs: () => content });
const readAfter = (content: string | Buffer | undefined): LoadedContent => ({ kind: "read-after", runs: () => content });

function registry(): ModuleRegistry {
  return new ModuleRegistry(new VersionTable(), {
    added: () => undefined,
    fileGone: () => undefined,
    dropped: () => undefined,
    settle: () => undefined,
  });
}

/** The state a row checks (only the fields it names). */
interface State {
  readonly seen: string | Buffer | undefined;
  readonly failed: string | Buffer | undefined;
  readonly missing: boolean;
  readonly stopped: boolean;
  readonly format: string | undefined;
  readonly kind: "module" | "asset";
}

interface Row {
  readonly rule: string;
  /** Starts from nothing instead of a module loaded with "v1". */
  readonly fresh?: boolean;
  /** The transitions; what the last one returns is checked against `returns`. */
  readonly steps: readonly ((r: ModuleRegistry) => unknown)[];
  readonly returns?: unknown;
  /** The record after the steps (undefined: it has none). */
  readonly state: Partial<State> | undefined;
}

const CONTENT_RULES: readonly Row[] = [
  {
    rule: "a load that hands on its content runs it",
    steps: [],
    state: { seen: "v1", failed: undefined, missing: false, stopped: false, format: "module", kind: "module" },
  },
  {
    rule: "a load whose file Node read after the hook runs what the file held",
    fresh: true,
    steps: [(r) => r.loaded(ID, "commonjs", readAfter("disk"), false)],
    state: { seen: "disk", format: "commonjs" },
  },
  {
    rule: "a load read after the hook does not replace content already known",
    steps: [(r) => r.loaded(ID, "module", readAfter("disk"), false)],
    state: { seen: "v1" },
  },
  {
    rule: "a later load that hands on other content runs that",
    steps: [(r) => r.loaded(ID, "module", given("v1b"), false)],
    state: { seen: "v1b" },
  },
  {
    rule: "a load that tells nothing of its content changes only the format",
    steps: [(r) => r.loaded(ID, "commonjs", { kind: "unknown" }, false)],
    state: { seen: "v1", format: "commonjs" },
  },
  {
    rule: "an update's load keeps the content the update validated (Node may read a file mid-save)",
    steps: [(r) => r.validated(ID, B2), (r) => r.loaded(ID, "module", given("half a sa"), true)],
    state: { seen: B2 },
  },
  {
    rule: "an update's load of a module new to the program runs what it was given",
    fresh: true,
    steps: [(r) => r.loaded(ID, "module", given("new"), true)],
    state: { seen: "new" },
  },
  {
    rule: "content an update validated is acted on, whether it applies or not",
    steps: [(r) => r.validated(ID, B2)],
    state: { seen: B2, failed: undefined },
  },
  {
    rule: "a roll-back restores what ran before, and the content it tried is known to fail",
    steps: [(r) => r.validated(ID, B2), (r) => r.failed(ID, "v1", B2)],
    state: { seen: "v1", failed: B2 },
  },
  {
    rule: "an update that applies forgets the content that failed",
    steps: [(r) => r.validated(ID, B2), (r) => r.failed(ID, "v1", B2), (r) => r.validated(ID, B3), (r) => r.applied(ID)],
    state: { seen: B3, failed: undefined },
  },
  {
    rule: "a save back to what runs forgets the failure, and says so once",
    steps: [(r) => r.failed(ID, "v1", B2), (r) => r.savedBack(ID)],
    returns: true,
    state: { seen: "v1", failed: undefined },
  },
  {
    rule: "a save back to what runs with nothing failed has nothing to forget",
    steps: [(r) => r.failed(ID, "v1", B2), (r) => r.savedBack(ID), (r) => r.savedBack(ID)],
    returns: false,
    state: { failed: undefined },
  },
  {
    rule: "an update that disposed the running version and failed leaves it stopped",
    steps: [(r) => r.stopped([ID], true)],
    state: { stopped: true },
  },
  {
    rule: "an update that applies runs the module again",
    steps: [(r) => r.stopped([ID], true), (r) => r.stopped([ID], false)],
    state: { stopped: false },
  },
  { rule: "a missing file is news once", steps: [(r) => r.missing(ID)], returns: true, state: { missing: true } },
  {
    rule: "a missing file found missing again is no news",
    steps: [(r) => r.missing(ID), (r) => r.missing(ID)],
    returns: false,
    state: { missing: true },
  },
  {
    rule: "a missing file read again is back",
    steps: [(r) => r.missing(ID), (r) => r.back(ID)],
    returns: true,
    state: { missing: false, seen: "v1" },
  },
  { rule: "a file that was never missing is not back", steps: [(r) => r.back(ID)], returns: false, state: { missing: false } },
  {
    rule: "an instance that runs unknown content makes whatever the file holds a change",
    steps: [(r) => r.runsUnknown(ID)],
    state: { seen: undefined },
  },
  {
    rule: "a file made a dependency is an asset holding what it read",
    fresh: true,
    steps: [(r) => r.dependedOn(ID, () => "text")],
    state: { kind: "asset", seen: "text", format: undefined },
  },
  {
    rule: "a module made a dependency stays the module it is",
    steps: [(r) => r.dependedOn(ID, () => "text")],
    state: { kind: "module", seen: "v1" },
  },
  {
    rule: "transitions of a module without a record make none",
    fresh: true,
    steps: [
      (r) => r.validated(ID, B2),
      (r) => r.failed(ID, "v1", B2),
      (r) => r.stopped([ID], true),
      (r) => r.back(ID),
      (r) => r.missing(ID),
    ],
    returns: false,
    state: undefined,
  },
  {
    rule: "a forgotten ES module in require.cache is parked",
    steps: [(r) => r.forget(ID, () => true)?.parked],
    returns: true,
    state: undefined,
  },
  {
    rule: "a parked module taken back runs what it ran when it was forgotten, once",
    steps: [
      (r) => r.runsUnknown(ID),
      (r) => r.loaded(ID, "module", given("v1c"), false),
      (r) => r.forget(ID, () => true),
      (r) => r.takeParked(ID),
    ],
    returns: { seen: "v1c" },
    state: undefined,
  },
  {
    rule: "a parked module is taken once",
    steps: [(r) => r.forget(ID, () => true), (r) => r.takeParked(ID), (r) => r.takeParked(ID)],
    returns: undefined,
    state: undefined,
  },
  {
    rule: "a forgotten ES module not in require.cache is not parked",
    steps: [(r) => r.forget(ID, () => false)?.parked, (r) => r.takeParked(ID)],
    returns: undefined,
    state: undefined,
  },
  {
    rule: "a forgotten CommonJS module is not parked (require() loads it afresh)",
    steps: [(r) => r.loaded(ID, "commonjs", { kind: "unknown" }, false), (r) => r.forget(ID, () => true)?.parked],
    returns: false,
    state: undefined,
  },
];

describe("a module's content state (registry.ts)", () => {
  for (const row of CONTENT_RULES) {
    test(row.rule, () => {
      const r = registry();
      if (!row.fresh) r.loaded(ID, "module", given("v1"), false);
      let returned: unknown;
      for (const step of row.steps) returned = step(r);
      if ("returns" in row) assert.deepEqual(returned, row.returns);
      const record = r.get(ID);
      if (row.state === undefined) return assert.equal(record, undefined);
      assert.ok(record, "a record");
      assert.equal(record.file, FILE);
      for (const [key, value] of Object.entries(row.state)) assert.deepEqual(record[key as keyof State], value, key);
    });
  }
});

/** What Failures asked for in one row. */
interface Asked {
  readonly retried: (readonly string[])[];
  readonly invalidations: string[];
  readonly watched: string[];
  readonly unwatched: string[];
}

interface FailureRow {
  readonly rule: string;
  readonly steps: readonly ((f: Failures, r: ModuleRegistry) => unknown)[];
  readonly returns?: unknown;
  readonly asked: Partial<Asked>;
}

const OTHER = "/project/src/b.mjs";
const OUTSIDE = "/project/src/config.json";
const held = (version = 0): HeldInvalidation => ({ url: ID, message: undefined, chain: [ID], version });

const FAILURE_RULES: readonly FailureRow[] = [
  {
    rule: "a file whose update failed is tried again quietly after the next update that succeeds",
    steps: [(f) => f.failed(FILE), (f) => f.failed(OTHER), (f) => f.retryFailed()],
    asked: { retried: [[FILE, OTHER]] },
  },
  {
    rule: "a file whose update passed since is not tried again",
    steps: [(f) => f.failed(FILE), (f) => f.passed(FILE), (f) => f.retryFailed()],
    asked: { retried: [] },
  },
  {
    rule: "a failed file stays in the retry set until it passes: each success tries it again",
    steps: [(f) => f.failed(FILE), (f) => f.retryFailed(), (f) => f.retryFailed()],
    asked: { retried: [[FILE], [FILE]] },
  },
  {
    rule: "a held-back invalidation is tried again once",
    steps: [(f) => f.holdInvalidation(held()), (f) => f.retryFailed(), (f) => f.retryFailed()],
    asked: { retried: [], invalidations: [ID] },
  },
  {
    rule: "a file outside the graph that a failure waits for is watched, once",
    steps: [(f) => f.await(OUTSIDE), (f) => f.await(OUTSIDE), (f) => f.awaitedIn([OUTSIDE])],
    returns: true,
    asked: { watched: [OUTSIDE] },
  },
  {
    rule: "a file of the graph is never awaited: the graph's watch is its watch",
    steps: [(f) => f.await(FILE), (f) => f.awaitedIn([FILE])],
    returns: false,
    asked: { watched: [] },
  },
  {
    rule: "an awaited file that became a module is awaited no more",
    steps: [(f) => f.await(OUTSIDE), (f) => f.inGraph(OUTSIDE), (f) => f.awaitedIn([OUTSIDE])],
    returns: false,
    asked: { watched: [OUTSIDE] },
  },
  {
    rule: "with nothing left to retry, awaited files are unwatched",
    steps: [(f) => f.await(OUTSIDE), (f) => f.retryFailed(), (f) => f.awaitedIn([OUTSIDE])],
    returns: false,
    asked: { watched: [OUTSIDE], unwatched: [OUTSIDE], retried: [] },
  },
  {
    rule: "while a file waits for a retry, the files it awaits stay watched",
    steps: [(f) => f.await(OUTSIDE), (f) => f.failed(FILE), (f) => f.retryFailed(), (f) => f.awaitedIn([OUTSIDE])],
    returns: true,
    asked: { unwatched: [], retried: [[FILE]] },
  },
];

describe("the failure sets (failures.ts)", () => {
  for (const row of FAILURE_RULES) {
    test(row.rule, () => {
      const r = registry();
      r.loaded(ID, "module", given("v1"), false);
      const asked: Asked = { retried: [], invalidations: [], watched: [], unwatched: [] };
      const watch = { add: (file: string) => asked.watched.push(file), remove: (file: string) => asked.unwatched.push(file) };
      const failures = new Failures(
        r,
        { missing: () => undefined },
        watch,
        (files) => asked.retried.push(files),
        (h) => asked.invalidations.push(h.url),
      );
      let returned: unknown;
      for (const step of row.steps) returned = step(failures, r);
      if ("returns" in row) assert.deepEqual(returned, row.returns);
      for (const [key, value] of Object.entries(row.asked)) assert.deepEqual(asked[key as keyof Asked], value, key);
    });
  }
});
