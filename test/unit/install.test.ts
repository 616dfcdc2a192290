/**
 * Installing hotload as the README says (issue 23, case 11): its install commands can be pasted
 * into a shell (no `<host>` placeholder, which the shell reads as a redirection), and `npm
 * install` in a clone (and the build npm runs when it installs hotload from git) prints no
 * install-script warning: npm 11 runs a dependency's install script only when the project's
 * `allowScripts` covers it, and lists every other one.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers/e2e.js";

interface Manifest {
  readonly name?: string;
  readonly scripts?: Readonly<Record<string, string>>;
  readonly allowScripts?: Readonly<Record<string, boolean>>;
}

const read = (file: string): Manifest => JSON.parse(readFileSync(file, "utf8")) as Manifest;

/** The package folders of node_modules (scoped ones too), not nested deeper. */
function packages(modules: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(modules)) {
    if (name.startsWith(".")) continue;
    const dir = join(modules, name);
    if (name.startsWith("@")) out.push(...readdirSync(dir).map((inner) => join(dir, inner)));
    else out.push(dir);
  }
  return out.filter((dir) => existsSync(join(dir, "package.json")));
}

test("every installed package with an install script is covered by package.json's allowScripts", () => {
  const allowed = read(join(ROOT, "package.json")).allowScripts ?? {};
  const withScripts = packages(join(ROOT, "node_modules"))
    .map((dir) => read(join(dir, "package.json")))
    .filter((manifest) => ["preinstall", "install", "postinstall"].some((script) => manifest.scripts?.[script] !== undefined))
    .map((manifest) => manifest.name ?? "?");
  assert.ok(withScripts.length > 0, "no installed package has an install script (esbuild has one): the test looks in the wrong place");
  const uncovered = withScripts.filter((name) => !(name in allowed));
  assert.deepEqual(uncovered, [], `not in package.json's allowScripts: ${uncovered.join(", ")}`);
});

test("the README's install commands paste into a shell: no <placeholder>, and a value to replace is named as such", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const install = readme.slice(readme.indexOf("## Install"), readme.indexOf("\n## ", readme.indexOf("## Install") + 1));
  const block = /```sh\n([\s\S]*?)```/.exec(install)?.[1];
  assert.ok(block, `no sh block in the Install section:\n${install}`);
  assert.ok(!/[<>]/.test(block.replace(/#.*$/gm, "")), `a < or > outside a comment is a redirection to the shell:\n${block}`);
  assert.match(block, /npm install --save-dev "hotload@git\+\$url"/);
  assert.match(block, /^url=\S+ +# replace with/m);
});
