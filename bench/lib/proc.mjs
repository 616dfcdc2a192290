// Child processes for the benchmarks: spawned in their own process group (so that `node --watch`
// and supervisors are stopped together with the app they restart), read line by line with the
// receive time of each line, waited on with deadlines, and always killed: every child is tracked
// until it exits, and whatever is still alive when the bench exits is killed by group id.

import { spawn } from "node:child_process";

/** Wall-clock ms with sub-ms resolution; the apps print the same clock. */
export const now = () => performance.timeOrigin + performance.now();

const live = new Set();

function killGroup(child, signal = "SIGKILL") {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {}
  }
}

process.on("exit", () => {
  for (const p of live) killGroup(p.child);
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(sig, () => {
    for (const p of live) killGroup(p.child);
    process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1));
  });
}

export class TimeoutError extends Error {}

/**
 * Spawns `command args` and returns a handle:
 *   lines: [{ text, at, stream }] (stdout and stderr, as they arrived; `at` = receive time)
 *   waitFor(predicate|RegExp|string, ms, { since }) -> the matching line record
 *   onLine(fn) -> unsubscribe
 *   kill() -> resolves when the group is dead
 */
export function spawnApp(command, args, { cwd, env = {}, name = command, keepLines = 5000 } = {}) {
  const fullEnv = { ...process.env };
  // Tuning variables of the tools must come from the benchmark, not from the shell.
  for (const k of Object.keys(fullEnv)) if (/^(HOTLOAD_|HOT_HOOK_|HOT_INCLUDE|DEBUG$)/.test(k)) delete fullEnv[k];
  Object.assign(fullEnv, { NO_COLOR: "1", FORCE_COLOR: "0" }, env);
  delete fullEnv.NODE_OPTIONS;
  delete fullEnv.NODE_TEST_CONTEXT;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete fullEnv[k];
  const child = spawn(command, args, { cwd, env: fullEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const lines = [];
  let dropped = 0;
  const listeners = new Set();
  const waiters = new Set();
  let exitInfo;
  const handle = {
    name,
    child,
    pid: child.pid,
    lines,
    get dropped() {
      return dropped;
    },
    get exited() {
      return exitInfo;
    },
    exitedPromise: null,
    onLine(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    /** Index for `since`: only lines after this moment match. */
    mark() {
      return dropped + lines.length;
    },
    waitFor(match, ms, { since = 0 } = {}) {
      const test =
        typeof match === "function" ? match : match instanceof RegExp ? (l) => match.test(l.text) : (l) => l.text.includes(match);
      for (let i = Math.max(0, since - dropped); i < lines.length; i++) if (test(lines[i])) return Promise.resolve(lines[i]);
      return new Promise((resolve, reject) => {
        const waiter = {
          test,
          resolve: (l) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(l);
          },
          fail: (why) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            reject(new TimeoutError(`${name}: ${why} waiting for ${match}\n--- last output ---\n${handle.tail(15)}`));
          },
        };
        const timer = setTimeout(() => waiter.fail(`no match after ${ms} ms`), ms);
        waiters.add(waiter);
        if (exitInfo) waiter.fail(`exited (${exitInfo.code ?? exitInfo.signal})`);
      });
    },
    tail(n = 10) {
      return lines
        .slice(-n)
        .map((l) => `  ${l.stream === "stderr" ? "!" : "|"} ${l.text}`)
        .join("\n");
    },
    kill(signal = "SIGKILL") {
      killGroup(child, signal);
      return handle.exitedPromise;
    },
  };
  handle.exitedPromise = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      // The group may still hold grandchildren (a supervisor's app): take them down too.
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
      exitInfo = { code, signal };
      live.delete(handle);
      resolve(exitInfo);
      // Let the last output arrive before failing the waiters.
      setTimeout(() => {
        for (const w of [...waiters]) w.fail(`exited (${code ?? signal})`);
      }, 50);
    });
    child.on("error", (err) => {
      exitInfo = { code: -1, signal: null, error: err };
      live.delete(handle);
      resolve(exitInfo);
      for (const w of [...waiters]) w.fail(`spawn error ${err.message}`);
    });
  });
  live.add(handle);
  const feed = (stream, which) => {
    let buffer = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      const at = now();
      buffer += chunk;
      let i;
      while ((i = buffer.indexOf("\n")) >= 0) {
        const rec = { text: buffer.slice(0, i).replace(/\r$/, ""), at, stream: which };
        buffer = buffer.slice(i + 1);
        lines.push(rec);
        if (lines.length > keepLines) {
          lines.splice(0, lines.length - keepLines);
          dropped++;
        }
        for (const fn of listeners) fn(rec);
        for (const w of [...waiters]) if (w.test(rec)) w.resolve(rec);
      }
    });
  };
  feed(child.stdout, "stdout");
  feed(child.stderr, "stderr");
  return handle;
}

/** Runs `fn(app)` and kills the app afterwards, whatever happens. */
export async function withApp(command, args, options, fn) {
  const app = spawnApp(command, args, options);
  try {
    return await fn(app);
  } finally {
    await app.kill();
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Uniform random number in [a, b). */
export const between = (a, b) => a + Math.random() * (b - a);
