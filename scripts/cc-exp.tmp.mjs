import * as esbuild from "esbuild";
import vm from "node:vm";
import { readFileSync, writeFileSync } from "node:fs";
const src = readFileSync("/work/main/dist/loader/hooks.js", "utf8");
const out = await esbuild.transform(src, { format: "cjs", loader: "js", target: "node22", define: { "import.meta.url": "__url" } , logLevel: "silent"});
writeFileSync("/tmp/hooks-cjs.js", out.code);
console.log("cjs bytes", out.code.length);
