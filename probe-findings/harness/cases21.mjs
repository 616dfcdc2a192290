// Issue 21's numbered cases, each as an app an outsider runs in place and with a restart.
import http from "node:http";
import http2 from "node:http2";
import { get, procInfo, sleep } from "./probe.mjs";

const rootGet =
  (paths = ["/"]) =>
  async (h) => {
    const r = {};
    for (const p of paths) r[p] = await get(h.port, p);
    return r;
  };

const expressRoutesCjs = `exports.home = (req, res) => res.send("home rev 1");\n`;

export const CASES = [
  {
    name: "21.1a-require-main",
    type: "commonjs",
    files: {
      "routes.js": expressRoutesCjs,
      "server.js": `const express = require("express");
const { home } = require("./routes.js");
const app = express();
app.get("/", home);
app.get("/about", (req, res) => res.send("about rev 1"));
module.exports = app;
if (require.main === module) {
  const server = app.listen(process.env.PORT, () => console.log("listening on " + process.env.PORT));
  process.on("SIGTERM", () => server.close());
}
`,
    },
    entry: "server.js",
    ready: /listening/,
    edits: [
      ["routes.js", "rev 1", "rev 22"],
      ["server.js", "about rev 1", "about rev 333"],
    ],
    probe: rootGet(["/", "/about"]),
  },
  {
    name: "21.1b-import-meta-main",
    files: {
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http from "node:http";
import { home } from "./routes.mjs";
export const app = (req, res) => res.end(req.url === "/about" ? "about rev 1" : home());
if (import.meta.main ?? true) {
  const server = http.createServer(app).listen(process.env.PORT, () => console.log("listening"));
  process.on("SIGTERM", () => server.close());
}
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", "rev 1", "rev 22"],
      ["server.mjs", "about rev 1", "about rev 333"],
    ],
    probe: rootGet(["/", "/about"]),
  },
  {
    name: "21.1c-argv-url-main",
    files: {
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http from "node:http";
import { pathToFileURL } from "node:url";
import { home } from "./routes.mjs";
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = http.createServer((req, res) => res.end(req.url === "/about" ? "about rev 1" : home())).listen(process.env.PORT, () => console.log("listening"));
  process.on("SIGTERM", () => server.close());
}
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", "rev 1", "rev 22"],
      ["server.mjs", "about rev 1", "about rev 333"],
    ],
    probe: rootGet(["/", "/about"]),
  },
  {
    name: "21.2-helper-listen",
    files: {
      "lib/server.mjs": `export function startServer(handler) {
  const server = (globalThis.http ?? null, null);
  return import("node:http").then(({ createServer }) => {
    const s = createServer(handler).listen(process.env.PORT, () => console.log("listening"));
    process.on("SIGTERM", () => s.close());
    return s;
  });
}
`,
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import { startServer } from "./lib/server.mjs";
import { home } from "./routes.mjs";
await startServer((req, res) => res.end(req.url === "/about" ? "about rev 1" : home()));
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", "rev 1", "rev 22"],
      ["server.mjs", "about rev 1", "about rev 333"],
    ],
    probe: async (h) => ({ ...(await rootGet(["/", "/about"])(h)), alive: !h.proc.exitInfo }),
  },
  {
    name: "21.3-unix-unlink",
    files: {
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http from "node:http";
import fs from "node:fs";
import { home } from "./routes.mjs";
const path = process.env.SOCKET;
try { fs.unlinkSync(path); } catch {}
const server = http.createServer((req, res) => res.end(home())).listen(path, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", "rev 1", "rev 22"],
      ["server.mjs", "listening", "listening!"],
    ],
    probe: async (h) => get(0, "/", { socketPath: h.socketPath }),
  },
  {
    name: "21.4-http2-stream",
    files: {
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http2 from "node:http2";
import { home } from "./routes.mjs";
const server = http2.createServer();
server.on("stream", (stream) => { stream.respond({ ":status": 200 }); stream.end(home()); });
server.listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", "rev 1", "rev 22"],
      ["server.mjs", "listening", "listening!"],
    ],
    // A client that keeps one session and reconnects when it is closed (as browsers do).
    probe: async (h) => {
      const ask = () =>
        new Promise((resolve) => {
          if (!h.state.session || h.state.session.closed || h.state.session.destroyed) {
            h.state.session = http2.connect(`http://127.0.0.1:${h.port}`);
            h.state.session.on("error", () => {});
          }
          const req = h.state.session.request({ ":path": "/" });
          let body = "";
          req.setEncoding("utf8");
          req.on("data", (d) => (body += d));
          req.on("end", () => resolve(body));
          req.on("error", (e) => resolve("error " + e.code));
          req.end();
        });
      let r = await ask();
      if (r.startsWith("error")) {
        h.state.session = null;
        r = await ask();
      }
      return r;
    },
    beforeEnd: async (h) => h.state.session?.close(),
  },
  {
    name: "21.5a-inflight-sleep",
    files: {
      "routes.mjs": `export const home = async () => { await new Promise((r) => setTimeout(r, 1500)); return "slow rev 1"; };\n`,
      "server.mjs": `import http from "node:http";
import { home } from "./routes.mjs";
const server = http.createServer(async (req, res) => res.end(req.url === "/slow" ? await home() : "fast rev 1")).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", "rev 1", "rev 22"],
      ["server.mjs", "fast rev 1", "fast rev 333"],
    ],
    beforeEdit: async (h) => {
      h.state.inflight = get(h.port, "/slow");
      await sleep(200);
    },
    probe: async (h) => ({ inflight: h.state.inflight ? await h.state.inflight : null, fast: await get(h.port, "/") }),
  },
  {
    name: "21.5b-sse-interval",
    files: {
      "server.mjs": `import http from "node:http";
const server = http.createServer((req, res) => {
  if (req.url !== "/events") return res.end("rev 1");
  res.writeHead(200, { "content-type": "text/event-stream" });
  let n = 0;
  const t = setInterval(() => res.write("data: tick " + n++ + "\\n\\n"), 100);
  req.on("close", () => clearInterval(t));
}).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => { server.close(); server.closeAllConnections(); });
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [["server.mjs", "rev 1", "rev 22"]],
    beforeEdit: async (h) => {
      h.state.ticks = 0;
      h.state.req = http.get({ host: "127.0.0.1", port: h.port, path: "/events" }, (res) => res.on("data", () => h.state.ticks++));
      h.state.req.on("error", () => {});
      await sleep(400);
    },
    probe: async (h) => {
      const before = h.state.ticks ?? 0;
      await sleep(600);
      // Under a restart the stream ends; a stream still open must keep ticking (restart: it drops, the
      // client reconnects). We report whether a connected stream is either ticking or cleanly closed.
      const ticking = (h.state.ticks ?? 0) > before;
      const closed = h.state.req ? h.state.req.destroyed || h.state.req.socket?.destroyed : null;
      h.state.req?.destroy();
      return { root: await get(h.port, "/"), streamOk: h.state.req ? ticking || !!closed : null };
    },
  },
  {
    name: "21.6a-worker-parentport",
    files: {
      "worker.mjs": `import { parentPort } from "node:worker_threads";
parentPort.on("message", (m) => parentPort.postMessage("answer rev 1 to " + m));
`,
      "server.mjs": `import http from "node:http";
import { Worker } from "node:worker_threads";
const w = new Worker(new URL("./worker.mjs", import.meta.url));
const server = http.createServer((req, res) => {
  const answers = [];
  const on = (m) => answers.push(m);
  w.on("message", on);
  w.postMessage(req.url);
  setTimeout(() => { w.off("message", on); res.end(JSON.stringify(answers)); }, 200);
}).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => { server.close(); w.terminate(); });
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["worker.mjs", "rev 1", "rev 22"],
      ["worker.mjs", "rev 22", "rev 333"],
      ["server.mjs", "200", "201"],
    ],
    // Threads compared as a change since start-up (hotload's own baseline is not an update's doing).
    probe: async (h, i) => {
      const threads = procInfo(h.proc.pid)?.threads;
      if (i === 0) h.state.threads0 = threads;
      return { r: await get(h.port, "/x"), threadsDelta: h.mode === "restart" ? 0 : threads - h.state.threads0 };
    },
    compareStdout: false,
  },
  {
    name: "21.6b-readline-stdin",
    files: {
      "handle.mjs": `export const handle = (l) => "got rev 1 " + l;\n`,
      "bot.mjs": `import readline from "node:readline";
import { handle } from "./handle.mjs";
const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (l) => console.log(handle(l)));
console.log("ready");
`,
    },
    entry: "bot.mjs",
    ready: /ready/,
    edits: [
      ["handle.mjs", "rev 1", "rev 22"],
      ["bot.mjs", `"ready"`, `"ready!"`],
    ],
    probe: async (h, i) => {
      const from = h.proc.out.length;
      h.proc.child.stdin.write(`line${i}\n`);
      await sleep(300);
      return h.proc.out.slice(from);
    },
    compareStdout: false,
  },
  {
    name: "21.7-entry-cycle",
    files: {
      "routes.mjs": `import { config } from "./server.mjs";
export const home = () => "home rev 1 " + config.greeting;
`,
      "server.mjs": `import http from "node:http";
import { home } from "./routes.mjs";
export const config = { greeting: "hello 1" };
const server = http.createServer((req, res) => res.end(home())).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["server.mjs", "hello 1", "hello 22"],
      ["routes.mjs", "rev 1", "rev 333"],
      ["server.mjs", "hello 22", "hello 4444"],
    ],
    probe: rootGet(),
  },
  {
    name: "21.8-cluster-primary",
    files: {
      "server.mjs": `import cluster from "node:cluster";
import http from "node:http";
if (cluster.isPrimary) {
  for (let i = 0; i < 2; i++) cluster.fork();
  console.log("primary rev 1");
  let online = 0;
  cluster.on("message", (w, m) => { if (m === "up" && ++online === 2) console.log("listening"); });
  process.on("SIGTERM", () => { for (const w of Object.values(cluster.workers)) w.kill(); });
} else {
  http.createServer((req, res) => res.end("worker rev 1")).listen(process.env.PORT, () => process.send("up"));
}
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["server.mjs", "worker rev 1", "worker rev 22"],
      ["server.mjs", "worker rev 22", "worker rev 333"],
      ["server.mjs", "worker rev 333", "worker rev 4444"],
    ],
    settle: 1500,
    probe: async (h) => ({ children: procInfo(h.proc.pid)?.children, r: await get(h.port, "/") }),
    compareStdout: false,
  },
  {
    name: "21.9-shutdown-keepalive",
    files: {
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http from "node:http";
import { home } from "./routes.mjs";
const server = http.createServer((req, res) => res.end(home()));
server.keepAliveTimeout = 9000;
server.listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [["routes.mjs", "rev 1", "rev 22"]],
    beforeEdit: async (h) => {
      h.state.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      await get(h.port, "/", { agent: h.state.agent });
    },
    probe: async (h) => (h.state.agent ? await get(h.port, "/", { agent: h.state.agent }) : await get(h.port, "/")),
  },
  {
    name: "21.10-cjs-syntax-error",
    type: "commonjs",
    files: {
      "routes.js": `module.exports = (req, res) => res.end("home rev 1");\n`,
      "server.js": `const http = require("node:http");
const routes = require("./routes.js");
let ticks = 0;
setInterval(() => ticks++, 50);
const server = http.createServer((req, res) => (req.url === "/tick" ? res.end(String(ticks > 0)) : routes(req, res))).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => { console.log("bye"); server.close(); process.exit(0); });
`,
    },
    entry: "server.js",
    ready: /listening/,
    edits: [
      ["routes.js", `res.end("home rev 1")`, `res.end("home rev 1"`],
      ["routes.js", `res.end("home rev 1"`, `res.end("home rev 22")`],
    ],
    // A restart of a file with a syntax error dies; the watcher restarts when fixed. We compare
    // what a client gets once the fix is saved, and the SIGTERM handler at the end.
    noRestartOn: [],
    probe: async (h, i) =>
      i === 1 ? { skipped: true } : (await sleep(150), { r: await get(h.port, "/"), tick: await get(h.port, "/tick") }),
    compareStdout: false,
    check: (a) => {
      const bad = a.hotload.filter((l) => /server\.js:|after its old version stopped/.test(l));
      return bad.length ? "hotload-lines:" + bad.join(" | ") : null;
    },
  },
  {
    name: "21.11a-acceptExports-importer",
    files: {
      "a.mjs": `export const x = "x rev 1";
import.meta.hot?.acceptExports(["x"]);
`,
      "main.mjs": `import http from "node:http";
import { x } from "./a.mjs";
let cb = "no";
import.meta.hot?.accept("./a.mjs", (m) => { cb = "yes " + m.x; });
const server = http.createServer((req, res) => res.end(JSON.stringify({ x, cb: cb !== "no" }))).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "main.mjs",
    ready: /listening/,
    edits: [["a.mjs", "rev 1", "rev 22"]],
    probe: async (h, i) => {
      const r = await get(h.port, "/");
      const j = JSON.parse(r.body ?? "{}");
      return { x: j.x, cbRanIfUpdated: h.mode === "restart" || i === 0 ? true : j.cb };
    },
    compareStdout: false,
  },
  {
    name: "21.11b-acceptExports-dynamic",
    files: {
      "a.mjs": `export const x = "x rev 1";
import.meta.hot?.acceptExports(["x"]);
`,
      "main.mjs": `import http from "node:http";
globalThis.runs = (globalThis.runs ?? 0) + 1;
const m = await import("./a.mjs");
const server = http.createServer((req, res) => res.end(JSON.stringify({ runs: globalThis.runs }))).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "main.mjs",
    ready: /listening/,
    edits: [["a.mjs", "rev 1", "rev 22"]],
    // Vite's rule: an importer of a module that accepts all its exports is not re-run.
    probe: async (h) => (h.mode === "restart" ? { runs: 1 } : JSON.parse((await get(h.port, "/")).body ?? "{}")),
    compareStdout: false,
  },
  {
    name: "21.12-tsx-4.20.3-esm",
    nodeModules: "/tmp/prober-tsx4203/node_modules",
    files: {
      "routes.ts": `export const home = (): string => "home rev 1";\n`,
      "server.ts": `import http from "node:http";
import { home } from "./routes.ts";
const server = http.createServer((req, res) => res.end(home())).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.ts",
    nodeArgs: ["--import", "tsx"],
    ready: /listening/,
    edits: [
      ["routes.ts", "rev 1", "rev 22"],
      ["server.ts", "listening", "listening!"],
    ],
    probe: rootGet(),
    compareStdout: false,
  },
  {
    name: "21.13-shared-app",
    files: {
      "app.mjs": `import express from "express";\nexport const app = express();\n`,
      "routes/users.mjs": `import { app } from "../app.mjs";\napp.get("/users", (req, res) => res.send("users rev 1"));\n`,
      "server.mjs": `import { app } from "./app.mjs";
import "./routes/users.mjs";
app.get("/", (req, res) => res.send("home rev 1"));
const server = app.listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes/users.mjs", "rev 1", "rev 22"],
      ["server.mjs", "home rev 1", "home rev 333"],
      ["routes/users.mjs", "rev 22", "rev 4444"],
    ],
    probe: rootGet(["/", "/users"]),
  },
];
