import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VersionTable } from "../../src/engine/modules/versions.js";
import { parseVersion, stripVersion, withFresh, withVersion } from "../../src/shared/urls.js";

const URL_A = "file:///project/src/a.mjs";

describe("withVersion and parseVersion", () => {
  test("version 0 is the plain URL, and the plain URL parses as version 0", () => {
    assert.equal(withVersion(URL_A, 0), URL_A);
    assert.deepEqual(parseVersion(URL_A), { url: URL_A, version: 0, fresh: 0 });
  });

  test("a later version is the ?hotload=N query and parses back to the same identity and number", () => {
    const versioned = withVersion(URL_A, 7);
    assert.equal(versioned, `${URL_A}?hotload=7`);
    assert.deepEqual(parseVersion(versioned), { url: URL_A, version: 7, fresh: 0 });
  });

  test("multi-digit versions round-trip", () => {
    for (const version of [1, 9, 10, 123, 100_000]) {
      assert.deepEqual(parseVersion(withVersion(URL_A, version)), { url: URL_A, version, fresh: 0 });
    }
  });

  test("a URL with its own query keeps it, and the version is appended with &", () => {
    const url = `${URL_A}?a=1`;
    const versioned = withVersion(url, 3);
    assert.equal(versioned, `${URL_A}?a=1&hotload=3`);
    assert.deepEqual(parseVersion(versioned), { url, version: 3, fresh: 0 });
  });

  test("a URL with a fragment keeps the fragment after the version", () => {
    const url = `${URL_A}#x`;
    const versioned = withVersion(url, 2);
    assert.equal(versioned, `${URL_A}?hotload=2#x`);
    assert.deepEqual(parseVersion(versioned), { url, version: 2, fresh: 0 });
  });

  test("a URL with both a query and a fragment round-trips", () => {
    const url = `${URL_A}?a=1&b=2#frag`;
    const versioned = withVersion(url, 4);
    assert.equal(versioned, `${URL_A}?a=1&b=2&hotload=4#frag`);
    assert.deepEqual(parseVersion(versioned), { url, version: 4, fresh: 0 });
  });

  test("a version placed before other query parameters is removed with its separator", () => {
    assert.deepEqual(parseVersion(`${URL_A}?hotload=5&a=1`), { url: `${URL_A}?a=1`, version: 5, fresh: 0 });
    assert.deepEqual(parseVersion(`${URL_A}?a=1&hotload=5&b=2`), { url: `${URL_A}?a=1&b=2`, version: 5, fresh: 0 });
  });

  test("a user query parameter that merely contains 'hotload' is not a version", () => {
    for (const url of [`${URL_A}?xhotload=2`, `${URL_A}?a=hotload=2`, `${URL_A}?a=1&my_hotload=2#x`]) {
      assert.deepEqual(parseVersion(url), { url, version: 0, fresh: 0 });
    }
  });

  test("a version appended after a parameter that contains 'hotload' is still found", () => {
    const url = `${URL_A}?xhotload=2`;
    const versioned = withVersion(url, 3);
    assert.equal(versioned, `${URL_A}?xhotload=2&hotload=3`);
    assert.deepEqual(parseVersion(versioned), { url, version: 3, fresh: 0 });
  });

  test("stripVersion gives the module identity", () => {
    assert.equal(stripVersion(`${URL_A}?hotload=12`), URL_A);
    assert.equal(stripVersion(`${URL_A}?a=1&hotload=12#x`), `${URL_A}?a=1#x`);
    assert.equal(stripVersion(URL_A), URL_A);
  });
});

describe("VersionTable", () => {
  test("an unknown module is at version 0", () => {
    assert.equal(new VersionTable().current(URL_A), 0);
  });

  test("bump issues 1, 2, 3 … and makes each current", () => {
    const table = new VersionTable();
    assert.equal(table.bump(URL_A), 1);
    assert.equal(table.current(URL_A), 1);
    assert.equal(table.bump(URL_A), 2);
    assert.equal(table.current(URL_A), 2);
  });

  test("modules are numbered independently", () => {
    const table = new VersionTable();
    const other = "file:///project/src/b.mjs";
    table.bump(URL_A);
    table.bump(URL_A);
    assert.equal(table.bump(other), 1);
    assert.equal(table.current(URL_A), 2);
  });

  test("bump never reuses a number after a roll-back with restore", () => {
    const table = new VersionTable();
    assert.equal(table.bump(URL_A), 1);
    assert.equal(table.bump(URL_A), 2);
    table.restore(URL_A, 1);
    assert.equal(table.current(URL_A), 1);
    assert.equal(table.bump(URL_A), 3);
    assert.equal(table.current(URL_A), 3);
  });

  test("restoring version 0 goes back to the plain URL, and the next bump is still new", () => {
    const table = new VersionTable();
    table.bump(URL_A);
    table.restore(URL_A, 0);
    assert.equal(table.current(URL_A), 0);
    assert.equal(table.bump(URL_A), 2);
  });
});

describe("fresh instances", () => {
  test("a fresh instance URL is never a version of the live program and strips to the same identity", () => {
    const fresh = withFresh(URL_A, 4);
    assert.deepEqual(parseVersion(fresh), { url: URL_A, version: 0, fresh: 4 });
    assert.notEqual(fresh, withVersion(URL_A, 4));
  });
});
