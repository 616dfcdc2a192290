// Testing your own accept and dispose handlers: copy the modules to a temporary folder, import
// them, rewrite a file and call update([file]) (it applies the change at once, as a save would,
// and resolves when it has settled), then check what the running code does now. From the
// repository root, after a build:
//
//   node --import hotload --test examples/accept-handler.test.mjs
//
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { update } from "hotload/api";

// A copy, so that the test never edits the source tree (realpath: update() reports real paths).
const dir = realpathSync(mkdtempSync(join(tmpdir(), "accept-handler-")));
const file = (name) => join(dir, name);
const url = pathToFileURL(file("greeter.mjs")).href;

/** @type {typeof import("./accept-handler/greeter.mjs")} */
let greeter;

before(async () => {
  cpSync(new URL("./accept-handler", import.meta.url), dir, { recursive: true });
  greeter = await import(url);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("the accept handler puts a new greeting.mjs to use, and greeter.mjs is not run again", async () => {
  assert.equal(greeter.welcome("Ada"), "Hello, Ada!");

  writeFileSync(file("greeting.mjs"), "export const greet = (name) => `Welcome back, ${name}.`;\n");
  const result = await update([file("greeting.mjs")]);

  assert.equal(result.status, "updated");
  assert.deepEqual(result.reevaluated, [file("greeting.mjs")]);
  assert.deepEqual(result.boundaries, [file("greeter.mjs")]);
  // The instance the test imported, the one the program runs, now greets the new way.
  assert.equal(greeter.welcome("Ada"), "Welcome back, Ada.");
});

test("the dispose handler hands the history to the next version of greeter.mjs", async () => {
  const source = readFileSync(file("greeter.mjs"), "utf8");
  writeFileSync(file("greeter.mjs"), source.replace("export const version = 1;", "export const version = 2;\n"));
  const result = await update([file("greeter.mjs")]);

  assert.equal(result.status, "updated");
  assert.deepEqual(result.reevaluated, [file("greeter.mjs")]);
  // An import after the update gets the current version.
  const next = await import(url);
  assert.equal(next.version, 2);
  assert.notEqual(next, greeter);
  assert.deepEqual(next.history(), ["Ada", "Ada"]);
  // The new version imports greeting.mjs as it is now.
  assert.equal(next.welcome("Grace"), "Welcome back, Grace.");
});

test("a broken edit fails the update and leaves the running version in place", async () => {
  writeFileSync(file("greeting.mjs"), "export const greet = (name) => `Hi, ${name}`;;; oops(\n");
  const result = await update([file("greeting.mjs")]);

  assert.equal(result.status, "failed");
  const current = await import(url);
  assert.equal(current.welcome("Alan"), "Welcome back, Alan.");
});
