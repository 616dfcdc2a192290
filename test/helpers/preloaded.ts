/**
 * The hooks real apps preload beside hotload (issue 23), as their docs give them, on the app of
 * `fixtures/preloaded-apps`: an HTTP server whose answer comes from `route.mjs` (ES module entry
 * `app.mjs`) or `route.cjs` (CommonJS entry `server.cjs`), neither with hot code, so that a save
 * runs the entry again in place. Pinned versions install from the npm registry into the test's
 * own folder; nothing reaches a host beyond loopback.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { copyFixture, replaceIn, spawnCommand } from "./e2e.js";
import { freePort } from "./load.js";
import { linkModules, registryPackages } from "./tsx.js";

/** One preloaded set-up: the packages it needs, its flags, the environment its docs have it run with. */
export interface Preloaded {
  readonly packages: readonly string[];
  readonly flags: readonly string[];
  /** Whether it loads the fixture's `.env`. */
  readonly dotenv?: boolean;
  env?(): Promise<Record<string, string>>;
}

export const PRELOADED: Readonly<Record<string, Preloaded>> = {
  // OpenTelemetry's ES module set-up: `register("@opentelemetry/instrumentation/hook.mjs")`
  // (import-in-the-middle's asynchronous hooks), then the SDK with every auto-instrumentation.
  OpenTelemetry: {
    packages: ["@opentelemetry/auto-instrumentations-node@0.82.0", "@opentelemetry/sdk-node@0.301.2", "@opentelemetry/api@1.10.0"],
    flags: ["--import", "./otel.mjs"],
    // No exporter, and no cloud detector (they ask metadata hosts beyond loopback).
    env: async () => ({
      OTEL_TRACES_EXPORTER: "none",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
      OTEL_NODE_RESOURCE_DETECTORS: "env,host,os",
    }),
  },
  "import-in-the-middle's asynchronous hooks": { packages: ["import-in-the-middle@3.6.0"], flags: ["--import", "./iitm-async.mjs"] },
  "import-in-the-middle's synchronous hooks": { packages: ["import-in-the-middle@3.6.0"], flags: ["--import", "./iitm-sync.mjs"] },
  // What dd-trace's --import registers besides its tracer: an asynchronous hook that does nothing.
  "an asynchronous module.register() hook": { packages: [], flags: ["--import", "./noop-register.mjs"] },
  // dd-trace's --import, tracing on, its agent a closed loopback port.
  "dd-trace": {
    packages: ["dd-trace@6.21.0"],
    flags: ["--import", "dd-trace/initialize.mjs"],
    env: async () => ({
      DD_TRACE_AGENT_URL: `http://127.0.0.1:${await freePort()}`,
      DD_INSTRUMENTATION_TELEMETRY_ENABLED: "false",
      DD_REMOTE_CONFIGURATION_ENABLED: "false",
    }),
  },
  Sentry: { packages: ["@sentry/node@11.12.0"], flags: ["--import", "./sentry.mjs"] },
  dotenv: { packages: ["dotenv@18.0.10"], flags: ["--import", "dotenv/config"], dotenv: true },
  "--env-file": { packages: [], flags: ["--env-file=.env"], dotenv: true },
};

/** Both orders of the flags. */
export const ORDERS: Readonly<Record<string, (flags: readonly string[]) => string[]>> = {
  "hook first": (flags) => [...flags, "--import", "hotload"],
  "hotload first": (flags) => ["--import", "hotload", ...flags],
};

/** The body of a GET of `/` on loopback `port`. */
async function get(port: string): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/`)).text();
}

/**
 * Runs the fixture app under `name` in `order` with the ES module or CommonJS entry, saves its
 * route once, and checks from outside that the new code answers (with the `.env` greeting where
 * the set-up loads it) and that hotload said it updated the route in place.
 */
export async function updateUnder(name: string, order: string, esm: boolean): Promise<void> {
  const preloaded = PRELOADED[name]!;
  const dir = copyFixture("preloaded-apps");
  if (preloaded.packages.length > 0) linkModules(await registryPackages(preloaded.packages), dir);
  const [entry, route] = esm ? ["app.mjs", "route.mjs"] : ["server.cjs", "route.cjs"];
  const run = spawnCommand(process.execPath, [...ORDERS[order]!(preloaded.flags), entry], { cwd: dir, env: await preloaded.env?.() });
  try {
    const greeting = preloaded.dotenv ? "from-env" : "no .env";
    const port = (await run.waitForLine(/^listening on \d+$/, 20_000)).split(" ").pop()!;
    assert.equal(await get(port), `route v1 ${greeting}`, run.output());
    const since = run.mark();
    replaceIn(join(dir, route), "route v1", "route v22");
    await run
      .waitForLine(`[hotload] updated ./${route} → ./${entry}`, 10_000, since)
      .catch(() => assert.fail(`no update:\n${run.output()}`));
    const again = (await run.waitForLine(/^listening on \d+$/, 10_000, since)).split(" ").pop()!;
    assert.equal(await get(again), `route v22 ${greeting}`, run.output());
    assert.equal(run.lines.filter((line) => line.startsWith("[hotload]") && !/^\[hotload\] updated /.test(line)).length, 0, run.output());
  } finally {
    await run.kill();
  }
}
