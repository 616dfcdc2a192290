/**
 * The done-when of issue 22, at length: 10 restarts under 4 request loops (2 keep-alive, 2 fresh
 * connections) fail no request, for a TCP server, for a unix-socket server that unlinks its path
 * before listening, and for a program whose node:cluster primary forks 2 workers (still 2 after
 * every restart). test/e2e/command-sockets.test.ts has the short versions that `npm test` runs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { copyFixture, edit } from "../helpers/e2e.js";
import { hotload, stop } from "../helpers/command.js";
import { freePort, startLoad, type Load } from "../helpers/load.js";

const RESTARTS = 10;

async function total(loads: readonly Load[], more: number): Promise<void> {
  const sum = (): number => loads.reduce((all, load) => all + load.snapshot().ok, 0);
  const target = sum() + more;
  while (sum() < target) await new Promise((wake) => setTimeout(wake, 5));
}

async function restartsUnderLoad(
  fixture: string,
  args: string[],
  env: Record<string, string>,
  ready: (version: string) => RegExp,
  target: { port: number; socketPath?: string },
): Promise<void> {
  const dir = copyFixture(fixture);
  const run = hotload(dir, args, { env: { ...env, HOTLOAD_IN_PLACE: "0" } });
  await run.waitForLine(ready("v1"), 20_000);
  const loads = [
    startLoad(target.port, { keepAlive: true, clients: 2, socketPath: target.socketPath }),
    startLoad(target.port, { keepAlive: false, clients: 2, socketPath: target.socketPath }),
  ];
  try {
    await total(loads, 40);
    for (let i = 2; i < 2 + RESTARTS; i++) {
      const since = run.mark();
      const version = `v${"0".repeat(i)}${i}`;
      edit(join(dir, "version.mjs"), `export const version = "${version}";\n`);
      await run.waitForLine(ready(version), 20_000, since);
      await run.waitForLine(/^\[hotload\] restart: .* — new process ready in \d+ ms$/, 20_000, since);
      await total(loads, 40);
    }
  } finally {
    const results = await Promise.all(loads.map((load) => load.stop()));
    const [keepAlive, fresh] = results;
    console.log(
      `${fixture}: ${RESTARTS} restarts, keep-alive ${keepAlive!.ok} ok ${keepAlive!.failed} failed, fresh ${fresh!.ok} ok ${fresh!.failed} failed`,
    );
    for (const result of results) assert.equal(result.failed, 0, `failed: ${result.reasons.join(", ")}\n${run.output()}`);
    await stop(run);
  }
}

test("a TCP server answers every request across 10 restarts", async () => {
  const port = await freePort();
  await restartsUnderLoad(
    "cli-sockets",
    ["app.mjs"],
    { PORT: String(port) },
    (version) => new RegExp(`^listening pid=\\d+ port=${port} version=${version}$`),
    { port },
  );
});

test("a unix-socket server that unlinks its path answers every request across 10 restarts", async () => {
  const dir = copyFixture("cli-idle");
  const socketPath = join(dir, "app.sock");
  await restartsUnderLoad(
    "cli-sockets",
    ["app.mjs"],
    { SOCKET_PATH: socketPath },
    (version) => new RegExp(`^listening pid=\\d+ port=\\d+ version=${version}$`),
    { port: 0, socketPath },
  );
});

test("a program whose primary forks 2 cluster workers answers every request across 10 restarts, with 2 workers each time", async () => {
  const port = await freePort();
  await restartsUnderLoad(
    "cli-cluster",
    ["--poll", "app.mjs"],
    { PORT: String(port) },
    (version) => new RegExp(`^primary pid=\\d+ workers=2 version=${version}$`),
    { port },
  );
});
