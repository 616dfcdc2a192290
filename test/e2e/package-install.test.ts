/**
 * The install path users take (issue 14): `npm pack` of this repository's sources, the tarball
 * installed into a project outside the repository, then `node --import hotload app.mjs` and the
 * `hotload` command run from that project and apply an edit. The pack runs in a staging copy of
 * the package's sources (its `prepack` builds there), so the dist/ the other tests use is never
 * rebuilt under them; the install reads the npm cache first (`--prefer-offline`).
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { FIXTURES, replaceIn, ROOT, spawnCommand, spawnHot, type Running } from "../helpers/e2e.js";

/** What a fresh clone holds that the pack needs: the package's files and what builds them. */
const SOURCES = [
  "package.json",
  "README.md",
  "docs",
  "LICENSE",
  "client.d.ts",
  "tsconfig.json",
  "tsconfig.build.json",
  "scripts/build-package.mjs",
  "scripts/bundle.mjs",
  "src",
  "loader",
];

/** A user's file: import.meta.hot and hotload/api as the README shows them; internals must not type-check. */
const TYPED = `/// <reference types="hotload/client" />
import { HotloadError, type AfterUpdateEvent, type Hot, type HotloadErrorCode } from "hotload/api";

export let count: number = import.meta.hot?.data["count"] ?? 0;
import.meta.hot?.accept((next) => void next);
import.meta.hot?.accept<{ greeting: string }>("./greeting.mjs", (next) => console.log(next.greeting.length));
import.meta.hot?.dispose((data) => {
  data["count"] = count;
});
import.meta.hot?.on("hotload:afterUpdate", (event: AfterUpdateEvent) => console.log(event.status, event.durationMs.toFixed(1)));
const hot: Hot | undefined = import.meta.hot;
hot?.invalidate("a reason");

export function codeOf(error: unknown): HotloadErrorCode | undefined {
  return error instanceof HotloadError ? error.code : undefined;
}
// @ts-expect-error: a code outside the documented set is none
export const wrong: HotloadErrorCode = "no-such-code";
// @ts-expect-error: what the runtime reads of a context is not part of import.meta.hot
import.meta.hot?.registrations;
`;

const temps: string[] = [];
const runs: Running[] = [];

after(async () => {
  await Promise.all(runs.map((run) => run.kill()));
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function temp(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `hotload-${name}-`));
  temps.push(dir);
  return dir;
}

/** This Node first on PATH, so npm, the `prepack` build and the `hotload` bin all run on it. */
function env(): Record<string, string | undefined> {
  const clean: Record<string, string | undefined> = { PATH: [dirname(process.execPath), process.env["PATH"]].join(delimiter) };
  // The outer `npm test` exports its own config (prefix, package, lifecycle): a nested npm must not see it.
  for (const key of Object.keys(process.env)) if (/^npm_/i.test(key)) clean[key] = undefined;
  clean["npm_config_update_notifier"] = "false";
  return clean;
}

/** Runs npm (the one that runs `npm test` when known, else the one on PATH) and returns its output. */
async function npm(args: string[], cwd: string): Promise<string> {
  const cli = process.env["npm_execpath"];
  const run =
    cli && /\.c?js$/.test(cli)
      ? spawnCommand(process.execPath, [cli, ...args], { cwd, env: env() })
      : spawnCommand("npm", args, { cwd, env: env() });
  runs.push(run);
  const code = await run.exited;
  assert.equal(code, 0, `npm ${args.join(" ")} failed in ${cwd}:\n${run.output()}`);
  return run.output();
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

describe("hotload installed from the tarball npm pack makes", () => {
  let project = "";
  let installed = "";

  before(async () => {
    const staging = temp("pack");
    for (const item of SOURCES) cpSync(join(ROOT, item), join(staging, item), { recursive: true });
    symlinkSync(join(ROOT, "node_modules"), join(staging, "node_modules"), "dir");
    const out = temp("tarball");
    await npm(["pack", "--pack-destination", out, "--loglevel=error"], staging);
    const tarball = readdirSync(out).find((name) => name.endsWith(".tgz"));
    assert.ok(tarball, `npm pack wrote no tarball into ${out}`);

    project = temp("user");
    cpSync(join(FIXTURES, "package-install"), project, { recursive: true });
    await npm(["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", "--save-dev", join(out, tarball)], project);
    installed = join(project, "node_modules", "hotload");
  });

  test("the package holds its built entry points, LICENSE and the docs the README links, and no source map or .ts source", () => {
    const files = filesUnder(installed);
    const linked = [...readFileSync(join(ROOT, "README.md"), "utf8").matchAll(/\]\((docs\/[^)#]+)/g)].map((link) => link[1]!);
    assert.ok(linked.length > 0, "the README links no file under docs/");
    for (const file of ["dist/loader/index.js", "dist/src/api.js", "dist/src/cli.js", "client.d.ts", "LICENSE", "README.md", ...linked]) {
      assert.ok(files.includes(file), `${file} is not in the installed package: ${files.join(", ")}`);
    }
    assert.deepEqual(
      files.filter((file) => file.endsWith(".map") || (/\.[cm]?ts$/.test(file) && !/\.d\.[cm]?ts$/.test(file))),
      [],
    );
    assert.ok(existsSync(join(project, "node_modules", ".bin", "hotload")), "npm linked no hotload command");
  });

  test("a TypeScript file of the project type-checks against hotload/client and hotload/api, which show no internals", async () => {
    assert.doesNotMatch(readFileSync(join(installed, "client.d.ts"), "utf8"), /engine\//, "client.d.ts imports only the public types");
    writeFileSync(join(project, "typed.ts"), TYPED);
    const tsconfig = {
      compilerOptions: {
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2023",
        strict: true,
        noEmit: true,
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules", "@types")],
      },
      files: ["typed.ts"],
    };
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfig));
    const tsc = spawnCommand(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", project], { cwd: project, env: env() });
    runs.push(tsc);
    assert.equal(await tsc.exited, 0, `tsc -p ${project} failed:\n${tsc.output()}`);
  });

  test("node --import hotload app.mjs runs the installed copy and applies an edit", async () => {
    const run = spawnHot(join(project, "app.mjs"), { cwd: project, env: env() });
    runs.push(run);
    const started = await run.waitForLine(/^started pid=\d+ /, 20_000);
    assert.ok(started.includes(`hotload=${join(installed, "dist", "loader", "index.js")}`), started);
    const since = run.mark();
    replaceIn(join(project, "greeting.mjs"), '"hello"', '"hello from the tarball"');
    assert.match(await run.waitForLine("greeting updated", 10_000, since), /greeting=hello from the tarball$/);
    await run.waitForLine(/^\[hotload\] updated \.\/greeting\.mjs → \.\/app\.mjs in /, 10_000, since);
    await run.kill();
  });

  test("the hotload command npm linked into node_modules/.bin runs the app and applies an edit in place", async () => {
    writeFileSync(join(project, "greeting.mjs"), 'export const greeting = "hi";\n');
    const run = spawnCommand(join(project, "node_modules", ".bin", "hotload"), ["app.mjs"], { cwd: project, env: env() });
    runs.push(run);
    const started = await run.waitForLine(/^started pid=\d+ /, 20_000);
    assert.match(started, /greeting=hi$/);
    const since = run.mark();
    replaceIn(join(project, "greeting.mjs"), '"hi"', '"hi from the hotload command"');
    const line = await run.waitForLine("greeting updated", 10_000, since);
    assert.equal(line, `greeting updated ${/pid=\d+/.exec(started)![0]} greeting=hi from the hotload command`);
    // SIGTERM, as a user stops it: the command stops its app first (SIGKILL would orphan the app).
    run.child.kill("SIGTERM");
    await run.exited;
  });
});
