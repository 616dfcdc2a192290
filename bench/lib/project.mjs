// Generated projects for the scale and start-up benchmarks, in bench/.work/projects/<n>/:
//
//   app.mjs                   entry: imports the tree's root, prints
//                             `@@ready <clock> <value> <CPU µs used so far>`
//   src/<k>/m<i>.mjs          the tree: m<i> imports m<10i+1> ... m<10i+10> (fan-out 10),
//                             about 1 KB of code each, 100 files a folder
//   src/edit/boundary.mjs     imported by the deepest tree module; accepts ./leaf.mjs
//   src/edit/leaf.mjs         the module the bench edits (see leaf.mjs)
//
// `n` counts every module: tree + app + boundary + leaf. A project is generated once and reused
// while its stamp (generator version and n) matches.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { leafSource } from "./leaf.mjs";
import { WORK } from "./tools.mjs";

const GENERATOR = 4;
const FANOUT = 10;

const file = (i) => `src/${Math.floor(i / 100)}/m${i}.mjs`;

function rel(from, to) {
  const a = from.split("/").slice(0, -1);
  const b = to.split("/");
  let k = 0;
  while (k < a.length && a[k] === b[k]) k++;
  const up = a.length - k;
  return (up === 0 ? "./" : "../".repeat(up)) + b.slice(k).join("/");
}

function moduleSource(i, tree, withBoundary) {
  const me = file(i);
  const kids = [];
  for (let c = FANOUT * i + 1; c <= FANOUT * i + FANOUT && c < tree; c++) kids.push(c);
  const lines = [`// generated module ${i}`];
  for (const c of kids) lines.push(`import { value as v${c}, describe as d${c} } from '${rel(me, file(c))}';`);
  if (withBoundary) lines.push(`import { boundary } from '${rel(me, "src/edit/boundary.mjs")}';`);
  const sum = kids.map((c) => `v${c}`).join(" + ") || "0";
  lines.push(
    `const weights = [${Array.from({ length: 8 }, (_, k) => (i * 31 + k * 7) % 97).join(", ")}];`,
    `export class Node${i} {`,
    `  constructor(label = 'node-${i}') {`,
    `    this.label = label;`,
    `    this.children = [${kids.map((c) => `d${c}`).join(", ")}];`,
    `  }`,
    `  score(x) {`,
    `    let s = 0;`,
    `    for (const w of weights) s += (w * x) % 13;`,
    `    return s + this.children.length;`,
    `  }`,
    `  toString() {`,
    `    return \`\${this.label}(\${this.children.length})\`;`,
    `  }`,
    `}`,
    `export function describe() {`,
    `  return { id: ${i}, kids: ${kids.length}, text: String(new Node${i}()) };`,
    `}`,
    `export function transform(items) {`,
    `  return items.map((item, k) => ({ ...item, rank: k, score: new Node${i}().score(k) })).filter((item) => item.score > 3);`,
    `}`,
    `export const value = ${i % 7} + ${sum}${withBoundary ? " + boundary" : ""};`,
  );
  return lines.join("\n") + "\n";
}

/** Generates (or reuses) the project of `n` modules and returns its folder and files. */
export function project(n) {
  const dir = join(WORK, "projects", String(n));
  const stamp = join(dir, ".stamp");
  const tree = Math.max(1, n - 3);
  const want = JSON.stringify({ GENERATOR, n });
  const out = { dir, entry: join(dir, "app.mjs"), leaf: join(dir, "src/edit/leaf.mjs"), modules: tree + 3, reused: true };
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) {
    resetLeaf(out);
    return out;
  }
  out.reused = false;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "src/edit"), { recursive: true });
  writeFileSync(join(dir, "package.json"), '{\n  "private": true,\n  "type": "module",\n  "hotHook": {}\n}\n');
  for (let i = 0; i < tree; i++) {
    if (i % 100 === 0) mkdirSync(join(dir, "src", String(i / 100)), { recursive: true });
    writeFileSync(join(dir, file(i)), moduleSource(i, tree, i === tree - 1));
  }
  writeFileSync(
    join(dir, "src/edit/boundary.mjs"),
    `// The accept boundary of leaf.mjs.\nimport { seq } from './leaf.mjs';\nexport const boundary = 1;\nimport.meta.hot?.accept('./leaf.mjs');\nexport { seq };\n`,
  );
  writeFileSync(
    join(dir, "app.mjs"),
    `import { value } from './src/0/m0.mjs';\n` +
      `const __ready = performance.timeOrigin + performance.now();\n` +
      `const __cpu = process.cpuUsage();\n` +
      `setInterval(() => {}, 1 << 30);\n` +
      `console.log(\`@@ready \${__ready} \${value} \${__cpu.user + __cpu.system}\`);\n`,
  );
  resetLeaf(out);
  writeFileSync(stamp, want);
  return out;
}

export function resetLeaf(p) {
  writeFileSync(p.leaf, leafSource(0).full);
}
