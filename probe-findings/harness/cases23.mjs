// Issue 23's numbered cases that a restart comparison can measure.
import { get, sleep } from "./probe.mjs";

const rootGet =
  (paths = ["/"]) =>
  async (h) => {
    const r = {};
    for (const p of paths) r[p] = await get(h.port, p);
    return r;
  };
const serve = (body, lead = "") => `import http from "node:http";
${lead}
const server = http.createServer((req, res) => res.end(${body})).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`;

export const CASES = [
  {
    name: "23.1-tsx-cjs-chain",
    files: {
      "package.json": `{"name":"x"}`,
      "src/router2.ts": `export const home = (): string => "home rev 1";\n`,
      "src/server.ts": `import http from "node:http";
import { home } from "./router2";
export function start(): void {
  const server = http.createServer((req, res) => res.end(home())).listen(process.env.PORT, () => console.log("listening"));
  process.on("SIGTERM", () => server.close());
}
`,
      "src/index.ts": `import { start } from "./server";\nstart();\n`,
    },
    entry: "src/index.ts",
    nodeArgs: ["--import", "tsx"],
    ready: /listening/,
    edits: [
      ["src/router2.ts", "rev 1", "rev 22"],
      ["src/router2.ts", "rev 22", "rev 333"],
      ["src/server.ts", "listening", "listening!"],
    ],
    probe: rootGet(),
    compareStdout: false,
  },
  {
    name: "23.2a-ts-accept-bang",
    restartHot: true,
    files: {
      "dep.ts": `export const value: string = "dep rev 1";\n`,
      "main.ts": serve("value", `import { value } from "./dep.ts";\nimport.meta.hot!.accept("./dep.ts");`),
    },
    entry: "main.ts",
    ready: /listening/,
    edits: [["dep.ts", "rev 1", "rev 22"]],
    probe: rootGet(),
    compareStdout: false,
  },
  {
    name: "23.2b-ts-accept-typearg",
    files: {
      "dep.ts": `export const value: string = "dep rev 1";\n`,
      "main.ts": serve(
        "value",
        `import { value } from "./dep.ts";\nimport.meta.hot?.accept<typeof import("./dep.ts")>("./dep.ts", () => {});`,
      ),
    },
    entry: "main.ts",
    ready: /listening/,
    edits: [["dep.ts", "rev 1", "rev 22"]],
    probe: rootGet(),
    compareStdout: false,
  },
  {
    name: "23.3-ts-stack-url",
    files: {
      "dep.ts": `export const where = (): string => (new Error("x").stack ?? "").split("\\n")[1].replace(/:\\d+:\\d+\\)?$/, "") + " rev 1";\n`,
      "main.ts": serve("where().split(process.cwd()).join('DIR')", `import { where } from "./dep.ts";`),
    },
    entry: "main.ts",
    ready: /listening/,
    edits: [["dep.ts", "rev 1", "rev 22"]],
    probe: rootGet(),
    compareStdout: false,
  },
  {
    name: "23.4-callsites",
    files: {
      "dep.mjs": `import util from "node:util";
export function where() {
  const saved = Error.prepareStackTrace;
  Error.prepareStackTrace = (_, cs) => cs;
  const cs = new Error().stack;
  Error.prepareStackTrace = saved;
  const gc = util.getCallSites ? util.getCallSites()[0].scriptName : "n/a";
  return JSON.stringify({ callSite: cs[0].getFileName(), getCallSites: gc, rev: 1 });
}
`,
      "main.mjs": serve("where().split(process.cwd()).join('DIR')", `import { where } from "./dep.mjs";`),
    },
    entry: "main.mjs",
    ready: /listening/,
    edits: [["dep.mjs", "rev: 1", "rev: 22"]],
    probe: rootGet(),
    compareStdout: false,
  },
  {
    name: "23.5-order-hotload-then-tsx",
    commandArgs: (mode) => (mode === "inplace" ? ["--import", "hotload", "--import", "tsx", "main.ts"] : ["--import", "tsx", "main.ts"]),
    files: {
      "dep.ts": `export const value = (): string => "dep rev 1";\n`,
      "main.ts": serve("value()", `import { value } from "./dep.ts";`),
    },
    entry: "main.ts",
    nodeArgs: ["--import", "tsx"],
    hotArgs: ["--import", "hotload"],
    ready: /listening/,
    edits: [["dep.ts", "rev 1", "rev 22"]],
    probe: rootGet(),
    compareStdout: false,
  },
  {
    name: "23.6-link-error",
    files: {
      "c.cjs": `const o = { named: 1 };\nmodule.exports = o;\n`,
      "main.mjs": serve("String(named)", `import { named } from "./c.cjs";\nimport.meta.hot?.accept("./c.cjs");`),
    },
    entry: "main.mjs",
    startWait: 1500,
    edits: [],
    probe: async (h) => ({
      alive: !h.proc.exitInfo,
      exit: h.proc.exitInfo?.code,
      firstErr: h.proc.err.find((l) => /Error/.test(l))?.replace(/'.*'/, ""),
    }),
    end: "none",
    compareStdout: false,
  },
  {
    name: "23.7-injected-frame",
    files: {
      "main.mjs": `const x = = 1;\nconsole.log(x);\n`,
    },
    entry: "main.mjs",
    startWait: 1500,
    edits: [],
    probe: async (h) => ({
      exit: h.proc.exitInfo?.code,
      frame: h.proc.err.filter((l) => !l.includes("[hotload]") && !/^\s+at |^Node\.js|^$/.test(l)).map((l) => l.split(h.dir).join("DIR")),
    }),
    end: "none",
  },
  {
    name: "23.10a-async-register-cjs",
    type: "commonjs",
    files: {
      "hook.mjs": `import { register } from "node:module";\nregister("./noop.mjs", import.meta.url);\n`,
      "noop.mjs": `export async function load(url, ctx, next) { return next(url, ctx); }\n`,
      "server.cjs": `const http = require("node:http");
console.log("entry ran");
const server = http.createServer((req, res) => res.end("rev 1")).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.cjs",
    nodeArgs: ["--import", "./hook.mjs"],
    ready: /listening/,
    edits: [["server.cjs", "rev 1", "rev 22"]],
    beforeEdit: () => sleep(2000),
    probe: rootGet(),
  },
  {
    name: "23.10a2-async-register-cjs-after",
    type: "commonjs",
    files: {
      "hook.mjs": `import { register } from "node:module";\nregister("./noop.mjs", import.meta.url);\n`,
      "noop.mjs": `export async function load(url, ctx, next) { return next(url, ctx); }\n`,
      "server.cjs": `const http = require("node:http");
console.log("entry ran");
const server = http.createServer((req, res) => res.end("rev 1")).listen(process.env.PORT, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
`,
    },
    entry: "server.cjs",
    commandArgs: (mode) =>
      mode === "inplace" ? ["--import", "hotload", "--import", "./hook.mjs", "server.cjs"] : ["--import", "./hook.mjs", "server.cjs"],
    ready: /listening/,
    edits: [["server.cjs", "rev 1", "rev 22"]],
    beforeEdit: () => sleep(2000),
    probe: rootGet(),
  },
  {
    name: "23.10b-iitm-after-hotload",
    files: {
      "iitm.mjs": `import { register } from "import-in-the-middle/register-hooks.mjs";\nimport { Hook } from "import-in-the-middle";\nregister();\nnew Hook(["node:http"], (exported) => exported);\n`,
      "routes.mjs": `export const home = () => "home rev 1";\n`,
      "main.mjs": serve("home()", `import { home } from "./routes.mjs";`),
    },
    entry: "main.mjs",
    commandArgs: (mode) =>
      mode === "inplace" ? ["--import", "hotload", "--import", "./iitm.mjs", "main.mjs"] : ["--import", "./iitm.mjs", "main.mjs"],
    ready: /listening/,
    edits: [
      ["routes.mjs", "rev 1", "rev 22"],
      ["routes.mjs", "rev 22", "rev 333"],
    ],
    probe: rootGet(),
    compareStdout: false,
  },
  {
    name: "23.10-dotenv",
    files: {
      ".env": "GREETING=hello1\n",
      "routes.mjs": `export const home = () => process.env.GREETING + " rev 1";\n`,
      "main.mjs": serve("home()", `import "dotenv/config";\nimport { home } from "./routes.mjs";`),
    },
    entry: "main.mjs",
    ready: /listening/,
    edits: [["routes.mjs", "rev 1", "rev 22"]],
    probe: rootGet(),
    compareStdout: false,
  },
];
