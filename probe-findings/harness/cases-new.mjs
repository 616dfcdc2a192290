// New shapes, probed adversarially: in place against a plain restart.
import http from "node:http";
import { get, procInfo, sleep } from "./probe.mjs";

const rootGet =
  (paths = ["/"]) =>
  async (h) => {
    const r = {};
    for (const p of paths) r[p] = await get(h.port, p);
    return r;
  };

/** A WebSocket client that reconnects when its socket closes, as browsers' apps do. */
async function wsAsk(h) {
  const mod = await import("/tmp/prober-base/node_modules/ws/index.js");
  const WebSocket = mod.WebSocket ?? mod.default;
  const open = () =>
    new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${h.port}/ws`);
      ws.on("open", () => resolve(ws));
      ws.on("error", () => resolve(null));
    });
  const ask = (ws) =>
    new Promise((resolve) => {
      if (!ws || ws.readyState !== 1) return resolve(null);
      const t = setTimeout(() => resolve(null), 1000);
      ws.once("message", (m) => (clearTimeout(t), resolve(String(m))));
      ws.send("ping");
    });
  let r = await ask(h.state.ws);
  if (r === null) {
    h.state.ws?.terminate();
    h.state.ws = await open();
    r = await ask(h.state.ws);
  }
  return r;
}

export const CASES = [
  {
    name: "N1-websocket-kept-client",
    files: {
      "routes.mjs": `export const reply = (m) => "echo rev 1 " + m;\n`,
      "server.mjs": `import http from "node:http";
import { WebSocketServer } from "ws";
import { reply } from "./routes.mjs";
const server = http.createServer((req, res) => res.end("http rev 1"));
const wss = new WebSocketServer({ server, path: "/ws" });
wss.on("connection", (ws) => ws.on("message", (m) => ws.send(reply(String(m)))));
server.listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => { for (const c of wss.clients) c.close(1001); wss.close(); server.close(); });
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", "rev 1", "rev 22"],
      ["server.mjs", "http rev 1", "http rev 333"],
    ],
    probe: async (h) => ({ ws: await wsAsk(h), http: await get(h.port, "/") }),
    beforeEnd: async (h) => h.state.ws?.terminate(),
  },
  {
    name: "N2-keepalive-next-request",
    files: {
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http from "node:http";
import { home } from "./routes.mjs";
const server = http.createServer((req, res) => res.end(home())).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", "rev 1", "rev 22"],
      ["server.mjs", "listening", "listening!"],
    ],
    probe: async (h) => {
      h.state.agent ??= new http.Agent({ keepAlive: true, maxSockets: 1 });
      const r = await get(h.port, "/", { agent: h.state.agent });
      return r.error ? await get(h.port, "/", { agent: h.state.agent }) : r;
    },
    beforeEnd: async (h) => h.state.agent?.destroy(),
    compareStdout: false,
  },
  {
    name: "N3-exitcode",
    files: {
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http from "node:http";
import { home } from "./routes.mjs";
process.exitCode = 3;
const server = http.createServer((req, res) => res.end(home())).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", "rev 1", "rev 22"],
      ["server.mjs", "exitCode = 3", "exitCode = 4"],
    ],
    probe: rootGet(),
  },
  {
    name: "N4-kept-interval",
    files: {
      "ticker.mjs": `export const state = { ticks: 0 };\nsetInterval(() => state.ticks++, 20);\n`,
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http from "node:http";
import { state } from "./ticker.mjs";
import { home } from "./routes.mjs";
let last = 0;
const server = http.createServer((req, res) => {
  if (req.url === "/ticking") { const t = state.ticks; return setTimeout(() => res.end(String(state.ticks > t)), 150); }
  res.end(home());
}).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => { server.close(); process.exit(0); });
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", "rev 1", "rev 22"],
      ["server.mjs", "150", "151"],
      ["routes.mjs", "rev 22", "rev 333"],
    ],
    probe: rootGet(["/", "/ticking"]),
  },
  {
    name: "N5a-esm-toplevel-throw",
    files: {
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http from "node:http";
import { home } from "./routes.mjs";
const server = http.createServer((req, res) => res.end(home())).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", `export const home`, `if (Math.random() < 2) throw new Error("boom");\nexport const home`],
      ["routes.mjs", "rev 1", "rev 22"],
      ["routes.mjs", `if (Math.random() < 2) throw new Error("boom");\n`, ``],
    ],
    noRestartOn: [1, 2],
    probe: rootGet(),
    compareStdout: false,
    check: (a) =>
      a.hotload.some((l) => /\bupdated\b/.test(l) && !/rolled back|keeping/.test(l)) && a.hotload.length < 3 ? "says updated" : null,
  },
  {
    name: "N5b-cjs-toplevel-throw",
    type: "commonjs",
    files: {
      "routes.js": `exports.home = () => "home rev 1";\n`,
      "server.js": `const http = require("node:http");
const { home } = require("./routes.js");
let ticks = 0;
setInterval(() => ticks++, 20);
const server = http.createServer((req, res) => res.end(req.url === "/t" ? String(ticks) : home())).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => { console.log("bye"); server.close(); process.exit(0); });
`,
    },
    entry: "server.js",
    ready: /listening/,
    edits: [
      ["routes.js", `exports.home`, `if (Math.random() < 2) throw new Error("boom");\nexports.home`],
      ["routes.js", "rev 1", "rev 22"],
      ["routes.js", `if (Math.random() < 2) throw new Error("boom");\n`, ``],
    ],
    noRestartOn: [1, 2],
    probe: async (h) => {
      const t1 = Number((await get(h.port, "/t")).body);
      await sleep(120);
      const t2 = Number((await get(h.port, "/t")).body);
      return { ...(await rootGet()(h)), ticking: t2 > t1 };
    },
    compareStdout: false,
  },
  {
    name: "N6-burst-saves",
    files: {
      "routes.mjs": `export const home = () => "home rev 0";\n`,
      "server.mjs": `import http from "node:http";
import { home } from "./routes.mjs";
import { bus } from "./bus.mjs";
let handled = 0;
process.on("message-x", () => {});
bus.on("ping", () => handled++);
const server = http.createServer((req, res) => {
  if (req.url === "/ping") { handled = 0; bus.emit("ping"); return res.end(String(handled)); }
  res.end(home());
}).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
      "bus.mjs": `import { EventEmitter } from "node:events";\nexport const bus = new EventEmitter();\n`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      async (dir) => {
        const fs = await import("node:fs");
        for (let i = 1; i <= 30; i++) {
          fs.writeFileSync(`${dir}/routes.mjs`, `export const home = () => "home rev ${i}${"x".repeat(i % 3)}";\n`);
          await sleep(i % 5 === 0 ? 30 : 3);
        }
        fs.writeFileSync(`${dir}/routes.mjs`, `export const home = () => "home rev final";\n`);
      },
    ],
    settle: 1500,
    probe: async (h) => ({ ...(await rootGet()(h)), handledOnce: (await get(h.port, "/ping")).body }),
    compareStdout: false,
  },
  {
    name: "N8-env-file-edit",
    files: {
      ".env": "GREETING=hello1\n",
      "routes.mjs": `export const home = () => process.env.GREETING + " rev 1";\n`,
      "server.mjs": `import http from "node:http";
import { home } from "./routes.mjs";
const server = http.createServer((req, res) => res.end(home())).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    nodeArgs: ["--env-file=.env"],
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      [".env", "hello1", "hello22"],
      ["routes.mjs", "rev 1", "rev 22"],
    ],
    probe: rootGet(),
    compareStdout: false,
  },
  {
    name: "N9-node-test-file",
    files: {
      "sum.mjs": `export const sum = (a, b) => a + b;\n`,
      "sum.test.mjs": `import test from "node:test";
import assert from "node:assert";
import { sum } from "./sum.mjs";
test("sum", () => assert.strictEqual(sum(1, 2), 3));
`,
    },
    entry: "sum.test.mjs",
    startWait: 1500,
    edits: [["sum.mjs", "a + b", "a + b + 1"]],
    noRestartOn: [],
    settle: 1500,
    probe: async (h) => ({
      pass: h.proc.out.filter((l) => /^# pass/.test(l)).length,
      fail: h.proc.out.filter((l) => /^# fail [1-9]/.test(l)).length,
      alive: !h.proc.exitInfo,
    }),
    end: "none",
    compareStdout: false,
  },
  {
    name: "N10-worker-kept-interval",
    files: {
      "worker.mjs": `import { parentPort } from "node:worker_threads";
let n = 0;
setInterval(() => parentPort.postMessage("tick rev 1 " + n++), 50);
`,
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http from "node:http";
import { Worker } from "node:worker_threads";
import { home } from "./routes.mjs";
let last = "";
const w = new Worker(new URL("./worker.mjs", import.meta.url));
w.on("message", (m) => (last = m.replace(/ \\d+$/, "")));
const server = http.createServer((req, res) => res.end(home() + " / " + last)).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => { server.close(); w.terminate(); });
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", "rev 1", "rev 22"],
      ["worker.mjs", "rev 1", "rev 333"],
      ["server.mjs", "listening", "listening!"],
    ],
    probe: async (h, i) => {
      await sleep(200);
      const threads = procInfo(h.proc.pid)?.threads;
      if (i === 0) h.state.t0 = threads;
      return { r: await get(h.port, "/"), threadsDelta: threads - h.state.t0 };
    },
    compareStdout: false,
  },
];

/** A new version that throws at its top level: the old version must stay fully working (timers, SIGTERM handler, server past 2 s). */
function toplevelThrow(name, type) {
  const cjs = type === "commonjs";
  const ext = cjs ? "js" : "mjs";
  const exp = cjs ? "exports.home =" : "export const home =";
  return {
    name,
    type,
    files: {
      [`routes.${ext}`]: `${exp} () => "home rev 1";\n`,
      [`server.${ext}`]: `${cjs ? 'const http = require("node:http");\nconst { home } = require("./routes.js");' : 'import http from "node:http";\nimport { home } from "./routes.mjs";'}
let ticks = 0;
setInterval(() => ticks++, 20);
const server = http.createServer((req, res) => res.end(req.url === "/t" ? String(ticks) : home())).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => { console.log("bye"); server.close(); process.exit(0); });
`,
    },
    entry: `server.${ext}`,
    ready: /listening/,
    edits: [[`routes.${ext}`, exp, `if (Math.random() < 2) throw new Error("boom");\n${exp}`]],
    noRestartOn: [1],
    settle: 2600,
    probe: async (h) => {
      const t1 = Number((await get(h.port, "/t")).body);
      await sleep(150);
      const t2 = Number((await get(h.port, "/t")).body);
      return { ...(await rootGet()(h)), ticking: t2 > t1 };
    },
    compareStdout: true,
  };
}
CASES.push(toplevelThrow("N5c-esm-throw-then-wait", "module"), toplevelThrow("N5d-cjs-throw-then-wait", "commonjs"));

CASES.push(
  {
    name: "N11-tla-never-settles",
    files: {
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http from "node:http";
import { home } from "./routes.mjs";
let ticks = 0;
setInterval(() => ticks++, 20);
const server = http.createServer((req, res) => res.end(req.url === "/t" ? String(ticks) : home())).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => { console.log("bye"); server.close(); process.exit(0); });
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", `export const home`, `await new Promise(() => {});\nexport const home`],
      ["routes.mjs", `await new Promise(() => {});\n`, ``],
      ["routes.mjs", "rev 1", "rev 22"],
    ],
    noRestartOn: [1],
    settle: 2500,
    probe: async (h) => {
      const t1 = Number((await get(h.port, "/t")).body);
      await sleep(150);
      const t2 = Number((await get(h.port, "/t")).body);
      return { ...(await get(h.port, "/")), ticking: t2 > t1 };
    },
    compareStdout: false,
  },
  {
    name: "N12-delete-and-restore",
    files: {
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http from "node:http";
import { home } from "./routes.mjs";
const server = http.createServer((req, res) => res.end(home())).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => { server.close(); process.exit(0); });
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      async (dir) => (await import("node:fs")).rmSync(`${dir}/routes.mjs`),
      async (dir) => (await import("node:fs")).writeFileSync(`${dir}/routes.mjs`, `export const home = () => "home rev 22";\n`),
    ],
    noRestartOn: [1],
    probe: async (h) => get(h.port, "/"),
    compareStdout: false,
  },
);

CASES.push({
  name: "N13-process-handlers-once",
  files: {
    "routes.mjs": `export const home = () => "home rev 1";\n`,
    "server.mjs": `import http from "node:http";
import { home } from "./routes.mjs";
const REV = "rev 1";
process.on("exit", (code) => console.log("exit handler " + REV + " code " + code));
process.on("uncaughtException", (e) => console.log("caught " + e.message + " by " + REV));
process.on("warning", (w) => console.log("warning seen by " + REV));
const server = http.createServer((req, res) => {
  if (req.url === "/boom") { setTimeout(() => { throw new Error("boom"); }, 1); return res.end("ok"); }
  if (req.url === "/warn") { process.emitWarning("w"); return res.end("ok"); }
  res.end(home());
}).listen(process.env.PORT, () => console.log("listening"));
process.once("SIGTERM", () => { server.close(); process.exitCode = 7; });
`,
  },
  entry: "server.mjs",
  ready: /listening/,
  edits: [
    ["routes.mjs", "rev 1", "rev 22"],
    ["server.mjs", `REV = "rev 1"`, `REV = "rev 333"`],
    ["routes.mjs", "rev 22", "rev 4444"],
  ],
  probe: async (h) => {
    const from = h.proc.out.length;
    await get(h.port, "/boom");
    await get(h.port, "/warn");
    await sleep(100);
    return { home: (await get(h.port, "/")).body, lines: h.proc.out.slice(from).filter((l) => !/listening/.test(l)) };
  },
  compareStdout: false,
  check: (a, b) =>
    JSON.stringify(a.stdout.filter((l) => /exit handler/.test(l))) ===
    JSON.stringify(b.stdout.filter((l) => /exit handler/.test(l)).slice(-1))
      ? null
      : "exit-handler-lines",
});

CASES.push(
  {
    name: "N14-kept-module-server",
    files: {
      "metrics.mjs": `import http from "node:http";
export let hits = 0;
export const count = () => hits++;
export const metrics = http.createServer((req, res) => res.end("hits " + hits)).listen(Number(process.env.PORT) + 1);
`,
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http from "node:http";
import { count, metrics } from "./metrics.mjs";
import { home } from "./routes.mjs";
const server = http.createServer((req, res) => (count(), res.end(home()))).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => { server.close(); metrics.close(); });
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["routes.mjs", "rev 1", "rev 22"],
      ["server.mjs", "listening", "listening!"],
    ],
    probe: async (h) => ({ home: await get(h.port, "/"), metrics: (await get(h.port + 1, "/")).body?.replace(/\d+/, "N") }),
    compareStdout: false,
  },
  {
    name: "N15-dynamic-route-import",
    files: {
      "routes/a.mjs": `export default () => "a rev 1";\n`,
      "server.mjs": `import http from "node:http";
const server = http.createServer(async (req, res) => {
  const mod = await import("./routes/a.mjs");
  res.end(mod.default());
}).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [["routes/a.mjs", "rev 1", "rev 22"]],
    probe: async (h) => get(h.port, "/"),
    compareStdout: false,
  },
  {
    name: "N16-json-config",
    files: {
      "config.json": `{ "greeting": "hello 1" }\n`,
      "server.mjs": `import http from "node:http";
import config from "./config.json" with { type: "json" };
const server = http.createServer((req, res) => res.end(config.greeting)).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [["config.json", "hello 1", "hello 22"]],
    probe: async (h) => get(h.port, "/"),
    compareStdout: false,
  },
);

/** A poller started at the entry's top level, in one of the ways programs write one; /polls counts polls per 300 ms by version. */
function poller(name, loop) {
  return {
    name,
    files: {
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "server.mjs": `import http from "node:http";
import { setTimeout as sleep, setInterval as every } from "node:timers/promises";
import { home } from "./routes.mjs";
const REV = "rev 1";
globalThis.polls ??= [];
const poll = () => globalThis.polls.push(REV);
${loop}
const server = http.createServer(async (req, res) => {
  if (req.url !== "/polls") return res.end(home());
  globalThis.polls.length = 0;
  await sleep(300);
  const by = {};
  for (const r of globalThis.polls) by[r] = (by[r] ?? 0) + 1;
  res.end(JSON.stringify(Object.keys(by).sort()));
}).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => { server.close(); process.exit(0); });
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["server.mjs", `REV = "rev 1"`, `REV = "rev 22"`],
      ["routes.mjs", "rev 1", "rev 333"],
    ],
    probe: async (h) => ({ home: (await get(h.port, "/")).body, pollers: (await get(h.port, "/polls")).body }),
    compareStdout: false,
  };
}
CASES.push(
  poller("N17-poll-async-sleep-loop", "(async () => { for (;;) { await sleep(20); poll(); } })();"),
  poller("N18-poll-timers-promises-interval", "(async () => { for await (const _ of every(20)) poll(); })();"),
  poller("N19-poll-settimeout-chain", "const tick = () => { poll(); setTimeout(tick, 20); }; tick();"),
);

CASES.push(
  {
    name: "N20-inflight-promise-sleep",
    files: {
      "routes.mjs": `import { setTimeout as sleep } from "node:timers/promises";
export const slow = async () => { await sleep(1200); return "slow rev 1"; };
`,
      "server.mjs": `import http from "node:http";
import { slow } from "./routes.mjs";
const server = http.createServer(async (req, res) => res.end(req.url === "/slow" ? await slow() : "fast rev 1")).listen(process.env.PORT, () => console.log("listening"));
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
    name: "N21-events-on-iterator",
    files: {
      "bus.mjs": `import { EventEmitter } from "node:events";\nexport const bus = new EventEmitter();\n`,
      "server.mjs": `import http from "node:http";
import { on } from "node:events";
import { bus } from "./bus.mjs";
const REV = "rev 1";
globalThis.handled ??= [];
(async () => { for await (const [m] of on(bus, "job")) globalThis.handled.push(REV + " " + m); })();
const server = http.createServer((req, res) => {
  globalThis.handled.length = 0;
  bus.emit("job", "x");
  setTimeout(() => res.end(JSON.stringify(globalThis.handled)), 50);
}).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => { server.close(); process.exit(0); });
`,
    },
    entry: "server.mjs",
    ready: /listening/,
    edits: [
      ["server.mjs", `REV = "rev 1"`, `REV = "rev 22"`],
      ["server.mjs", `REV = "rev 22"`, `REV = "rev 333"`],
    ],
    probe: async (h) => get(h.port, "/"),
    compareStdout: false,
  },
);
