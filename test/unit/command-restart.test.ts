import assert from "node:assert/strict";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { compileGlob } from "../../src/command/glob.js";
import { launchSpec } from "../../src/command/launch-spec.js";
import { envFilesOf, inspectorPort } from "../../src/command/node-options.js";
import { describe as describeCause, savedAfter } from "../../src/command/restart-cause.js";
import type { SupervisorOptions } from "../../src/command/supervisor.js";
import { SUPERVISOR_ENV } from "../../src/shared/env.js";
import { LINK_FD } from "../../src/shared/link.js";

const options = (extra: Partial<SupervisorOptions> = {}): SupervisorOptions => ({
  entry: "app.mjs",
  nodeArgs: ["--import", "tsx"],
  appArgs: ["--port", "3000"],
  hot: true,
  restart: [],
  ignore: [],
  killTimeout: 5000,
  watchAfterExit: false,
  overlap: true,
  poll: undefined,
  loader: "file:///hotload/dist/loader/index.js",
  stdin: "inherit",
  ...extra,
});

describe("what a run of the app is started with", () => {
  test("hotload's loader comes after the user's node options, so a transpiler's hooks see its output", () => {
    const spec = launchSpec(options(), "/app", [], {});
    assert.deepEqual(spec.execArgv, ["--import", "tsx", "--import", "file:///hotload/dist/loader/index.js"]);
    assert.deepEqual(spec.appArgs, ["--port", "3000"]);
    assert.equal(spec.cwd, "/app");
    assert.equal(spec.entry, "app.mjs");
  });

  test("the child is told where its link is, whether to update, and that it is the first hotload process", () => {
    const { env } = launchSpec(options({ hot: false, poll: 300 }), "/app", [], { PATH: "/bin", HOTLOAD_FIRST_PID: "12" });
    assert.equal(env[SUPERVISOR_ENV], String(LINK_FD));
    assert.equal(env["HOTLOAD_HOT"], "0");
    assert.equal(env["HOTLOAD_POLL"], "300");
    assert.equal("HOTLOAD_FIRST_PID" in env, false);
    assert.equal(env["PATH"], "/bin");
  });

  test("in hot mode (the default) nothing but the link's variable is added to the environment", () => {
    const { env } = launchSpec(options(), "/app", [], { PATH: "/bin", HOTLOAD_HOT: "1" });
    assert.deepEqual(env, { PATH: "/bin", [SUPERVISOR_ENV]: String(LINK_FD) });
  });

  test("node's inspector on a fixed port is found in every spelling; port 0 or no inspector is none", () => {
    assert.equal(inspectorPort(["--inspect"]), 9229);
    assert.equal(inspectorPort(["--inspect=127.0.0.1:9333"]), 9333);
    assert.equal(inspectorPort(["--inspect-brk=9444"]), 9444);
    assert.equal(inspectorPort(["--inspect-wait", "--inspect-port", "9555"]), 9555);
    assert.equal(inspectorPort(["--inspect=0"]), undefined);
    assert.equal(inspectorPort(["--inspect-port=9229", "--import", "tsx"]), undefined);
  });

  test("plain paths among --ignore globs are added to the app's own HOTLOAD_IGNORE; patterns are not", () => {
    const ignore = [compileGlob("config/local.mjs", "/app"), compileGlob("**/*.gen.mjs", "/app")];
    const { env } = launchSpec(options(), "/app", ignore, { HOTLOAD_IGNORE: "/app/old.mjs" });
    assert.equal(env["HOTLOAD_IGNORE"], "/app/old.mjs,/app/config/local.mjs");
    assert.equal(launchSpec(options(), "/app", [], {})["env"]["HOTLOAD_IGNORE"], undefined);
  });
});

describe("why the app restarts", () => {
  const dir = mkdtempSync(join(tmpdir(), "hotload-restart-cause-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("each cause is said in words", () => {
    assert.equal(describeCause({ kind: "request", via: "rs" }), "restart requested (rs)");
    assert.equal(describeCause({ kind: "died", how: "crashed with exit code 1" }), "the program crashed with exit code 1 after a change");
    assert.equal(
      describeCause({
        kind: "child",
        message: { hotload: "restart", reason: "declined", file: "/elsewhere/a.mjs", chain: ["/elsewhere/a.mjs", "/elsewhere/b.mjs"] },
      }),
      "/elsewhere/b.mjs declined the change to /elsewhere/a.mjs",
    );
    assert.equal(
      describeCause({
        kind: "child",
        message: {
          hotload: "restart",
          reason: "invalidation-cycle",
          file: "/elsewhere/a.mjs",
          chain: ["/elsewhere/a.mjs", "/elsewhere/b.mjs", "/elsewhere/a.mjs"],
        },
      }),
      "/elsewhere/a.mjs called invalidate() and it came back round an import cycle",
    );
  });

  test("a cause counts as saved after a time only when its file's modification time is later", () => {
    const file = join(dir, "a.mjs");
    writeFileSync(file, "export {};\n");
    utimesSync(file, new Date(1_000_000), new Date(1_000_000));
    assert.equal(savedAfter({ kind: "change", file }, 999_000), true);
    assert.equal(savedAfter({ kind: "change", file }, 1_001_000), false);
    assert.equal(savedAfter({ kind: "change", file: join(dir, "missing.mjs") }, 0), false);
    assert.equal(savedAfter({ kind: "request", via: "SIGHUP" }, 0), false);
  });

  test("env files among node's options are found in both spellings", () => {
    assert.deepEqual(envFilesOf(["--env-file", ".env", "--env-file-if-exists=.env.local", "--import", "tsx"]), [".env", ".env.local"]);
  });
});
