import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { failureReport, type ReportedFailure } from "../../src/engine/failure/report.js";

const SOURCE = "export const a = 1;\nconst b = ;\n";

function failure(overrides: Partial<ReportedFailure>): ReportedFailure {
  return { error: new Error("boom"), location: undefined, source: undefined, evaluating: false, ...overrides };
}

describe("failureReport", () => {
  test("a syntax error names file:line:column with the re-parsed message and a code frame; the previous version stays", () => {
    const report = failureReport(
      failure({
        error: new SyntaxError("Unexpected token ';'"),
        location: { file: "/app/a.mjs", line: 2, column: 11, message: "SyntaxError: Unexpected token" },
        source: SOURCE,
        evaluating: true,
      }),
      [],
      ["/app/a.mjs"],
    );
    assert.equal(report.line, "/app/a.mjs:2:11 SyntaxError: Unexpected token — keeping the previous version");
    assert.equal(report.detail, ["  1 | export const a = 1;", "> 2 | const b = ;", "    |           ^", "  3 | "].join("\n"));
    assert.equal(report.file, "/app/a.mjs");
  });

  test("an error while evaluating is a roll-back, and its stack follows the code frame", () => {
    const error = new Error("t fails");
    error.stack = "Error: t fails\n    at file:///app/t.mjs?hotload=2:2:7\n    at node:internal/modules/esm/module_job:1:1";
    const report = failureReport(
      failure({ error, location: { file: "/app/t.mjs", line: 2, column: 7 }, source: SOURCE, evaluating: true }),
      [],
      ["/app/t.mjs"],
    );
    assert.equal(report.line, "/app/t.mjs:2:7 Error: t fails — rolled back to the previous version");
    assert.ok(report.detail?.endsWith("\n    at file:///app/t.mjs?hotload=2:2:7"), report.detail);
  });

  test("the edits a failure holds back are named after the outcome", () => {
    const location = { file: "/app/a.mjs", line: 1, column: 8, message: "Error: Cannot find module './dep.mjs' (/app/dep.mjs)" };
    const report = failureReport(failure({ location }), ["/app/mid.mjs", "/app/b.mjs"], ["/app/mid.mjs", "/app/b.mjs"]);
    assert.equal(
      report.line,
      "/app/a.mjs:1:8 Error: Cannot find module './dep.mjs' (/app/dep.mjs) — keeping the previous version (also held back: /app/mid.mjs, /app/b.mjs)",
    );
  });

  test("without a location the line names the file given, or else the changed files", () => {
    const gone = failureReport(failure({ where: "/app/index.mjs", message: "Error: the file cannot be found" }), [], ["/app/a.mjs"]);
    assert.equal(gone.line, "/app/index.mjs Error: the file cannot be found — keeping the previous version");
    assert.equal(gone.file, "/app/index.mjs");
    const unknown = failureReport(failure({}), [], ["/app/a.mjs", "/app/b.mjs"]);
    assert.equal(unknown.line, "/app/a.mjs, /app/b.mjs Error: boom — keeping the previous version");
    assert.equal(unknown.detail, undefined);
  });
});

describe("failureReport: what a failure holds back", () => {
  test("a file is never held back by itself, located or not", () => {
    const location = { file: "/app/t.ts", line: 2, column: 1 };
    const located = failureReport(
      failure({ error: new SyntaxError("x"), location }),
      ["/app/t.ts", "/app/b.mjs"],
      ["/app/t.ts", "/app/b.mjs"],
    );
    assert.equal(located.line, "/app/t.ts:2:1 SyntaxError: x — keeping the previous version (also held back: /app/b.mjs)");
    const unlocated = failureReport(failure({ error: new SyntaxError("x") }), ["/app/data.json"], ["/app/data.json"]);
    assert.equal(unlocated.line, "/app/data.json SyntaxError: x — keeping the previous version");
    const named = failureReport(
      failure({ where: "/app/gone.mjs", message: "Error: the file cannot be found" }),
      ["/app/gone.mjs"],
      ["/app/a.mjs"],
    );
    assert.equal(named.line, "/app/gone.mjs Error: the file cannot be found — keeping the previous version");
  });
});
