// w3cj/hono-open-api-starter (tsx 4.20.3 pinned by its lock file's range at the time of issue 21),
// run unchanged: node --import tsx --import hotload src/index.ts, against restarts under node --import tsx.
import fs from "node:fs";
import path from "node:path";
import { get } from "./probe.mjs";

const ROOT = "/tmp/prober-hono";
function tree(dir, out = {}, rel = "") {
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.name === "node_modules" || e.name === ".git" || e.name.endsWith(".db")) continue;
    if (e.isDirectory()) tree(dir, out, r);
    else out[r] = fs.readFileSync(path.join(dir, r), "utf8");
  }
  return out;
}

export const CASES = [
  {
    name: "R4-hono-open-api-starter",
    files: tree(ROOT),
    nodeModules: `${ROOT}/node_modules`,
    entry: "src/index.ts",
    nodeArgs: ["--import", "tsx"],
    env: { LOG_LEVEL: "silent" },
    ready: /Server is running/,
    edits: [
      ["src/routes/index.route.ts", `message: "Tasks API",`, `message: "Tasks API v2",`],
      ["src/app.ts", "const app = createApp();", "const app = createApp();\nconst unused = 2;"],
      ["src/lib/constants.ts", "export", "// edited\nexport"],
    ],
    settle: 1500,
    probe: async (h) => {
      const r = await get(h.port, "/");
      const doc = await get(h.port, "/doc");
      const missing = await get(h.port, "/nope");
      return { root: r, doc: doc.status, missing: missing.status };
    },
    compareStdout: false,
  },
];
