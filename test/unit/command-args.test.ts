import { test } from "node:test";
import assert from "node:assert/strict";
import { parseArgs, type CliOptions, type ParsedArgs } from "../../src/command/args.js";
import { isNodeOption } from "../../src/command/node-options.js";

/** A stand-in for Node's option list, so these tests pin the parser, not Node's version. */
const NODE = new Set([
  "--import",
  "--require",
  "-r",
  "-C",
  "--conditions",
  "--enable-source-maps",
  "--inspect",
  "--env-file",
  "--input-type",
  "--stack-size",
  "--no-warnings",
]);
const knownToNode = (flag: string): boolean => NODE.has(flag.split("=")[0]!);

function run(...argv: string[]): CliOptions {
  const parsed = parseArgs(argv, knownToNode);
  assert.equal(parsed.kind, "run", `expected a run for ${argv.join(" ")}, got ${JSON.stringify(parsed)}`);
  return (parsed as Extract<ParsedArgs, { kind: "run" }>).options;
}

function failure(...argv: string[]): string {
  const parsed = parseArgs(argv, knownToNode);
  assert.equal(parsed.kind, "error", `expected an error for ${argv.join(" ")}, got ${JSON.stringify(parsed)}`);
  return (parsed as Extract<ParsedArgs, { kind: "error" }>).message;
}

test("the entry alone runs hot with the defaults", () => {
  assert.deepEqual(run("app.mjs"), {
    entry: "app.mjs",
    nodeArgs: [],
    appArgs: [],
    hot: true,
    restart: [".env", ".env.*"],
    ignore: [],
    killTimeout: 3000,
    watchAfterExit: false,
    overlap: true,
    poll: undefined,
  });
});

test("--no-overlap turns overlapping restarts off; --poll takes its interval only after =", () => {
  assert.equal(run("--no-overlap", "app.mjs").overlap, false);
  assert.equal(run("--poll", "app.mjs").poll, 100);
  assert.equal(run("--poll", "app.mjs").entry, "app.mjs");
  assert.equal(run("--poll=250", "app.mjs").poll, 250);
  assert.deepEqual(parseArgs(["--poll=0", "app.mjs"], isNodeOption), {
    kind: "error",
    message: '--poll needs a number of milliseconds above 0, not "0"',
  });
  assert.deepEqual(parseArgs(["--no-overlap=1", "app.mjs"], isNodeOption), { kind: "error", message: "--no-overlap takes no value" });
});

test("everything after the entry belongs to the app, options included", () => {
  const options = run("app.mjs", "--port", "3000", "--no-hot", "--help");
  assert.deepEqual(options.appArgs, ["--port", "3000", "--no-hot", "--help"]);
  assert.equal(options.hot, true);
});

test("hotload's own options, in both spellings", () => {
  const options = run(
    "--no-hot",
    "--restart",
    "config/*.json",
    "--restart=.env",
    "--ignore",
    "dist",
    "--ignore=**/*.test.mjs",
    "--kill-timeout",
    "500",
    "--watch-after-exit",
    "app.mjs",
  );
  assert.equal(options.hot, false);
  assert.deepEqual(options.restart, ["config/*.json", ".env"]);
  assert.deepEqual(options.ignore, ["dist", "**/*.test.mjs"]);
  assert.equal(options.killTimeout, 500);
  assert.equal(options.watchAfterExit, true);
  assert.equal(run("--kill-timeout=0", "app.mjs").killTimeout, 0);
});

test("node options pass through in order, consuming their values", () => {
  const options = run(
    "--import",
    "tsx",
    "--enable-source-maps",
    "-r",
    "dotenv/config",
    "--no-hot",
    "--conditions=dev",
    "-C",
    "prod",
    "--inspect",
    "--input-type",
    "module",
    "--stack-size=2000",
    "app.ts",
    "x",
  );
  assert.deepEqual(options.nodeArgs, [
    "--import",
    "tsx",
    "--enable-source-maps",
    "-r",
    "dotenv/config",
    "--conditions=dev",
    "-C",
    "prod",
    "--inspect",
    "--input-type",
    "module",
    "--stack-size=2000",
  ]);
  assert.equal(options.entry, "app.ts");
  assert.deepEqual(options.appArgs, ["x"]);
  // The value of a node option is never taken for the entry, whatever it looks like.
  assert.equal(run("--import", "./setup.mjs", "app.mjs").entry, "app.mjs");
  assert.equal(run("--stack-size", "4000", "app.mjs").entry, "app.mjs");
});

test("-- ends the options: the next argument is the entry", () => {
  const options = run("--no-hot", "--", "--weird.mjs", "--no-hot");
  assert.equal(options.entry, "--weird.mjs");
  assert.deepEqual(options.appArgs, ["--no-hot"]);
  assert.equal(options.hot, false);
});

test("--help and --version win when they come before the entry", () => {
  assert.deepEqual(parseArgs(["--help"], knownToNode), { kind: "help" });
  assert.deepEqual(parseArgs(["-h", "app.mjs"], knownToNode), { kind: "help" });
  assert.deepEqual(parseArgs(["--version"], knownToNode), { kind: "version" });
  assert.deepEqual(parseArgs(["--no-hot", "-v"], knownToNode), { kind: "version" });
});

test("usage errors are one line naming the problem", () => {
  assert.equal(failure("--foo", "app.mjs"), "unknown option --foo");
  assert.equal(failure("--foo=1", "app.mjs"), "unknown option --foo");
  assert.equal(failure(), "missing the entry file to run");
  assert.equal(failure("--no-hot"), "missing the entry file to run");
  assert.equal(failure("--restart"), "--restart needs a glob");
  assert.equal(failure("--ignore=", "app.mjs"), "--ignore needs a glob");
  assert.equal(failure("--kill-timeout"), "--kill-timeout needs a number of milliseconds");
  assert.equal(failure("--kill-timeout", "soon", "app.mjs"), '--kill-timeout needs a number of milliseconds, not "soon"');
  assert.equal(failure("--no-hot=1", "app.mjs"), "--no-hot takes no value");
  assert.equal(failure("--import"), "--import needs a value");
  assert.match(failure("--watch", "app.mjs"), /^node's --watch cannot be used here: hotload already restarts/);
  assert.match(failure("-e", "1"), /^node's -e cannot be used here/);
  for (const message of [failure("--foo"), failure("--kill-timeout", "x", "a")]) assert.ok(!message.includes("\n"));
});

test("Node's own option list recognises node and V8 options and rejects typos", () => {
  for (const flag of [
    "--import",
    "-r",
    "-C",
    "--enable-source-maps",
    "--inspect",
    "--inspect-brk=9229",
    "--env-file=.env",
    "--stack-size=100",
    "--stack_size=100",
    "--expose-gc",
    "--no-warnings",
    "--no-deprecation",
    "--max-old-space-size=100",
    "--no-experimental-strip-types",
  ]) {
    assert.ok(isNodeOption(flag), flag);
  }
  for (const flag of ["--foo", "--imprt", "--enable-sourcemaps", "-z"]) assert.ok(!isNodeOption(flag), flag);
});
