// An outsider's probe: runs one program twice, in place under `node --import hotload` and with a
// plain restart (SIGTERM, then plain `node` again) after each edit, and prints what a client sees.
// Usage: node run.mjs <cases.mjs> [caseName,…|all] [node major ...]
// The scratch project /tmp/prober-base holds the packed hotload tarball and the apps' packages.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";

export const NODES = {
  22: "/tmp/prober-node/22/node_modules/.bin/node",
  24: "/work/main/.cache/node/24/node_modules/.bin/node",
  26: "/tmp/prober-node/26/node_modules/.bin/node",
};
const BASE = process.env.PROBER_BASE ?? "/tmp/prober-base";
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Proc {
  constructor(cmd, args, opts) {
    this.t0 = Date.now();
    this.child = spawn(cmd, args, { ...opts, stdio: ["pipe", "pipe", "pipe"] });
    this.out = [];
    this.err = [];
    const lines = (stream, into) => {
      let buf = "";
      stream.setEncoding("utf8");
      stream.on("data", (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          into.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      stream.on("end", () => buf && into.push(buf));
    };
    lines(this.child.stdout, this.out);
    lines(this.child.stderr, this.err);
    this.child.stdin.on("error", () => {});
    this.exited = new Promise((r) =>
      this.child.on("exit", (code, signal) => {
        this.exitInfo = { code, signal, at: Date.now() };
        r(this.exitInfo);
      }),
    );
  }
  get pid() {
    return this.child.pid;
  }
  async waitLine(re, { stream = "out", from = 0, timeout = 8000 } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      const arr = stream === "out" ? this.out : this.err;
      for (let i = from; i < arr.length; i++) if (re.test(arr[i])) return { line: arr[i], index: i };
      if (this.exitInfo || Date.now() > end) return null;
      await sleep(20);
    }
  }
  async stop(signal = "SIGTERM", timeout = 8000) {
    const t = Date.now();
    if (!this.exitInfo) this.child.kill(signal);
    const r = await Promise.race([this.exited, sleep(timeout).then(() => null)]);
    if (!r) {
      this.child.kill("SIGKILL");
      await this.exited;
      return { code: null, signal: "SIGKILL(after timeout)", ms: Date.now() - t };
    }
    return { code: r.code, signal: r.signal, ms: r.at - t };
  }
}

/** Threads of a pid and the number of its live child processes. */
export function procInfo(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const threads = Number(/Threads:\s+(\d+)/.exec(status)[1]);
    let children = 0;
    for (const p of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(p)) continue;
      try {
        const st = fs.readFileSync(`/proc/${p}/stat`, "utf8");
        const ppid = Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]);
        if (ppid === pid) children++;
      } catch {}
    }
    return { threads, children };
  } catch {
    return null;
  }
}

export function get(port, p = "/", opts = {}) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: p,
        agent: opts.agent ?? false,
        socketPath: opts.socketPath,
        method: opts.method ?? "GET",
        headers: opts.headers,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode, body: body.trim() }));
        res.on("error", (e) => resolve({ error: e.code ?? e.message }));
      },
    );
    req.setTimeout(opts.timeout ?? 5000, () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

export function freePort() {
  return new Promise((r) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => r(port));
    });
  });
}

function applyEdit(dir, edit) {
  if (typeof edit === "function") return edit(dir);
  const [file, from, to] = edit;
  const f = path.join(dir, file);
  const text = fs.readFileSync(f, "utf8");
  if (!text.includes(from)) throw new Error(`edit: ${from} not in ${file}`);
  fs.writeFileSync(f, text.split(from).join(to));
}

function prepare(c, tag) {
  const dir = fs.mkdtempSync(`/tmp/prober-run-${c.name}-${tag}-`);
  for (const [f, text] of Object.entries(c.files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  if (!c.files["package.json"]) fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: c.type ?? "module" }));
  fs.symlinkSync(c.nodeModules ?? path.join(BASE, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

/** Runs case `c` in one mode ("inplace" or "restart") on Node `major`. */
export async function runMode(c, major, mode) {
  const node = NODES[major];
  const dir = prepare(c, `${major}-${mode}`);
  const port = c.port ?? (await freePort());
  const env = { ...process.env, PORT: String(port), SOCKET: path.join(dir, "app.sock"), NO_COLOR: "1", ...c.env };
  delete env.NODE_OPTIONS;
  // restartHot: a program that needs hotload's API to run at all is restarted under hotload too.
  const hot = mode === "inplace" || c.restartHot ? (c.hotArgs ?? ["--import", "hotload"]) : [];
  const args = () => [...(c.nodeArgs ?? []), ...hot, c.entry, ...(c.args ?? [])];
  const start = async () => {
    const p = new Proc(c.command ?? node, c.commandArgs ? c.commandArgs(mode) : args(), { cwd: dir, env });
    if (c.ready) await p.waitLine(c.ready, { stream: c.readyStream ?? "out", timeout: 15000 });
    else await sleep(c.startWait ?? 600);
    return p;
  };
  const h = { port, dir, mode, major, state: {}, socketPath: env.SOCKET, out: [], err: [] };
  let proc = await start();
  h.proc = proc;
  const obs = [];
  const settle = c.settle ?? 500;
  obs.push(await c.probe(h, 0));
  const stdoutAll = [];
  const stderrAll = [];
  for (let i = 0; i < c.edits.length; i++) {
    if (c.beforeEdit) await c.beforeEdit(h, i + 1);
    const errFrom = proc.err.length;
    await applyEdit(dir, c.edits[i]);
    if (mode === "inplace") {
      await proc.waitLine(/\[hotload\]/, { stream: "err", from: errFrom, timeout: 6000 });
      await sleep(settle);
    } else if (!c.noRestartOn?.includes(i + 1)) {
      await proc.stop("SIGTERM");
      stdoutAll.push(...proc.out);
      stderrAll.push(...proc.err);
      proc = await start();
      h.proc = proc;
    } else await sleep(settle);
    obs.push(await c.probe(h, i + 1));
  }
  if (c.beforeEnd) await c.beforeEnd(h);
  const exit = c.end === "none" ? null : await proc.stop(c.end ?? "SIGTERM");
  stdoutAll.push(...proc.out);
  stderrAll.push(...proc.err);
  if (!process.env.PROBER_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  const norm = (l) => l.split(String(port)).join("PORT").split(dir).join("DIR");
  return { obs, exit, stdout: stdoutAll.map(norm), hotload: stderrAll.filter((l) => l.includes("[hotload]")), stderr: stderrAll };
}

function normExit(e) {
  return e && { code: e.code, signal: e.signal, fast: e.ms < 1500 };
}

export async function runCase(c, major) {
  // Apps with a fixed port run one mode after the other.
  const [a, b] = c.port
    ? [await runMode(c, major, "inplace"), await runMode(c, major, "restart")]
    : await Promise.all([runMode(c, major, "inplace"), runMode(c, major, "restart")]);
  const stdoutA = c.stdoutFilter ? a.stdout.filter(c.stdoutFilter) : a.stdout;
  const stdoutB = c.stdoutFilter ? b.stdout.filter(c.stdoutFilter) : b.stdout;
  const diffs = [];
  if (!isDeepStrictEqual(a.obs, b.obs)) diffs.push("observations");
  if (c.compareStdout !== false && !isDeepStrictEqual(stdoutA, stdoutB)) diffs.push("stdout");
  if (c.end !== "none" && !isDeepStrictEqual(normExit(a.exit), normExit(b.exit))) diffs.push("exit");
  if (c.check) {
    const extra = c.check(a, b);
    if (extra) diffs.push(extra);
  }
  return { name: c.name, major, same: diffs.length === 0, diffs, inplace: a, restart: b };
}
