import { test } from "node:test";
import assert from "node:assert/strict";
import { compileGlob, coveredBy, escapeGlob, matchesGlob } from "../../src/command/glob.js";

function matches(glob: string, path: string): boolean {
  return matchesGlob(compileGlob(glob, "/", "linux"), path);
}

test("* stays within one folder and matches dot files", () => {
  assert.ok(matches("/a/*.json", "/a/x.json"));
  assert.ok(matches("/a/*", "/a/.env"));
  assert.ok(!matches("/a/*.json", "/a/b/x.json"));
  assert.ok(!matches("/a/*.json", "/a/x.json5"));
});

test("? is exactly one character other than /", () => {
  assert.ok(matches("/a/?.js", "/a/x.js"));
  assert.ok(!matches("/a/?.js", "/a/xy.js"));
  assert.ok(!matches("/a?b", "/a/b"));
});

test("** as a whole segment spans any number of folders, none included", () => {
  assert.ok(matches("/a/**/b.js", "/a/b.js"));
  assert.ok(matches("/a/**/b.js", "/a/x/b.js"));
  assert.ok(matches("/a/**/b.js", "/a/x/y/z/b.js"));
  assert.ok(!matches("/a/**/b.js", "/a/xb.js"));
  assert.ok(matches("/a/**", "/a/x/y"));
  assert.ok(!matches("/a/**", "/b/x"));
});

test("** inside a segment is a plain *", () => {
  assert.ok(matches("/a/x**.js", "/a/xyz.js"));
  assert.ok(!matches("/a/x**.js", "/a/x/y.js"));
});

test("{a,b} is either alternative, with wildcards and nesting", () => {
  assert.ok(matches("/a/*.{js,mjs}", "/a/x.mjs"));
  assert.ok(matches("/a/*.{js,mjs}", "/a/x.js"));
  assert.ok(!matches("/a/*.{js,mjs}", "/a/x.cjs"));
  assert.ok(matches("/a/{src/**/*.js,config.{json,yaml}}", "/a/src/x/y.js"));
  assert.ok(matches("/a/{src/**/*.js,config.{json,yaml}}", "/a/config.yaml"));
  assert.ok(!matches("/a/{src/**/*.js,config.{json,yaml}}", "/a/config.toml"));
});

test("[...] is one of its characters; regular expression characters and escaped ones are literal", () => {
  assert.ok(matches("/a/x[12].js", "/a/x2.js"));
  assert.ok(!matches("/a/x[12].js", "/a/x3.js"));
  assert.ok(matches("/a/\\(x\\)+\\[1\\].js", "/a/(x)+[1].js"));
  assert.ok(matches("/a/x$^.js", "/a/x$^.js"));
  assert.ok(!matches("/a/x.js", "/a/xajs"));
  assert.ok(matches("/a/\\{x.js", "/a/{x.js"));
  assert.ok(matches("/a/\\*.js", "/a/*.js"));
  assert.ok(!matches("/a/\\*.js", "/a/x.js"));
});

test("a leading ! is no negation", () => {
  assert.ok(!matches("!/a/x.js", "/b/y.js"));
});

test("relative globs start at the given folder; . and .. are folded", () => {
  const glob = compileGlob(".env.*", "/app/src");
  assert.equal(glob.absolute, "/app/src/.env.*");
  assert.ok(matchesGlob(glob, "/app/src/.env.local"));
  assert.ok(!matchesGlob(glob, "/app/.env.local"));
  assert.equal(compileGlob("../config/*.json", "/app/src").absolute, "/app/config/*.json");
  assert.equal(compileGlob("./x.json", "/app").absolute, "/app/x.json");
  assert.equal(compileGlob("/etc/*.conf", "/app").absolute, "/etc/*.conf");
});

test("base is the deepest folder without a wildcard, depth how far below it a match can be", () => {
  assert.deepEqual(pick(compileGlob(".env", "/app")), { base: "/app", depth: 0, literal: true });
  assert.deepEqual(pick(compileGlob(".env.*", "/app")), { base: "/app", depth: 0, literal: false });
  assert.deepEqual(pick(compileGlob("config/*/x.json", "/app")), { base: "/app/config", depth: 1, literal: false });
  assert.deepEqual(pick(compileGlob("config/**/*.json", "/app")), { base: "/app/config", depth: undefined, literal: false });
  assert.deepEqual(pick(compileGlob("{a/b,c}.json", "/app")), { base: "/app", depth: undefined, literal: false });
  assert.deepEqual(pick(compileGlob("/*.json", "/app")), { base: "/", depth: 0, literal: false });
});

test("coveredBy matches a path inside a matching folder", () => {
  const ignore = [compileGlob("dist", "/app"), compileGlob("**/*.test.mjs", "/app")];
  assert.ok(coveredBy(ignore, "/app/dist"));
  assert.ok(coveredBy(ignore, "/app/dist/x/y.mjs"));
  assert.ok(coveredBy(ignore, "/app/src/a.test.mjs"));
  assert.ok(!coveredBy(ignore, "/app/distx/y.mjs"));
  assert.ok(!coveredBy(ignore, "/app/src/a.mjs"));
});

test("on Windows backslashes are separators and matching ignores case", () => {
  const glob = compileGlob("config\\*.json", "C:\\app", "win32");
  assert.equal(glob.absolute, "C:/app/config/*.json");
  assert.equal(glob.base, "C:/app/config");
  assert.ok(matchesGlob(glob, "C:\\App\\Config\\X.JSON"));
  assert.equal(compileGlob("*.json", "C:\\", "win32").base, "C:/");
});

test("escapeGlob makes a path with wildcard characters match only itself", () => {
  const glob = compileGlob(escapeGlob("/app/{odd}*?.env", "linux"), "/", "linux");
  assert.ok(matchesGlob(glob, "/app/{odd}*?.env"));
  assert.ok(!matchesGlob(glob, "/app/odd-x.env"));
  assert.deepEqual(pick(glob), { base: "/app", depth: 0, literal: true });
  assert.equal(glob.absolute, "/app/{odd}*?.env");
  const parens = compileGlob(escapeGlob("/app (1)/[x]!+@.env", "linux"), "/", "linux");
  assert.ok(matchesGlob(parens, "/app (1)/[x]!+@.env"));
  assert.equal(parens.absolute, "/app (1)/[x]!+@.env");
  assert.equal(escapeGlob("C:\\app\\.env", "win32"), "C:\\app\\.env");
});

function pick(glob: ReturnType<typeof compileGlob>): { base: string; depth: number | undefined; literal: boolean } {
  return { base: glob.base, depth: glob.depth, literal: glob.literal };
}
