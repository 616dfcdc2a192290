/**
 * No dead export (issue 24): every name a module of src/ or loader/ exports is imported by another
 * file, and every exported value is used by hotload itself, not only by its tests. The package's
 * entry points export what users import, so they are not checked. A test-only type is fine: it is
 * the shape of a parameter that a test's fake implements.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** What the package exports (package.json's `exports` and `bin`). */
const ENTRY_POINTS = new Set(["src/api.ts", "src/cli.ts", "src/hot-types.ts", "loader/index.ts"]);

/** Exports only tests use, each file with the reason its tests reach inside. */
const TEST_ONLY: Record<string, { readonly names: readonly string[]; readonly why: string }> = {
  "loader/sockets.ts": { names: ["requestOf"], why: "listen()'s overloads, pinned without a socket" },
  "src/inplace/handover.ts": { names: ["listenTarget", "sameTarget"], why: "listen()'s overloads, pinned without a socket" },
  "src/shared/env.ts": { names: ["readEnv"], why: "tests hand it an environment instead of setting process.env" },
  "src/shared/node-version.ts": { names: ["enginesNode"], why: "the unbundled reading of package.json's engines.node" },
  "src/shared/urls.ts": { names: ["LIVE_PREFIX"], why: "tests tell a live-binding module's URL from others" },
  "src/source/bindings.ts": { names: ["allAccepted"], why: "the rule, pinned without sources to lex" },
  "src/source/edit.ts": { names: ["injectHot", "injectHotBytes"], why: "the injection alone, which the transform and fuzz tests compare" },
  "src/source/live.ts": { names: ["liveModuleSource", "liveModuleUrl"], why: "the generated module, pinned as text" },
  "src/watch/changed.ts": {
    names: ["COARSE_CLOCK_MS", "WHOLE_SECONDS_MS", "LOAD_MARGIN_MS", "clockMarginMs", "mayBeModifiedSince"],
    why: "the clock-margin rule, pinned at its boundaries",
  },
  "src/engine/failure/location.ts": {
    names: ["typeScriptErrorAt"],
    why: "a pure function its unit test calls on TypeScript's own error objects",
  },
  // Types of what exported functions and public methods return: declaration emit needs them exported.
  "src/engine/modules/registry.ts": { names: ["ModuleRecord"], why: "what ModuleRegistry#record returns" },
  "src/engine/update/propagate.ts": { names: ["Propagation"], why: "what propagate() returns" },
};

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === "fixtures" ? [] : sources(path);
    return path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : [];
  });
}

interface Exported {
  readonly name: string;
  readonly type: boolean;
}

/** The names `code` exports: declarations and `export { … }` lists. */
function exportsOf(code: string): Exported[] {
  const declared =
    /^export (?:declare )?(?:default )?(?:abstract )?(?:async )?(function\*?|class|const|let|var|interface|type|enum) (\w+)/gm;
  const found = [...code.matchAll(declared)].map(([, kind, name]) => ({ name: name!, type: kind === "interface" || kind === "type" }));
  for (const [, list] of code.matchAll(/^export (?:type )?\{([^}]*)\}/gm)) {
    for (const part of list!
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean)) {
      found.push({
        name: part
          .replace(/^type\s+/, "")
          .split(/\s+as\s+/)
          .pop()!,
        type: /^type\s/.test(part),
      });
    }
  }
  return found;
}

/**
 * What `file` imports from other files, as `target#name`: named imports and re-exports, the
 * members a namespace import reads (all of them if the namespace is handed on whole), and for a dynamic import every name of the target that the
 * importing code mentions (`target#*` for `export * from`).
 */
function usesOf(file: string, code: string, exportsByFile: ReadonlyMap<string, readonly Exported[]>): Set<string> {
  const target = (specifier: string): string => normalize(join(dirname(file), specifier)).replace(/\.js$/, ".ts");
  const uses = new Set<string>();
  for (const [, clause, specifier] of code.matchAll(
    /^\s*(?:import|export)\s+(?:type\s+)?([^;"']*?)\s*\bfrom\s*["'](\.{1,2}\/[^"']+)["']/gm,
  )) {
    const from = target(specifier!);
    const namespace = /\*\s+as\s+(\w+)/.exec(clause!)?.[1];
    if (namespace !== undefined) {
      for (const [, member] of code.matchAll(new RegExp(`\\b${namespace}\\.(\\w+)`, "g"))) uses.add(`${from}#${member}`);
      // A namespace handed on whole (`{ log }`, `use(log)`) has every name used wherever it goes.
      if ([...code.matchAll(new RegExp(`\\b${namespace}\\b(?!\\s*\\.)`, "g"))].length > 1) uses.add(`${from}#*`);
    } else if (clause!.startsWith("*")) {
      uses.add(`${from}#*`);
    } else {
      for (const part of /\{([^}]*)\}/.exec(clause!)?.[1]?.split(",") ?? [])
        uses.add(
          `${from}#${
            part
              .trim()
              .replace(/^type\s+/, "")
              .split(/\s+as\s+/)[0]
          }`,
        );
      if (/^\w/.test(clause!) && !/^type\s*\{/.test(clause!)) uses.add(`${from}#default`);
    }
  }
  for (const [, specifier] of code.matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) {
    const from = target(specifier!);
    for (const { name } of exportsByFile.get(from) ?? []) uses.add(`${from}#${name}`);
  }
  return uses;
}

/** Exports no other file imports (`dead`), and values only tests use (`testOnly`), as `file: name`. */
function unusedExports(text: ReadonlyMap<string, string>, checked: (file: string) => boolean): { dead: string[]; testOnly: string[] } {
  const files = [...text.keys()];
  const exportsByFile = new Map(files.map((file) => [file, exportsOf(text.get(file)!)]));
  const uses = new Map(files.map((file) => [file, usesOf(file, text.get(file)!, exportsByFile)]));
  const isTest = (file: string): boolean => file.startsWith("test/");
  // A lazily imported module's names are read off the object it resolves to, wherever that goes.
  const lazy = new Set(
    files.flatMap((file) =>
      [...text.get(file)!.matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)].map((m) =>
        normalize(join(dirname(file), m[1]!)).replace(/\.js$/, ".ts"),
      ),
    ),
  );
  const dead: string[] = [];
  const testOnly: string[] = [];
  for (const file of files.filter(checked)) {
    for (const { name, type } of exportsByFile.get(file)!) {
      const mentions = (other: string): boolean =>
        lazy.has(file)
          ? !isTest(other) && new RegExp(`\\b${name}\\b`).test(text.get(other)!)
          : uses.get(other)!.has(`${file}#${name}`) || uses.get(other)!.has(`${file}#*`);
      const users = files.filter((other) => other !== file && mentions(other));
      if (users.length === 0) dead.push(`${file}: ${name}`);
      else if (!type && users.every(isTest)) testOnly.push(`${file}: ${name}`);
    }
  }
  return { dead, testOnly };
}

describe("dead exports", () => {
  test("the check finds an export nobody imports and a value only tests use, and counts a namespace handed on whole as used", () => {
    const text = new Map([
      ["src/a.ts", "export const used = 1;\nexport function forTests(): void {}\nexport interface Shape {}\nexport const unused = 2;\n"],
      [
        "src/b.ts",
        'import { used } from "./a.js";\nimport * as lazy from "./c.js";\nimport * as all from "./d.js";\nlazy.named();\nrun({ all });\n',
      ],
      ["src/c.ts", "export function named(): void {}\nexport type Never = 1;\n"],
      ["src/d.ts", "export function handedOnWhole(): void {}\n"],
      ["test/a.test.ts", 'import { forTests, type Shape } from "../src/a.js";\n'],
    ]);
    assert.deepEqual(
      unusedExports(text, (file) => file.startsWith("src/")),
      {
        dead: ["src/a.ts: unused", "src/c.ts: Never"],
        testOnly: ["src/a.ts: forTests"],
      },
    );
  });

  const files = [...sources("src"), ...sources("loader"), ...sources("test")];
  const text = new Map(files.map((file) => [file, readFileSync(join(root, file), "utf8")]));
  const { dead, testOnly } = unusedExports(text, (file) => !file.startsWith("test/") && !ENTRY_POINTS.has(file));
  const allowed = (entry: string): boolean => {
    const [file, name] = entry.split(": ") as [string, string];
    return TEST_ONLY[file]?.names.includes(name) ?? false;
  };

  test("every name src/ and loader/ export is imported by another file", () => {
    assert.deepEqual(
      dead.filter((entry) => !allowed(entry)),
      [],
    );
  });

  test("every value src/ and loader/ export is used by hotload, not only by its tests", () => {
    assert.deepEqual(
      testOnly.filter((entry) => !allowed(entry)),
      [],
    );
  });

  test("the list of test-only exports holds no name that hotload now uses or no longer exports", () => {
    const listed = Object.entries(TEST_ONLY).flatMap(([file, { names }]) => names.map((name) => `${file}: ${name}`));
    assert.deepEqual(
      listed.filter((entry) => !dead.includes(entry) && !testOnly.includes(entry)),
      [],
    );
  });
});
