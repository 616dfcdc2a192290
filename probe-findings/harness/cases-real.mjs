// Real example apps, run unchanged from their repositories (fetched mirrors), in place and restarted.
import { execFileSync } from "node:child_process";
import http from "node:http";
import { get, sleep } from "./probe.mjs";

const show = (repo, path) =>
  execFileSync("git", ["--git-dir", `/work/.mirror/${repo}/repo/.git`, "show", `HEAD:${path}`], { encoding: "utf8" });
const gitDir = (repo) => {
  try {
    execFileSync("git", ["--git-dir", `/work/.mirror/${repo}/repo/.git`, "rev-parse", "HEAD"]);
    return `/work/.mirror/${repo}/repo/.git`;
  } catch {
    return `/work/.mirror/${repo}/repo`;
  }
};
const files = (repo, paths) =>
  Object.fromEntries(paths.map((p) => [p, execFileSync("git", ["--git-dir", gitDir(repo), "show", `HEAD:${p}`], { encoding: "utf8" })]));
const KOA = "koajs+examples";
const koaNm = "/tmp/prober-koa/node_modules";

export const CASES = [
  {
    name: "R1-koa-hello-world",
    type: "commonjs",
    files: { ...files(KOA, ["hello-world/app.js"]), "package.json": "{}" },
    nodeModules: koaNm,
    entry: "hello-world/app.js",
    port: 3000,
    ready: null,
    startWait: 1200,
    edits: [["hello-world/app.js", "'Hello World'", "'Hello World, again'"]],
    probe: async (h) => get(h.port, "/"),
  },
  {
    name: "R2-koa-blog",
    type: "commonjs",
    files: {
      ...files(KOA, [
        "blog/app.js",
        "blog/lib/render.js",
        "blog/views/index.html",
        "blog/views/layout.html",
        "blog/views/list.html",
        "blog/views/new.html",
        "blog/views/show.html",
      ]),
      "package.json": "{}",
    },
    nodeModules: koaNm,
    entry: "blog/app.js",
    port: 3000,
    startWait: 1500,
    edits: [
      ["blog/app.js", "'invalid post id'", "'no such post'"],
      ["blog/lib/render.js", "map: { html: 'swig' }", "map: { html: 'swig' }, extension: 'html'"],
    ],
    beforeEdit: async (h) => {
      // A post made before the save: a restart loses it (memory "database"); in place, the entry runs again too.
      await new Promise((resolve) => {
        const req = http.request(
          {
            host: "127.0.0.1",
            port: h.port,
            path: "/post",
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
          },
          (res) => (res.resume(), res.on("end", resolve)),
        );
        req.on("error", resolve);
        req.end("title=t1&body=b1");
      });
    },
    probe: async (h) => {
      const list = await get(h.port, "/");
      const missing = await get(h.port, "/post/99");
      return {
        listStatus: list.status,
        posts: (list.body?.match(/<h2>/g) ?? []).length,
        missing: missing.status,
        missingBody: missing.body?.slice(0, 40),
      };
    },
    stdoutFilter: (l) => !/<--|-->/.test(l),
  },
  {
    name: "R3-koa-sse",
    type: "commonjs",
    files: {
      ...files(KOA, ["stream-server-side-events/app.js", "stream-server-side-events/db.js", "stream-server-side-events/sse.js"]),
      "package.json": "{}",
    },
    nodeModules: koaNm,
    entry: "stream-server-side-events/app.js",
    port: 3000,
    startWait: 1200,
    edits: [["stream-server-side-events/sse.js", "'data: '", "'data: v2 '"]],
    probe: async (h) =>
      new Promise((resolve) => {
        const req = http.get({ host: "127.0.0.1", port: h.port, path: "/" }, (res) => {
          let buf = "";
          res.setEncoding("utf8");
          res.on("data", (d) => {
            buf += d;
            if (buf.length > 50) {
              req.destroy();
              resolve(buf.split("\n")[0].replace(/\d+/, "N"));
            }
          });
        });
        req.on("error", (e) => resolve("error " + e.code));
      }),
  },
];
