/**
 * The supervisor's rules (src/command/supervisor.ts and run.ts), with fake processes, fake watches
 * and a fake clock: overlap and retirement, coalesced restart requests, the wait after a crash, the
 * one restart at once of a program that died after a save, SIGTERM and the kill timeout, and how
 * the command ends. The real processes and watches are tested once each end to end
 * (test/e2e/command-*.test.ts, cli*.test.ts).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { LISTEN_TIMEOUT_MS } from "../../src/command/run.js";
import type { CommandLog } from "../../src/command/effects.js";
import { Supervisor, type SupervisorOptions } from "../../src/command/supervisor.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { FakeProcesses } from "../helpers/fake-processes.js";
import { FakeWatches } from "../helpers/fake-watch.js";

const dir = mkdtempSync(join(tmpdir(), "hotload-supervisor-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A file of the app, last modified `at` (wall clock, ms). */
function fileAt(name: string, at: number): string {
  const file = join(dir, name);
  writeFileSync(file, `// ${name}\n`);
  utimesSync(file, new Date(at), new Date(at));
  return file;
}

const HOUR = 3_600_000;
const KILL_TIMEOUT = 5000;
/** How long a stop the user asked for waits for the app's own report of the signal (src/command/run.ts). */
const SIGNAL_REPORT_MS = 50;

function setup(extra: Partial<SupervisorOptions> = {}) {
  const processes = new FakeProcesses();
  const watches = new FakeWatches();
  const clock = new FakeClock();
  const lines: string[] = [];
  const log: CommandLog = {
    debug: (message) => lines.push(`debug: ${message}`),
    info: (message) => lines.push(`info: ${message}`),
    warn: (message) => lines.push(`warn: ${message}`),
    error: (message) => lines.push(`error: ${message}`),
  };
  const entry = fileAt("app.mjs", clock.wall() - HOUR);
  const options: SupervisorOptions = {
    entry,
    nodeArgs: [],
    appArgs: [],
    hot: true,
    restart: [],
    ignore: [],
    killTimeout: KILL_TIMEOUT,
    watchAfterExit: false,
    overlap: true,
    poll: undefined,
    loader: "file:///hotload/dist/loader/index.js",
    stdin: "inherit",
    cwd: dir,
    ...extra,
  };
  const supervisor = new Supervisor(options, { launch: processes, watch: watches, clock, log });
  let code: number | NodeJS.Signals | undefined;
  void supervisor.done.then((value) => (code = value));
  return {
    supervisor,
    processes,
    watches,
    clock,
    lines,
    entry,
    /** The code the command ended with, or the signal it dies by, once it did. */
    code: () => code,
    /** Starts the supervisor, and lets its first child spawn. */
    async start() {
      await supervisor.start();
      await clock.advance();
    },
    /** A restart the user asked for (`rs`). */
    async rs() {
      supervisor.restart({ kind: "request", via: "rs" });
      await clock.advance();
    },
  };
}

describe("restarts overlap: the old process serves until the new one is ready", () => {
  test("the new process starts beside the old one, which gets no signal until the new one is ready", async () => {
    const app = setup();
    await app.start();
    await app.rs();
    const [first, second] = app.processes.children;
    assert.equal(app.processes.children.length, 2);
    assert.deepEqual(first!.signals, []);
    assert.deepEqual(first!.received, ["sockets"]);
    second!.say({ hotload: "evaluated" });
    await app.clock.advance();
    assert.deepEqual(first!.received, ["sockets", "retire"]);
    assert.ok(app.lines.includes("info: restart: restart requested (rs) — new process ready in 0 ms"), app.lines.join("\n"));
  });

  test("a new process is ready once it listens where the old one listened, not when its entry evaluated", async () => {
    const app = setup();
    await app.start();
    const first = app.processes.child(0);
    first.say({ hotload: "listening", key: "tcp::3000" }, { close() {} });
    await app.rs();
    const second = app.processes.child(1);
    second.say({ hotload: "evaluated" });
    await app.clock.advance();
    assert.deepEqual(first.received, ["sockets"]);
    second.say({ hotload: "listening", key: "tcp::3000" });
    await app.clock.advance();
    assert.deepEqual(first.received, ["sockets", "retire"]);
  });

  test("a new process that calls ready() takes over at once", async () => {
    const app = setup();
    await app.start();
    app.processes.child(0).say({ hotload: "listening", key: "tcp::3000" }, { close() {} });
    await app.rs();
    app.processes.child(1).say({ hotload: "ready" });
    await app.clock.advance();
    assert.deepEqual(app.processes.child(0).received, ["sockets", "retire"]);
  });

  test(`a new process not ready after ${LISTEN_TIMEOUT_MS} ms takes over anyway, and the user is told`, async () => {
    const app = setup();
    await app.start();
    app.processes.child(0).say({ hotload: "listening", key: "tcp::3000" }, { close() {} });
    await app.rs();
    await app.clock.advance(LISTEN_TIMEOUT_MS - 1);
    assert.deepEqual(app.processes.child(0).received, ["sockets"]);
    await app.clock.advance(1);
    assert.deepEqual(app.processes.child(0).received, ["sockets", "retire"]);
    assert.ok(
      app.lines.some((line) => /^warn: .*app\.mjs: the new process is not ready after 10 s — switching to it anyway$/.test(line)),
      app.lines.join("\n"),
    );
  });

  test("a new process that exits before it is ready never replaces the old one, which serves until the next change", async () => {
    const app = setup();
    await app.start();
    await app.rs();
    app.processes.child(1).exit(1);
    await app.clock.advance();
    const first = app.processes.child(0);
    assert.deepEqual(first.signals, []);
    assert.deepEqual(first.received, ["sockets"]);
    assert.ok(
      app.lines.some((line) =>
        /^error: restart: restart requested \(rs\) — the new process exited with code 1 before it was ready; the previous version keeps running/.test(
          line,
        ),
      ),
    );
    // Hot mode: the command watches the loaded files for the save that may be the fix.
    assert.deepEqual(
      app.watches.open("files").map((watch) => watch.files),
      [[app.entry]],
    );
    app.watches.open("files")[0]!.change(app.entry);
    await app.clock.advance();
    assert.equal(app.processes.children.length, 3);
    assert.deepEqual(app.watches.open("files"), [], "once a run is starting, it watches its own files");
  });

  test("the old process retires: SIGTERM once it says its connections ended", async () => {
    const app = setup();
    await app.start();
    await app.rs();
    app.processes.child(1).say({ hotload: "evaluated" });
    await app.clock.advance(10);
    const first = app.processes.child(0);
    assert.deepEqual(first.signals, []);
    first.say({ hotload: "retired" });
    await app.clock.advance();
    assert.deepEqual(first.signals, ["SIGTERM"]);
  });

  test(`a retiring process that keeps connections open gets SIGTERM after 1000 ms anyway`, async () => {
    const app = setup();
    await app.start();
    await app.rs();
    app.processes.child(1).say({ hotload: "evaluated" });
    await app.clock.advance(999);
    assert.deepEqual(app.processes.child(0).signals, []);
    await app.clock.advance(1);
    assert.deepEqual(app.processes.child(0).signals, ["SIGTERM"]);
  });

  test("a retiring process still alive after the kill timeout is SIGKILLed, and the user is told", async () => {
    const app = setup();
    await app.start();
    await app.rs();
    const first = app.processes.child(0);
    first.ignores.add("SIGTERM");
    app.processes.child(1).say({ hotload: "evaluated" });
    await app.clock.advance(KILL_TIMEOUT - 1);
    assert.deepEqual(first.signals, ["SIGTERM"]);
    await app.clock.advance(1);
    assert.deepEqual(first.signals, ["SIGTERM", "SIGKILL"]);
    assert.ok(app.lines.some((line) => /^warn: the previous .*app\.mjs did not exit within 5000 ms: killing it$/.test(line)));
  });

  test("a retiring process whose link is gone gets SIGTERM at once", async () => {
    const app = setup();
    await app.start();
    await app.rs();
    app.processes.child(0).linkBroken = true;
    app.processes.child(1).say({ hotload: "evaluated" });
    await app.clock.advance();
    assert.deepEqual(app.processes.child(0).signals, ["SIGTERM"]);
  });

  test("without overlap, the old process gets SIGTERM and the new one starts only once it exited", async () => {
    const app = setup({ overlap: false });
    await app.start();
    const first = app.processes.child(0);
    first.ignores.add("SIGTERM");
    await app.rs();
    assert.deepEqual(first.signals, ["SIGTERM"]);
    assert.equal(app.processes.children.length, 1);
    await app.clock.advance(KILL_TIMEOUT);
    assert.deepEqual(first.signals, ["SIGTERM", "SIGKILL"]);
    assert.equal(app.processes.children.length, 2);
    assert.ok(app.lines.some((line) => /did not exit within 5000 ms of SIGTERM: killing it$/.test(line)));
    assert.ok(
      app.lines.some((line) => /^info: restart: restart requested \(rs\) — new process spawned in 5000 ms$/.test(line)),
      app.lines.join("\n"),
    );
  });

  test("a fixed inspector port turns overlap off (the new process's inspector could not listen)", async () => {
    const app = setup({ nodeArgs: ["--inspect=9229"] });
    await app.start();
    await app.rs();
    assert.deepEqual(app.processes.child(0).signals, ["SIGTERM"]);
  });
});

describe("restart requests are coalesced", () => {
  test("requests while a restart is under way are one restart: the new process loads the files as they are by then", async () => {
    const app = setup();
    await app.start();
    await app.rs();
    const old = fileAt("old.mjs", app.clock.wall() - HOUR);
    app.supervisor.restart({ kind: "change", file: old });
    await app.rs();
    assert.equal(app.processes.children.length, 2);
    app.processes.child(1).say({ hotload: "evaluated" });
    await app.clock.advance();
    assert.equal(app.processes.children.length, 2);
    assert.ok(app.lines.includes("debug: restart requested (rs): a restart is already under way"));
  });

  test("with --no-overlap, a request while the old process is still stopping is folded into that restart", async () => {
    const app = setup({ overlap: false });
    await app.start();
    app.processes.child(0).ignores.add("SIGTERM");
    await app.rs();
    await app.clock.advance(100);
    await app.rs();
    await app.clock.advance(KILL_TIMEOUT);
    assert.equal(app.processes.children.length, 2);
    assert.deepEqual(app.processes.child(0).signals, ["SIGTERM", "SIGKILL"]);
    assert.equal(app.lines.filter((line) => line.startsWith("info: restart:")).length, 1, app.lines.join("\n"));
  });

  test("a file saved after the new process started is restarted for again once that process took over", async () => {
    const app = setup();
    await app.start();
    await app.rs();
    const saved = fileAt("saved.mjs", app.clock.wall() + 1000);
    app.supervisor.restart({ kind: "change", file: saved });
    await app.clock.advance();
    assert.equal(app.processes.children.length, 2);
    app.processes.child(1).say({ hotload: "evaluated" });
    await app.clock.advance();
    assert.equal(app.processes.children.length, 3);
    assert.deepEqual(app.processes.child(0).received, ["sockets", "retire"]);
  });

  test("a restart the starting process asks for itself is done once it took over", async () => {
    const app = setup();
    await app.start();
    await app.rs();
    const second = app.processes.child(1);
    second.say({ hotload: "restart", file: app.entry, reason: "unaccepted", chain: [app.entry] });
    await app.clock.advance();
    assert.equal(app.processes.children.length, 2);
    second.say({ hotload: "evaluated" });
    await app.clock.advance();
    assert.equal(app.processes.children.length, 3);
  });

  test("a retiring process's last restart request is ignored", async () => {
    const app = setup();
    await app.start();
    await app.rs();
    app.processes.child(1).say({ hotload: "evaluated" });
    await app.clock.advance();
    app.processes.child(0).say({ hotload: "restart", file: app.entry, reason: "unaccepted", chain: [app.entry] });
    await app.clock.advance();
    assert.equal(app.processes.children.length, 2);
  });
});

describe("a crash waits for a change; a program that died after a save starts again once, at once", () => {
  test("a program that crashes on a fresh start is not restarted in a loop: it waits for a change to a file it loaded", async () => {
    const app = setup();
    await app.start();
    const lib = fileAt("lib.mjs", app.clock.wall() - HOUR);
    app.processes.child(0).say({ hotload: "files", files: [app.entry, lib] });
    app.processes.child(0).exit(1);
    await app.clock.advance(60_000);
    assert.equal(app.processes.children.length, 1);
    assert.ok(app.lines.some((line) => /^error: .*app\.mjs crashed with exit code 1 — waiting for a change to restart it$/.test(line)));
    const [watch] = app.watches.open("files");
    assert.deepEqual(watch!.files, [app.entry, lib]);
    // What the files held when it crashed: a save before the watch is ready is not missed.
    assert.deepEqual([...watch!.baseline!.keys()], [app.entry, lib]);
    watch!.change(lib);
    await app.clock.advance();
    assert.equal(app.processes.children.length, 2);
    assert.equal(watch!.closed, true);
  });

  test("a program that died after one of its files was saved starts again at once; if that run dies too, it waits", async () => {
    const app = setup();
    await app.start();
    const lib = fileAt("lib.mjs", app.clock.wall() - HOUR);
    app.processes.child(0).say({ hotload: "files", files: [lib] });
    utimesSync(lib, new Date(app.clock.wall() + 1000), new Date(app.clock.wall() + 1000));
    await app.clock.advance(2000);
    app.processes.child(0).exit(1);
    await app.clock.advance();
    assert.equal(app.processes.children.length, 2);
    assert.ok(
      app.lines.includes("info: restart: the program crashed with exit code 1 after a change — new process spawned in 0 ms"),
      app.lines.join("\n"),
    );
    app.processes.child(1).exit(1);
    await app.clock.advance(60_000);
    assert.equal(app.processes.children.length, 2);
    assert.ok(app.lines.some((line) => /crashed with exit code 1 — waiting for a change to restart it$/.test(line)));
  });

  test("exit code 0 ends the command with 0", async () => {
    const app = setup();
    await app.start();
    app.processes.child(0).exit(0);
    await app.clock.advance();
    assert.equal(app.code(), 0);
    assert.deepEqual(
      app.watches.opened.map((watch) => watch.closed),
      [true],
    );
  });

  test("with --watch-after-exit, exit code 0 waits for a change to start it again", async () => {
    const app = setup({ watchAfterExit: true });
    await app.start();
    app.processes.child(0).exit(0);
    await app.clock.advance();
    assert.equal(app.code(), undefined);
    assert.ok(app.lines.some((line) => /exited with code 0 — waiting for a change to start it again$/.test(line)));
    app.watches.open("files")[0]!.change(app.entry);
    await app.clock.advance();
    assert.equal(app.processes.children.length, 2);
  });

  test("a program that Ctrl-C reached first ends the command by its signal, without waiting", async () => {
    const app = setup();
    await app.start();
    app.processes.child(0).exit(null, "SIGINT");
    await app.clock.advance();
    assert.equal(app.code(), "SIGINT");
  });
});

describe("the command's own watches", () => {
  test("a change to a --restart glob's file restarts the app", async () => {
    const app = setup({ restart: ["config/*.json"] });
    await app.start();
    const [globs] = app.watches.open("globs");
    assert.deepEqual(globs!.files, [join(dir, "config/*.json")]);
    globs!.change(join(dir, "config/db.json"));
    await app.clock.advance();
    assert.equal(app.processes.children.length, 2);
  });

  test("with --no-hot, every file the app reported is watched, and one saved before its watch started restarts at once", async () => {
    const app = setup({ hot: false });
    await app.start();
    const [files] = app.watches.open("files");
    assert.deepEqual(files!.files, [app.entry]);
    const lib = fileAt("lib.mjs", app.clock.wall() - HOUR);
    app.processes.child(0).say({ hotload: "files", files: [lib] });
    await app.clock.advance();
    assert.deepEqual(files!.files, [app.entry, lib]);
    assert.equal(app.processes.children.length, 1);
    const late = fileAt("late.mjs", app.clock.wall() + 1000);
    app.processes.child(0).say({ hotload: "files", files: [late] });
    await app.clock.advance();
    assert.equal(app.processes.children.length, 2);
  });
});

describe("how the command ends", () => {
  test("a signal is forwarded to the app unless it says it got it too, and the command ends with the app's code", async () => {
    const app = setup();
    await app.start();
    const child = app.processes.child(0);
    child.ignores.add("SIGTERM");
    void app.supervisor.stop("SIGTERM");
    await app.clock.advance(SIGNAL_REPORT_MS - 1);
    assert.deepEqual(child.signals, [], "passed on before the app could say it got it");
    await app.clock.advance(1);
    assert.deepEqual(child.signals, ["SIGTERM"]);
    child.exit(3);
    await app.clock.advance();
    assert.equal(app.code(), 3);
  });

  test("an app killed by the forwarded signal ends the command by that signal (as plain node ends)", async () => {
    const app = setup();
    await app.start();
    const stopping = app.supervisor.stop("SIGTERM");
    await app.clock.advance(SIGNAL_REPORT_MS);
    await stopping;
    assert.equal(app.code(), "SIGTERM");
  });

  test("an app that does not take the signal is SIGKILLed after the kill timeout, as one still there that long after a second signal", async () => {
    const app = setup();
    await app.start();
    const child = app.processes.child(0);
    child.ignores.add("SIGINT");
    void app.supervisor.stop("SIGINT");
    await app.clock.advance(SIGNAL_REPORT_MS + KILL_TIMEOUT - 1);
    assert.deepEqual(child.signals, ["SIGINT"]);
    await app.clock.advance(1);
    assert.deepEqual(child.signals, ["SIGINT", "SIGKILL"]);
    assert.ok(
      app.lines.some((line) => /^warn: .*app\.mjs did not exit within 5000 ms of SIGINT: killing it$/.test(line)),
      app.lines.join("\n"),
    );
    assert.equal(app.code(), "SIGINT");

    const again = setup();
    await again.start();
    again.processes.child(0).ignores.add("SIGINT");
    void again.supervisor.stop("SIGINT");
    await again.clock.advance(SIGNAL_REPORT_MS);
    void again.supervisor.stop("SIGINT");
    await again.clock.advance(SIGNAL_REPORT_MS);
    assert.deepEqual(again.processes.child(0).signals, ["SIGINT", "SIGINT"]);
    await again.clock.advance(KILL_TIMEOUT);
    assert.deepEqual(again.processes.child(0).signals, ["SIGINT", "SIGINT", "SIGKILL"]);
    assert.equal(again.code(), "SIGINT");
  });

  test("a signal that reached the app itself (a terminal's Ctrl-C, a process group's) is not passed on, and its handler takes as long as it takes", async () => {
    const app = setup();
    await app.start();
    const child = app.processes.child(0);
    child.ignores.add("SIGINT");
    // The app's loader says so as the command's own handler runs, or just before.
    child.say({ hotload: "signal", signal: "SIGINT" });
    await app.clock.advance(10);
    void app.supervisor.stop("SIGINT");
    await app.clock.advance(10 * KILL_TIMEOUT);
    assert.deepEqual(child.signals, []);
    // Its second Ctrl-C: it gets that one from the terminal too, and then has the kill timeout to exit.
    void app.supervisor.stop("SIGINT");
    child.say({ hotload: "signal", signal: "SIGINT" });
    await app.clock.advance(KILL_TIMEOUT - 1);
    assert.deepEqual(child.signals, []);
    child.exit(9);
    await app.clock.advance();
    assert.equal(app.code(), 9);

    const stuck = setup();
    await stuck.start();
    const ignoring = stuck.processes.child(0);
    ignoring.ignores.add("SIGINT");
    ignoring.say({ hotload: "signal", signal: "SIGINT" });
    void stuck.supervisor.stop("SIGINT");
    await stuck.clock.advance(10 * KILL_TIMEOUT);
    void stuck.supervisor.stop("SIGINT");
    ignoring.say({ hotload: "signal", signal: "SIGINT" });
    await stuck.clock.advance(KILL_TIMEOUT);
    assert.deepEqual(ignoring.signals, ["SIGKILL"]);
    assert.equal(stuck.code(), "SIGINT");
  });

  test("a Ctrl-C at the terminal whose foreground the command is reached the app: not passed on, even before the app (its event loop busy) says so", async () => {
    const app = setup();
    await app.start();
    const child = app.processes.child(0);
    child.ignores.add("SIGINT");
    void app.supervisor.stop("SIGINT", true);
    await app.clock.advance(SIGNAL_REPORT_MS * 10);
    assert.deepEqual(child.signals, []);
    // Its handler runs once its loop is free: no kill then.
    child.say({ hotload: "signal", signal: "SIGINT" });
    void app.supervisor.stop("SIGINT", true);
    await app.clock.advance(KILL_TIMEOUT - 1);
    assert.deepEqual(child.signals, []);
    child.exit(2);
    await app.clock.advance();
    assert.equal(app.code(), 2);
  });

  test("an app that says it received the signal passed on is not killed at the kill timeout", async () => {
    const app = setup();
    await app.start();
    const child = app.processes.child(0);
    child.ignores.add("SIGTERM");
    void app.supervisor.stop("SIGTERM");
    await app.clock.advance(SIGNAL_REPORT_MS);
    assert.deepEqual(child.signals, ["SIGTERM"]);
    child.say({ hotload: "signal", signal: "SIGTERM" });
    await app.clock.advance(10 * KILL_TIMEOUT);
    assert.deepEqual(child.signals, ["SIGTERM"]);
    child.exit(0);
    await app.clock.advance();
    assert.equal(app.code(), 0);
  });

  test("the signal reaches the processes the app started too, and those still there once it exited are SIGKILLed", async () => {
    const app = setup();
    await app.start();
    const child = app.processes.child(0);
    const helpers = new Map<number, NodeJS.Signals[]>([
      [5001, []],
      [5002, []],
    ]);
    app.processes.helpers.set(child.pid, helpers);
    const stopping = app.supervisor.stop("SIGTERM");
    await app.clock.advance(SIGNAL_REPORT_MS);
    await stopping;
    assert.deepEqual(child.signals, ["SIGTERM"]);
    assert.deepEqual(
      [...helpers.values()],
      [
        ["SIGTERM", "SIGKILL"],
        ["SIGTERM", "SIGKILL"],
      ],
    );
  });

  test("a signal while a new process is starting stops both", async () => {
    const app = setup();
    await app.start();
    await app.rs();
    const stopping = app.supervisor.stop("SIGTERM");
    await app.clock.advance(SIGNAL_REPORT_MS);
    await stopping;
    assert.deepEqual(
      app.processes.children.map((child) => child.signals),
      [["SIGTERM"], ["SIGTERM"]],
    );
    assert.equal(app.code(), "SIGTERM");
  });

  test("a signal while waiting after a crash ends the command with the crash's code", async () => {
    const app = setup();
    await app.start();
    app.processes.child(0).exit(2);
    await app.clock.advance();
    await app.supervisor.stop("SIGINT");
    await app.clock.advance();
    assert.equal(app.code(), 2);
  });

  test("a signal before the watches are ready starts no app", async () => {
    const app = setup();
    const starting = app.supervisor.start();
    await app.supervisor.stop("SIGTERM");
    await starting;
    await app.clock.advance();
    assert.equal(app.processes.children.length, 0);
    assert.equal(app.code(), "SIGTERM");
  });
});
