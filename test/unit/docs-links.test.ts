/**
 * The README is for users and links to docs/ and CONTRIBUTING.md for the rest (issue 24, item 8):
 * every relative link between them names a file that exists and, after `#`, a heading of that file
 * as GitHub makes its anchor.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers/e2e.js";

const PAGES = [
  "README.md",
  "CONTRIBUTING.md",
  "bench/README.md",
  "examples/demo/README.md",
  ...readdirSync(join(ROOT, "docs")).map((name) => `docs/${name}`),
];

const withoutCode = (text: string): string => text.replace(/```[\s\S]*?```/g, "");

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens; repeats numbered. */
function anchors(file: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of withoutCode(readFileSync(file, "utf8")).matchAll(/^#{1,6} (.*)$/gm)) {
    const slug = heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\-_ ]/gu, "")
      .replaceAll(" ", "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    out.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return out;
}

test("the README, docs/ and CONTRIBUTING.md link only to files and headings that exist", () => {
  const broken: string[] = [];
  let links = 0;
  for (const page of PAGES) {
    const file = join(ROOT, page);
    for (const [, target] of withoutCode(readFileSync(file, "utf8")).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      links++;
      const [path, anchor] = target!.split("#") as [string, string | undefined];
      const to = path === "" ? file : join(dirname(file), path);
      if (!existsSync(to)) broken.push(`${page}: ${target} (no ${relative(ROOT, to)})`);
      else if (anchor !== undefined && (statSync(to).isDirectory() || !anchors(to).has(anchor)))
        broken.push(`${page}: ${target} (no such heading)`);
    }
  }
  assert.ok(links > 50, `found only ${links} relative links: the test reads the wrong files`);
  assert.deepEqual(broken, []);
});

test("the README stays a ten-minute read: at most 300 lines, with npm install and npm test for developers", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  assert.ok(readme.split("\n").length <= 300, `README.md has ${readme.split("\n").length} lines`);
  const developing = readme.slice(readme.indexOf("## Developing hotload"));
  assert.match(developing, /^npm install\b/m);
  assert.match(developing, /^npm test\b/m);
});

test("the README names every HOTLOAD_ environment variable that src/ and loader/ read", () => {
  const read = new Set(
    ["src", "loader"].flatMap((dir) =>
      readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
        .filter((name) => name.endsWith(".ts"))
        .flatMap((name) => readFileSync(join(ROOT, dir, name), "utf8").match(/\bHOTLOAD_[A-Z_]+\b/g) ?? []),
    ),
  );
  assert.ok(read.size >= 3, `found only ${[...read].join(", ")}`);
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  assert.deepEqual(
    [...read].filter((name) => !readme.includes(`\`${name}\``)),
    [],
  );
});
