/**
 * What is said about updates (src/engine/update/reporter.ts), as a table: each row is what asked
 * for an update (the request's kind) and the facts the scheduler and the transaction hand the
 * reporter; the row checks every line, `hotload:*` event, `on("update")` call and restart request
 * that came of it. Two rules above all: each failure is said once, and a quiet retry is heard
 * only when it runs new code (or fails in a way not said before).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Reporter, type RuntimeNotifier, type UpdateReport } from "../../src/engine/update/reporter.js";
import type { UpdateRequest } from "../../src/engine/update/request.js";
import type { UpdateResult } from "../../src/engine/update/update-result.js";

const A = "/elsewhere/a.mjs";
const B = "/elsewhere/b.mjs";
const APP = "/elsewhere/app.mjs";

const SAVE: UpdateRequest = { kind: "save", files: [A], sizes: new Map() };
const API: UpdateRequest = { kind: "api", files: [A] };
const RETRY: UpdateRequest = { kind: "retry", files: [A] };
const LOOK: UpdateRequest = { kind: "look", files: [A] };
const INVALIDATE: UpdateRequest = {
  kind: "invalidate",
  invalidated: { url: `file://${A}`, message: "config changed", chain: [`file://${A}`] },
};
const RETRY_INVALIDATION: UpdateRequest = {
  kind: "retry",
  files: [],
  invalidated: { url: `file://${A}`, message: "config changed", chain: [`file://${A}`] },
};

/** A failure of a.mjs at 3:1; `message` tells two failures apart. */
const broken = (message = "Unexpected token") => ({
  error: new SyntaxError(message),
  location: { file: A, line: 3, column: 1, message: `SyntaxError: ${message}` },
  source: undefined,
  evaluating: false,
});
const result = (status: UpdateResult["status"]): UpdateResult => ({ status, files: [A], reevaluated: [], boundaries: [], durationMs: 1 });

/** One update, as the scheduler tells it: the steps get its report. */
type Step = (report: UpdateReport) => void;
const failed =
  (message?: string): Step =>
  (r) => {
    const said = r.failure(broken(message), [], [A]);
    r.settled(result("failed"), said);
    r.after(result("failed"), true);
  };
const planned: Step = (r) => r.planned({ files: [A], boundaries: [APP] });
const applied: Step = (r) => {
  r.running();
  const heard = r.applied([A], [APP], 2, 0);
  r.settled(result("updated"), heard);
  r.after(result("updated"), false);
};
const handlerThrew: Step = (r) => {
  r.running();
  const heard = r.applied([A], [APP], 2, 1);
  r.settled(result("failed"), heard);
  r.after(result("failed"), false);
};
const unchanged: Step = (r) => {
  r.unchanged([A]);
  r.settled(result("unchanged"), false);
};
const deadEnd =
  (reason: "unaccepted" | "declined"): Step =>
  (r) =>
    r.deadEnd({ kind: "dead-end", reason, chain: [A, APP] });

interface Row {
  readonly rule: string;
  /** The updates in order: what asked for each, and what happened. */
  readonly updates: readonly (readonly [UpdateRequest, ...Step[]])[];
  /** Under the command (a supervisor is told restarts). */
  readonly supervised?: boolean;
  /** Lines (`level: text`, debug left out), events and listener calls, in order. */
  readonly told: readonly string[];
}

const RULES: readonly Row[] = [
  {
    rule: "a failure is said once, with a hotload:error, and heard by on(update) and hotload:afterUpdate",
    updates: [[SAVE, planned, failed()]],
    told: [
      "event hotload:beforeUpdate",
      "error: a.mjs:3:1 SyntaxError: Unexpected token — keeping the previous version",
      "event hotload:error",
      "on(update) failed",
      "event hotload:afterUpdate",
    ],
  },
  {
    rule: "a quiet retry that fails the same way says nothing and is not heard",
    updates: [
      [SAVE, failed()],
      [RETRY, planned, failed()],
    ],
    told: [
      "error: a.mjs:3:1 SyntaxError: Unexpected token — keeping the previous version",
      "event hotload:error",
      "on(update) failed",
      "event hotload:afterUpdate",
    ],
  },
  {
    rule: "a quiet retry that fails in a new way says so and is heard by on(update), with no hotload:afterUpdate (it never announced itself)",
    updates: [
      [SAVE, failed()],
      [RETRY, planned, failed("Unexpected end of input")],
    ],
    told: [
      "error: a.mjs:3:1 SyntaxError: Unexpected token — keeping the previous version",
      "event hotload:error",
      "on(update) failed",
      "event hotload:afterUpdate",
      "error: a.mjs:3:1 SyntaxError: Unexpected end of input — keeping the previous version",
      "event hotload:error",
      "on(update) failed",
    ],
  },
  {
    rule: "a save that fails the same way again is said again (only a quiet retry is quiet)",
    updates: [
      [SAVE, failed()],
      [SAVE, failed()],
    ],
    told: [
      "error: a.mjs:3:1 SyntaxError: Unexpected token — keeping the previous version",
      "event hotload:error",
      "on(update) failed",
      "event hotload:afterUpdate",
      "error: a.mjs:3:1 SyntaxError: Unexpected token — keeping the previous version",
      "event hotload:error",
      "on(update) failed",
      "event hotload:afterUpdate",
    ],
  },
  {
    rule: "a quiet retry that runs new code announces itself once it runs, and is heard like any update",
    updates: [[RETRY, planned, applied]],
    told: ["event hotload:beforeUpdate", "success: updated a.mjs → app.mjs in 2.0 ms", "on(update) updated", "event hotload:afterUpdate"],
  },
  {
    rule: "an update announces itself when planned, once",
    updates: [[SAVE, planned, applied]],
    told: ["event hotload:beforeUpdate", "success: updated a.mjs → app.mjs in 2.0 ms", "on(update) updated", "event hotload:afterUpdate"],
  },
  {
    rule: "a quiet retry whose handlers threw ran new code: it is heard",
    updates: [[RETRY, planned, handlerThrew]],
    told: [
      "event hotload:beforeUpdate",
      "error: update of a.mjs failed: 1 handler(s) threw (the new code is running)",
      "on(update) failed",
      "event hotload:afterUpdate",
    ],
  },
  { rule: "a save that changed nothing is not heard", updates: [[SAVE, unchanged]], told: [] },
  { rule: "a look that found nothing changed is not heard", updates: [[LOOK, unchanged]], told: [] },
  { rule: "a quiet retry with nothing to try is not heard", updates: [[RETRY, unchanged]], told: [] },
  { rule: "update() is answered even when nothing changed", updates: [[API, unchanged]], told: ["on(update) unchanged"] },
  { rule: "invalidate() is heard even when nothing came of it", updates: [[INVALIDATE, unchanged]], told: ["on(update) unchanged"] },
  {
    rule: "a module that invalidated itself is said, with its message",
    updates: [[INVALIDATE, (r) => r.invalidating()]],
    told: ["info: a.mjs invalidated itself: config changed"],
  },
  { rule: "a quiet retry of an invalidation does not say it again", updates: [[RETRY_INVALIDATION, (r) => r.invalidating()]], told: [] },
  { rule: "a save is no invalidation", updates: [[SAVE, (r) => r.invalidating()]], told: [] },
  {
    rule: "a dead end is a warning and no restart without a supervisor",
    updates: [[SAVE, deadEnd("unaccepted")]],
    told: ["warn: cannot hot-update a.mjs: nothing accepts it (a.mjs → app.mjs); restart needed, the previous version keeps running"],
  },
  {
    rule: "under the command a dead end is a restart request (its line is the command's)",
    supervised: true,
    updates: [[SAVE, deadEnd("declined")]],
    told: ["restart declined a.mjs"],
  },
  {
    rule: "an invalidation that nothing accepts asks for a restart as invalidated",
    supervised: true,
    updates: [[INVALIDATE, deadEnd("unaccepted")]],
    told: ["restart invalidated a.mjs"],
  },
  {
    rule: "a refusal to update in place is a restart request of its own",
    supervised: true,
    updates: [[SAVE, (r) => r.deadEnd({ kind: "dead-end", reason: "unaccepted", chain: [A, APP], refused: "it started a worker" })]],
    told: ["restart in-place-refused a.mjs"],
  },
  {
    rule: "without the command a refusal is one warning, ending as in place words it (what runs now)",
    updates: [
      [
        SAVE,
        (r) =>
          r.deadEnd({
            kind: "dead-end",
            reason: "unaccepted",
            chain: [A, APP],
            refused: "it started a worker; restart needed, the previous version keeps running",
          }),
      ],
    ],
    told: ["warn: cannot update a.mjs in place: it started a worker; restart needed, the previous version keeps running"],
  },
  {
    rule: "an invalidation that comes back round a cycle asks for a restart",
    supervised: true,
    updates: [[INVALIDATE, (r) => r.cycle({ kind: "cycle", back: `file://${A}`, chain: [A, B, A] })]],
    told: [
      "warn: cannot hot-update a.mjs: invalidate() came back to it round an import cycle (a.mjs → b.mjs → a.mjs); restart needed",
      "restart invalidation-cycle a.mjs",
    ],
  },
];

/** A reporter whose log, events and supervisor write to `told`; paths shown by their base name. */
function reporter(told: string[], supervised: boolean): Reporter {
  const base = (text: string): string => text.replaceAll("/elsewhere/", "");
  const line = (level: string) => (message: string) => void told.push(`${level}: ${base(message)}`);
  const log = {
    info: line("info"),
    success: line("success"),
    warn: line("warn"),
    error: line("error"),
    debug: () => undefined,
    timing: () => undefined,
  };
  const events = {
    emit: (event: string) => void told.push(`event ${event}`),
    settled: (r: UpdateResult) => void told.push(`on(update) ${r.status}`),
  };
  const notifier: RuntimeNotifier = {
    filesLoaded: () => undefined,
    restartNeeded: (reason, file) => void told.push(`restart ${reason} ${base(file)}`),
  };
  return new Reporter(log, events, supervised ? notifier : undefined);
}

describe("what is said about updates (reporter.ts)", () => {
  for (const row of RULES) {
    test(row.rule, () => {
      const told: string[] = [];
      const r = reporter(told, row.supervised === true);
      for (const [request, ...steps] of row.updates) {
        const report = r.update(request);
        for (const step of steps) step(report);
      }
      assert.deepEqual(told, row.told);
    });
  }

  test("a missing file is an error line and a hotload:error naming it", () => {
    const told: string[] = [];
    reporter(told, false).missing(A, "was deleted");
    assert.deepEqual(told, ["error: a.mjs was deleted — the previous version keeps running", "event hotload:error"]);
  });

  test("an in-place update that left the process half of each version: one line, or under the command a restart and no line", () => {
    const plain: string[] = [];
    reporter(plain, false).inPlaceFailed(A, [A]);
    assert.deepEqual(plain, [
      "warn: in-place update of a.mjs failed after its old version stopped: restart to be sure (the next good save is applied in place)",
    ]);
    const supervised: string[] = [];
    reporter(supervised, true).inPlaceFailed(A, [A]);
    assert.deepEqual(supervised, ["restart in-place-failed a.mjs"]);
  });
});
