// Memory floor of any ESM hot reloading in Node: plain `node --expose-gc app.mjs`, no loader.
// On every change of big.mjs the app imports it again under a new URL (`./big.mjs?v=N`), which
// is all that reloading an ES module can do: Node keeps every module instance it has evaluated.
// Same reports as ../memory/app.mjs.
import { watch, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import "./big.mjs";

// BENCH_GATE=1: one more module per update, as hotload's gate (src/engine/update/gate.ts): a
// data: module of the same text awaiting the same call, so that the floor plus a gate can be
// told apart from anything else hotload keeps.
const gate = process.env.BENCH_GATE === "1";
const runtime = Symbol.for("hotload.runtime");
if (gate) globalThis[runtime] = { gate: async () => {} };
const gateUrl = (id) => `data:text/javascript,${encodeURIComponent(`await globalThis[Symbol.for("hotload.runtime")].gate(${id});`)}`;

const at = new Set((process.env.BENCH_MEM_AT ?? "").split(",").filter(Boolean).map(Number));
const file = new URL("./big.mjs", import.meta.url);
// An empty file is a save in progress (truncated, not yet written): not a version.
const digest = () => {
  const text = readFileSync(file);
  return text.length === 0 ? last : createHash("sha1").update(text).digest("hex");
};
let last;
last = digest();
let imports = 0;
const reported = new Set();
let running = Promise.resolve();

async function report(label) {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const m = process.memoryUsage();
  console.log(`@@mem ${label} ${m.rss} ${m.heapUsed} ${m.heapTotal} ${m.external}`);
}

async function check() {
  const now = digest();
  if (now === last) return;
  last = now;
  // A save caught half-written fails to load (or loads): either way the reports go by the `seq`
  // that the module exports, as in ../memory/app.mjs.
  imports++;
  if (gate) await import(gateUrl(imports));
  const mod = await import(`./big.mjs?v=${imports}`);
  if (at.has(mod.seq) && !reported.has(mod.seq)) {
    reported.add(mod.seq);
    await report(mod.seq);
  }
}

watch(file, () => {
  running = running.then(check, check);
});
process.on("unhandledRejection", () => {});
await report(0);
console.log("@@ready");
