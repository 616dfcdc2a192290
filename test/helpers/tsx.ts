/**
 * Projects run through a given tsx version or with other hooks preloaded, as users have them
 * (issues 21 and 23): pinned versions install from the npm registry into the test's own temporary
 * folder (`npm install --prefix`); tsx "repo" links the repository's own tsx.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { linkPackage, ROOT, spawnCommand } from "./e2e.js";

const installed = new Map<string, Promise<string>>();
const temps: string[] = [];

/** A nested npm sees neither the outer `npm test`'s config nor an update notice; this Node first on PATH. */
function npmEnv(): Record<string, string | undefined> {
  const clean: Record<string, string | undefined> = { PATH: [dirname(process.execPath), process.env["PATH"]].join(delimiter) };
  for (const key of Object.keys(process.env)) if (/^npm_/i.test(key)) clean[key] = undefined;
  clean["npm_config_update_notifier"] = "false";
  return clean;
}

/**
 * The node_modules folder where `name@version` is installed from the npm registry, once per test
 * process, into a temporary folder of its own.
 */
export function registryPackage(name: string, version: string): Promise<string> {
  return registryPackages([`${name}@${version}`]);
}

/**
 * The node_modules folder where the packages `specs` (`name@version`, pinned together: a peer
 * dependency named here is not installed at its latest) are installed from the npm registry,
 * once per test process, into a temporary folder of their own.
 */
export function registryPackages(specs: readonly string[]): Promise<string> {
  const key = specs.join(" ");
  let done = installed.get(key);
  if (!done) {
    done = (async () => {
      const prefix = mkdtempSync(join(tmpdir(), `hotload-${specs[0]!.replace(/\W+/g, "-")}-`));
      temps.push(prefix);
      const cli = process.env["npm_execpath"];
      const args = ["install", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", ...specs];
      const run =
        cli && /\.c?js$/.test(cli)
          ? spawnCommand(process.execPath, [cli, ...args], { env: npmEnv() })
          : spawnCommand("npm", args, { env: npmEnv() });
      const code = await run.exited;
      assert.equal(code, 0, `npm ${args.join(" ")} failed:\n${run.output()}`);
      return join(prefix, "node_modules");
    })();
    installed.set(key, done);
  }
  return done;
}

/** Links every package of the node_modules folder `modules` into `dir`'s node_modules (as installed there). */
export function linkModules(modules: string, dir: string): void {
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  for (const name of readdirSync(modules)) {
    if (name.startsWith(".") || existsSync(join(dir, "node_modules", name))) continue;
    symlinkSync(join(modules, name), join(dir, "node_modules", name), "dir");
  }
}

/** The folder of tsx `version` ("repo": the repository's), installed once per test process. */
export async function tsxPackage(version: string): Promise<string> {
  if (version === "repo") return join(ROOT, "node_modules/tsx");
  return join(await registryPackage("tsx", version), "tsx");
}

/** Removes the installed versions and the projects. Call from `after`. */
export function removeTsxInstalls(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A new project folder with `files` (relative path → text), `"type": "module"` in its package.json
 * when `esm` (else no type: tsx compiles to CommonJS), and tsx `version` and hotload in its
 * node_modules.
 */
export async function tsxProject(version: string, esm: boolean, files: Readonly<Record<string, string>>): Promise<string> {
  const tsx = await tsxPackage(version);
  const dir = mkdtempSync(join(tmpdir(), `hotload-tsx-project-`));
  temps.push(dir);
  writeFileSync(join(dir, "package.json"), esm ? '{ "type": "module" }\n' : "{}\n");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  linkPackage(dir);
  symlinkSync(tsx, join(dir, "node_modules/tsx"), "dir");
  return dir;
}

/** An app that accepts its dependency: the callback shows the new module and the live binding. */
export const ACCEPTING: Readonly<Record<string, string>> = {
  "app.ts": [
    'import { value } from "./dep.ts";',
    "console.log(`app sees ${value}`);",
    'import.meta.hot?.accept("./dep.ts", (dep) => console.log(`app accepted ${dep?.value}, live ${value}`));',
    "setInterval(() => {}, 1 << 30);",
    "",
  ].join("\n"),
  "dep.ts": 'export const value: string = "dep v1";\n',
};

/** An app that imports a type beside a value, without extensions. */
export const WITH_TYPES: Readonly<Record<string, string>> = {
  "app.ts": [
    'import { value } from "./dep";',
    'import type { Mood } from "./dep";',
    'const mood: Mood = "calm";',
    "console.log(`app sees ${value} (${mood})`);",
    'import.meta.hot!.accept("./dep", (dep) => console.log(`app accepted ${dep?.value}, live ${value}`));',
    "setInterval(() => {}, 1 << 30);",
    "",
  ].join("\n"),
  "dep.ts": 'export type Mood = "calm" | "loud";\nexport const value: string = "dep v1";\n',
};

/**
 * An app with no hot code, compiled to CommonJS (issue 23, case 1): its updates run the entry
 * again in place. The saved file is two imports below the entry.
 */
export const PLAIN_CJS: Readonly<Record<string, string>> = {
  "src/index.ts": ['import { start } from "./server";', "start();", "setInterval(() => {}, 1 << 30);", ""].join("\n"),
  "src/server.ts": [
    'import { value } from "./router2";',
    "export function start(): void {",
    "  console.log(`app sees ${value}`);",
    "}",
    "",
  ].join("\n"),
  "src/router2.ts": 'export const value: string = "dep v1";\n',
};

/** The same chain compiled to CommonJS, where server.ts accepts router2 with module.hot. */
export const CJS_ACCEPTING: Readonly<Record<string, string>> = {
  ...PLAIN_CJS,
  "src/server.ts": [
    'import { value } from "./router2";',
    "export function start(): void {",
    "  console.log(`app sees ${value}`);",
    "}",
    'module.hot?.accept("./router2", () => console.log(`server accepted ${require("./router2").value}`));',
    "",
  ].join("\n"),
};
