/**
 * The restart oracle (issue 21): drives one entry shape of the catalogue (shapes.ts) through its
 * edits twice, (A) in place, one long-running `node --import hotload entry` applying the edits one
 * by one, and (B) as a plain restart, a fresh `node entry` (no hotload) on the same files after each
 * edit, and has the outsider of observer.ts look at both after each edit. The two lists of
 * observations must be equal, or hotload must have said in one line that it falls back and why
 * (then the old version must still work exactly as a plain run of the files before the edit).
 *
 * The oracle shares nothing with hotload's model: it sees responses, printed lines, processes,
 * threads and exits, never a module or a version.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { createServer, type Agent } from "node:http";
import type { ClientHttp2Session } from "node:http2";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { TestContext } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { copyFixture, edit, ROOT, spawnCommand, spawnHot, type Running, type SpawnOptions } from "../helpers/e2e.js";
import { children, descendantsOf, get, h2Get, h2Session, keepAliveAgent, kill, openEvents, openSocket, sigterm, threads, type EventStream, type Socket, type Target } from "./observer.js";
import type { Edit, Shape } from "./shapes.js";

/** Any line hotload prints. */
const HOTLOAD_LINE = /^\[hotload[^\]]*\] /;
/** The line that ends hotload's handling of a save: an update, an error, or a fallback. */
const SETTLED = /^\[hotload[^\]]*\] .*(updated |keeping the previous version|rolled back|failed|cannot hot-update|restart|falls? back)/;
/**
 * The one line in which hotload says it does not update in place and why (the old version keeps
 * running, fully working): "cannot hot-update …; restart needed, the previous version keeps
 * running", or a line that says it falls back.
 */
export const FALLBACK: RegExp = /^\[hotload[^\]]*\] .*(restart needed|falls? back)/;
/** How long in-place waits after the last edit before it looks again: hotload closes a server no new version took over 2 s after an update. */
const LATE_MS = 2_500;
/** Deadline for a program to start, and for hotload to answer a save. */
const START_MS = 15_000;
const UPDATE_MS = 10_000;

/** One look at the program. */
export type Observation = Record<string, unknown>;

/** An observation and when it was made. */
export interface Step {
  readonly label: string;
  readonly observed: Observation;
  /** The `[hotload]` lines the step's save produced (in place only). */
  readonly hotload?: readonly string[];
}

/** What a shape's two runs saw, and how they differ. */
export interface Verdict {
  readonly inPlace: readonly Step[];
  readonly restart: readonly Step[];
  /** One sentence per observation that differs (empty: the shape passes). */
  readonly differences: readonly string[];
  /** hotload's fallback line, when it fell back (the shape is "fallback", which is fine). */
  readonly fallback?: string;
}

/** Options of {@link judge}. */
export interface JudgeOptions {
  /** Look again LATE_MS after the last edit (in place) before SIGTERM. Default true; the fast subset skips the wait. */
  readonly late?: boolean;
}

/** A copy of a shape's fixture, ready to run: what the torture test needs to start an entry shape. */
export interface Prepared {
  readonly dir: string;
  readonly entry: string;
  readonly target: Target;
  readonly spawn: SpawnOptions;
}

/** Copies the shape's fixture to a temp folder, links the packages it imports, gives it a port. */
export async function prepare(shape: Shape): Promise<Prepared> {
  const dir = copyFixture(`oracle/${shape.fixture ?? shape.name}`);
  for (const [name, folder] of packagesOf(shape)) {
    const link = join(dir, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    if (!existsSync(link)) symlinkSync(packageDir(folder)!, link, "dir");
  }
  if (shape.needs === "openssl") cpSync(certificate(), dir, { recursive: true });
  const port = await freePort();
  const socketPath = join(dir, "app.sock");
  const env = { PORT: String(port), SOCKET: socketPath, ...shape.env };
  return {
    dir,
    entry: join(dir, shape.entry),
    target: { transport: shape.transport === "none" ? "http" : (shape.transport ?? "http"), port, socketPath },
    spawn: { env, nodeArgs: [...(shape.nodeArgs ?? [])], stdin: true },
  };
}

/** What a syntax-error edit appends (the next edit of the file takes it out again). */
const BROKEN = "\n);// the oracle's syntax error\n";

/**
 * Edit number `n` (from 1): every `rev N…` marker in the file becomes `rev n +…+` (n plus signs),
 * so each edit changes the file's byte length and each version answers with its own marker. A
 * syntax-error edit instead appends a stray `)`, which the file's next edit removes.
 */
export function applyEdit(dir: string, change: Edit, n: number): void {
  const file = fileOf(change);
  edit(join(dir, file), (old) => {
    if (typeof change !== "string") return old + BROKEN;
    if (!/rev \d+/.test(old)) throw new Error(`${file} has no "rev N" marker to edit`);
    return old.replace(BROKEN, "").replace(/rev \d+( \+*)?/g, `rev ${n} ${"+".repeat(n)}`);
  });
}

const fileOf = (change: Edit): string => (typeof change === "string" ? change : change.file);
const labelOf = (change: Edit, n: number): string => `after edit ${n} (${typeof change === "string" ? change : `${change.file}, a syntax error`})`;

/** Why `shape` cannot run here (a missing tool or package), or undefined. */
export function unavailable(shape: Shape): string | undefined {
  const missing = packagesOf(shape).filter(([, folder]) => packageDir(folder) === undefined);
  if (missing.length > 0) {
    const names = missing.map(([, folder]) => folder).join(", ");
    return `${names} not in node_modules nor in HOTLOAD_ORACLE_NODE_MODULES (npm install --prefix DIR, e.g. tsx-4.20.3@npm:tsx@4.20.3)`;
  }
  switch (shape.needs) {
    case undefined:
      return undefined;
    case "openssl":
      return which("openssl") ? undefined : "openssl is not installed (needed for a self-signed certificate)";
    case "ws":
      return undefined; // a package: checked above
    case "import.meta.main":
      return supportsImportMetaMain() ? undefined : `Node ${process.version} has no import.meta.main`;
  }
}

/** Runs `shape` in place and as restarts, and compares what an outsider saw. */
export async function judge(shape: Shape, options: JudgeOptions = {}): Promise<Verdict> {
  const late = options.late ?? true;
  // The two runs share nothing (their own copies, their own ports): they run side by side.
  const [inPlace, restart] = await Promise.all([runInPlace(shape, late), runRestarts(shape, late)]);
  const fallbackAt = inPlace.findIndex((step) => step.hotload?.some((line) => FALLBACK.test(line)));
  if (fallbackAt > 0) {
    // The old version keeps running, fully working: as a plain run of the files before the save.
    const differences = compare([inPlace[fallbackAt]!], [{ ...restart[fallbackAt - 1]!, label: inPlace[fallbackAt]!.label }]);
    const fallback = inPlace[fallbackAt]!.hotload!.find((line) => FALLBACK.test(line))!;
    return { inPlace, restart, differences, fallback };
  }
  return { inPlace, restart, differences: compare(inPlace, restart) };
}

/**
 * The test of one shape: skipped when it cannot run here; otherwise in place must equal restart (or
 * fall back), and a shape with `knownFailure` must still differ, so that a fix flips it.
 */
export async function check(t: TestContext, shape: Shape, options: JudgeOptions = {}): Promise<void> {
  const why = unavailable(shape);
  if (why !== undefined) {
    t.skip(why);
    return;
  }
  const verdict = await judge(shape, options);
  const text = explain(shape, verdict);
  t.diagnostic(text);
  if (shape.knownFailure === undefined) {
    assert.equal(verdict.differences.length, 0, `in place differs from a restart:\n${text}`);
  } else if (verdict.differences.length === 0) {
    assert.fail(`${shape.name} now passes: remove knownFailure ("${shape.knownFailure}") from test/oracle/shapes.ts\n${text}`);
  }
}

/** The verdict as text for a test's diagnostic or assertion message. */
export function explain(shape: Shape, verdict: Verdict): string {
  const lines = [`${shape.name} (${shape.about})`];
  if (verdict.fallback) lines.push(`  fallback: ${verdict.fallback}`);
  for (const step of verdict.inPlace) if (step.hotload?.length) lines.push(`  ${step.label}: ${step.hotload.join(" | ")}`);
  for (const difference of verdict.differences) lines.push(`  DIFFERS ${difference}`);
  return lines.join("\n");
}

function compare(inPlace: readonly Step[], restart: readonly Step[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(inPlace.length, restart.length); i++) {
    const a = inPlace[i];
    const b = restart[i];
    if (!a || !b) {
      out.push(`${(a ?? b)!.label}: observed in one run only`);
      continue;
    }
    for (const key of new Set([...Object.keys(a.observed), ...Object.keys(b.observed)])) {
      const x = JSON.stringify(a.observed[key]);
      const y = JSON.stringify(b.observed[key]);
      if (x !== y) out.push(`${a.label}: ${key}: in place ${x} ≠ restart ${y}`);
    }
  }
  return out;
}

/**
 * Starts `shape` under `node --import hotload` on a fresh copy and resolves once it serves: how
 * the torture test (or any other) picks an entry shape. Edit it with {@link applyEdit}; the
 * e2e helpers' `cleanup()` kills it.
 */
export async function startInPlace(shape: Shape): Promise<{ app: Prepared; run: Running }> {
  const app = await prepare(shape);
  const run = spawnHot(app.entry, app.spawn);
  await ready(shape, run);
  return { app, run };
}

async function runInPlace(shape: Shape, late: boolean): Promise<Step[]> {
  const { app, run } = await startInPlace(shape);
  const steps: Step[] = [];
  const client = new Client(shape, app.target, run);
  try {
    await client.open();
    steps.push({ label: "at start", observed: await client.observe(0, await client.startInFlight()) });
    for (const [i, change] of shape.edits.entries()) {
      const inFlight = await client.startInFlight();
      const since = run.mark();
      applyEdit(app.dir, change, i + 1);
      const hotload = await settled(run, since);
      steps.push({ label: labelOf(change, i + 1), observed: await client.observe(i + 1, inFlight), hotload });
      if (hotload.some((line) => FALLBACK.test(line))) return steps;
    }
    if (late) {
      await delay(LATE_MS); // what must not happen later: a server closed by a timer set by the update
      steps.push({ label: `${LATE_MS / 1000} s after the last edit`, observed: await client.observe(shape.edits.length + 1, await client.startInFlight()) });
    }
    steps.push({ label: "on SIGTERM", observed: { ...(await sigterm(run)) } });
    return steps;
  } finally {
    client.close();
    stop(run);
  }
}

async function runRestarts(shape: Shape, late: boolean): Promise<Step[]> {
  const app = await prepare(shape);
  const steps: Step[] = [];
  let current: { run: Running; client: Client } | undefined;
  try {
    for (let n = 0; n <= shape.edits.length; n++) {
      const change = n > 0 ? shape.edits[n - 1]! : undefined;
      if (change !== undefined) applyEdit(app.dir, change, n);
      // A file with a syntax error is no program to restart: the reference is the previous
      // version, untouched, as a restarting supervisor keeps it (nodemon waits for a good save).
      if (current === undefined || typeof change === "string") {
        if (current !== undefined) {
          current.client.close();
          stop(current.run);
        }
        const run = spawnCommand(process.execPath, [...(app.spawn.nodeArgs ?? []), app.entry], { ...app.spawn, cwd: app.dir });
        current = { run, client: new Client(shape, app.target, run) };
        await ready(shape, run);
        await current.client.open();
      }
      const { run, client } = current;
      steps.push({ label: change === undefined ? "at start" : labelOf(change, n), observed: await client.observe(n, await client.startInFlight()) });
      if (n === shape.edits.length) {
        // A plain program has no update whose timers could fire later: it is looked at again now.
        if (late) steps.push({ label: `${LATE_MS / 1000} s after the last edit`, observed: await client.observe(n + 1, await client.startInFlight()) });
        steps.push({ label: "on SIGTERM", observed: { ...(await sigterm(run)) } });
      }
    }
  } finally {
    if (current !== undefined) {
      current.client.close();
      stop(current.run);
    }
  }
  return steps;
}

/** Kills `run` and everything it started (a cluster's workers, a child process). */
function stop(run: Running): void {
  if (run.child.exitCode !== null || run.child.signalCode !== null) return;
  for (const pid of descendantsOf(run.child.pid!)) kill(pid);
  void run.kill("SIGKILL");
}

async function ready(shape: Shape, run: Running): Promise<void> {
  await run.waitForLine(shape.ready ?? /^listening on /, START_MS);
}

/** hotload's lines for a save: up to the one that ends it, then any that follow within 200 ms (another thread or process). */
async function settled(run: Running, since: number): Promise<string[]> {
  const lines = (): string[] => run.lines.slice(since).filter((line) => HOTLOAD_LINE.test(line));
  try {
    await run.waitForLine(SETTLED, UPDATE_MS, since);
  } catch {
    return [...lines(), `no [hotload] line ended the update within ${UPDATE_MS / 1000} s`];
  }
  for (let seen = lines().length; ; seen = lines().length) {
    await delay(200); // quiet time: other threads or processes may still report their update
    if (lines().length === seen) return lines();
  }
}

interface InFlight {
  readonly poll?: Promise<string>;
  readonly stream?: EventStream | string;
  readonly socket?: Socket | string;
}

/** The outsider's connections to one running program, and its looks at it. */
class Client {
  readonly #shape: Shape;
  readonly #target: Target;
  readonly #run: Running;
  #agent: Agent | undefined;
  #session: ClientHttp2Session | string | undefined;
  readonly #streams: EventStream[] = [];
  readonly #sockets: Socket[] = [];

  constructor(shape: Shape, target: Target, run: Running) {
    this.#shape = shape;
    this.#target = target;
    this.#run = run;
  }

  /** The connections that stay open across edits: a keep-alive client, an HTTP/2 session. */
  async open(): Promise<void> {
    if (this.#shape.transport === "none") return;
    if (this.#target.transport === "http2") this.#session = await h2Session(this.#target);
    else this.#agent = keepAliveAgent(this.#target);
  }

  /** What is under way when a save happens: a long poll, an open event stream. */
  async startInFlight(): Promise<InFlight> {
    const { longPoll, sse } = this.#shape;
    const poll = longPoll === undefined ? undefined : get(this.#target, longPoll, false, 5_000);
    // The save comes 300 ms into the poll (which lasts 1.5 s): the edit pattern, not a wait for a result.
    if (poll !== undefined) await delay(300);
    let stream: EventStream | string | undefined;
    if (sse !== undefined) {
      stream = await openEvents(this.#target, sse);
      if (typeof stream !== "string") {
        this.#streams.push(stream);
        await stream.next(1, 2_000); // open and ticking before the save
      }
    }
    let socket: Socket | string | undefined;
    if (this.#shape.webSocket !== undefined) {
      socket = await openSocket(this.#target, this.#shape.webSocket);
      if (typeof socket !== "string") this.#sockets.push(socket);
    }
    return { poll, stream, socket };
  }

  async observe(step: number, inFlight: InFlight): Promise<Observation> {
    const pid = this.#run.child.pid!;
    const observed: Observation = {};
    const shape = this.#shape;
    if (shape.transport !== "none") {
      const answers: string[] = [];
      for (const path of shape.requests ?? ["/"]) answers.push(`GET ${path} → ${await get(this.#target, path)}`);
      observed["requests"] = answers;
      const first = (shape.requests ?? ["/"])[0]!;
      observed["kept connection"] =
        this.#session === undefined ? await get(this.#target, first, this.#agent) : await h2Get(this.#session, first);
    }
    if (inFlight.stream !== undefined) {
      const fresh = await openEvents(this.#target, shape.sse!);
      observed["new event stream"] = typeof fresh === "string" ? fresh : await fresh.next(2, 2_000, 0);
      if (typeof fresh !== "string") fresh.close();
      observed["event stream opened before"] =
        typeof inFlight.stream === "string" ? inFlight.stream : (await inFlight.stream.next(1, 1_500)).length > 0 ? "still ticking" : "silent";
    }
    if (inFlight.socket !== undefined) {
      const fresh = await openSocket(this.#target, shape.webSocket!);
      observed["new WebSocket"] = typeof fresh === "string" ? fresh : await fresh.ask("hello");
      if (typeof fresh !== "string") fresh.close();
      // Open before the save: it may stay with the version that accepted it, but must still answer.
      const answer = typeof inFlight.socket === "string" ? inFlight.socket : await inFlight.socket.ask("still there?");
      observed["WebSocket opened before"] = answer.replace(/rev \d+( \++)?/g, "rev (any)");
    }
    if (inFlight.poll !== undefined) observed["long poll sent before"] = (await inFlight.poll).replace(/rev \d+( \++)?/g, "rev (any)");
    if (shape.events) observed["event lines"] = await this.#events(step);
    observed["process"] = this.#run.child.exitCode === null && this.#run.child.signalCode === null ? "running" : `exited ${this.#run.child.exitCode ?? this.#run.child.signalCode}`;
    observed["child processes"] = children(pid);
    observed["threads"] = threads(pid);
    return observed;
  }

  /**
   * Sends event `id` and then `spread` more (a pool of `spread` workers answers each of them in
   * turn), waits until those are answered, and returns every line printed for `id`: each event
   * handled once is one line.
   */
  async #events(step: number): Promise<string[]> {
    const events = this.#shape.events!;
    const id = step * 10 + 1;
    const since = this.#run.mark();
    const ids = [id, ...Array.from({ length: events.spread ?? 1 }, (_, k) => id + 1 + k)];
    for (const each of ids) {
      if (events.via === "stdin") this.#run.child.stdin!.write(`${events.send(each)}\n`);
      else await get(this.#target, events.send(each));
    }
    try {
      for (const each of ids.slice(1)) await this.#run.waitForLine(events.answer(each), 5_000, since);
    } catch {
      return [`no answer to events after ${id}`];
    }
    return this.#run.lines.slice(since).filter((line) => events.answer(id).test(line));
  }

  close(): void {
    if (this.#agent) this.#agent.destroy();
    if (typeof this.#session === "object") this.#session.destroy();
    for (const stream of this.#streams) stream.close();
    for (const socket of this.#sockets) socket.close();
  }
}

/** [name in the app's node_modules, folder it is found as] for each package the shape links. */
function packagesOf(shape: Shape): [string, string][] {
  const names = [...(shape.packages ?? []), ...(shape.needs === "ws" ? ["ws"] : [])];
  return names.map((entry) => {
    const [name, folder] = entry.split("=");
    return [name!, folder ?? name!];
  });
}

/**
 * Where package `name` is: this repository's node_modules, or HOTLOAD_ORACLE_NODE_MODULES (a
 * scratch `npm install --prefix` folder's node_modules, for a package that is not a devDependency).
 */
function packageDir(name: string): string | undefined {
  const extra = process.env["HOTLOAD_ORACLE_NODE_MODULES"];
  return [join(ROOT, "node_modules", name), ...(extra ? [join(extra, name)] : [])].find((dir) => existsSync(dir));
}

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let certDir: string | undefined;

/** A folder with key.pem and cert.pem, a self-signed certificate made once per process. */
function certificate(): string {
  if (certDir) return certDir;
  const dir = mkdtempSync(join(tmpdir(), "hotload-oracle-cert-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=localhost"], { stdio: "ignore" });
  return (certDir = dir);
}

function which(command: string): boolean {
  try {
    execFileSync(command, ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

let importMetaMain: boolean | undefined;

function supportsImportMetaMain(): boolean {
  importMetaMain ??= execFileSync(process.execPath, ["--input-type=module", "-e", "process.stdout.write(String(import.meta.main))"], { encoding: "utf8" }) === "true";
  return importMetaMain;
}
