/**
 * The source text of one version of a file of the torture project (project.ts): an ES module, a
 * TypeScript module, a CommonJS module, a typeless `.js` file in either syntax, or the JSON file.
 *
 * Every version reports two things as it finishes evaluating, both read by the harness
 * (fixtures/stress-torture/app.mjs) and by the fresh-run oracle (fixtures/stress-torture/oracle.mjs):
 * - its token: an ES module under its own versioned URL in `globalThis.__stressTokens` (the
 *   harness's `__stressKey` names it: `import.meta.url` is the file's in every version, as after a
 *   restart), a CommonJS module as `exports.__token` (the instance in require.cache is the one that
 *   runs);
 * - its view: a function that returns the token followed by the tokens of the imports whose change
 *   re-evaluates it (not those of self-accepting modules or of imports it accepts: keeping those
 *   old is correct), as it sees them now. A module that kept an old copy of such an import shows
 *   it there, where a fresh `node` run of the same files cannot.
 * The code runs under plain node too (`import.meta.hot?.`, `module.hot?.`): the oracle needs it.
 */
import { OPTIONAL, type Content, type ModuleSpec, type ProjectGraph } from "./project.js";

/**
 * What an ES module's token and view are stored under: its versioned URL, from the harness's
 * `globalThis.__stressKey` (hotload/api's versionOf); the plain URL before the harness runs (first
 * loads) and under plain node (the oracle).
 */
const KEY = "(globalThis.__stressKey?.(import.meta) ?? import.meta.url)";

/** The source text of one version of a file. */
export function render(m: ModuleSpec, c: Content, graph: ProjectGraph): string {
  const text = m.json ? renderJson(c) : renderModule(m, c, graph);
  return c.crlf ? text.replace(/\n/g, "\r\n") : text;
}

function renderJson(c: Content): string {
  const pad = "x".repeat(c.padding);
  if (c.fault === "syntax") {
    // A trailing comma, or a cut-off object.
    return c.variant % 2 === 0 ? `{ "token": "${c.token}", "pad": "${pad}", }\n` : `{ "token": "${c.token}", "pad": "${pad}"\n`;
  }
  return `{\n  "token": "${c.token}",\n  "pad": "${pad}"\n}\n`;
}

const SYNTAX_ERRORS = [
  "const broken = ;",
  "export const = 1;",
  "function unfinished( {",
  "const t = `unterminated ${;",
  "export { value as value, value as value };",
  "let let = 1;",
];

const THROWS = [
  (name: string, token: string) => `throw new Error("stress: ${name} throws while evaluating (${token})");`,
  () => `null.stressProperty;`,
  (name: string) => `await Promise.reject(new Error("stress: ${name} rejects while evaluating"));`,
  () => `stressUndefinedFunction();`,
];
/**
 * CommonJS: no `export` (Node would warn "Failed to load the ES module" and, for a typeless file,
 * try it as ESM: another case), no top-level await.
 */
const CJS_SYNTAX_ERRORS = SYNTAX_ERRORS.filter((line) => !line.startsWith("export"));
const CJS_THROWS = [THROWS[0]!, THROWS[1]!, THROWS[3]!];

/** Whether this version of `m` is CommonJS. */
export function isCommonJs(m: ModuleSpec, c: Pick<Content, "syntax">): boolean {
  return m.format === "cjs" || (m.format === "js" && c.syntax !== "esm");
}

/**
 * wk.mjs starts the worker on wmain.mjs and keeps the token and view each worker module reported
 * last in `globalThis.__stressWorker` (app.mjs and oracle.mjs read it); `__stressWorkerReady`
 * resolves once both worker modules reported (the oracle waits for it); `__stressWorkerOpen` says
 * whether an update of the worker's is under way (torture seed 1747401608: a settled check came
 * between a worker's new wdep.mjs token and wmain.mjs's new view of it). A new version of wk.mjs
 * starts a new worker; its dispose handler ends the old one.
 */
function startWorker(): string[] {
  return [
    `const worker = new Worker(new URL("./wmain.mjs", import.meta.url));`,
    `worker.unref();`,
    `const heard = (globalThis.__stressWorker = new Map());`,
    `let ready;`,
    `globalThis.__stressWorkerReady = new Promise((resolve) => (ready = resolve));`,
    `globalThis.__stressWorkerOpen = false;`,
    `worker.on("message", (message) => {`,
    `  if (globalThis.__stressWorker !== heard) return;`,
    `  if (typeof message?.stressWorkerOpen === "boolean") globalThis.__stressWorkerOpen = message.stressWorkerOpen;`,
    `  if (!message?.stressWorker) return;`,
    `  heard.set(message.stressWorker.file, message.stressWorker);`,
    `  if (heard.size >= 2) ready();`,
    `});`,
    `worker.on("error", (error) => process.stderr.write(\`WORKER ERROR \${error?.message ?? error}\n\`));`,
  ];
}

function renderModule(m: ModuleSpec, c: Content, graph: ProjectGraph): string {
  const cjs = isCommonJs(m, c);
  const ts = m.format === "ts";
  const spec = (dep: string): string => JSON.stringify(`./${dep}`);
  const statics = [...m.imports, ...(m.optional && c.optional ? [m.optional] : [])];
  // What each import is called here, and how its token is read.
  const refs: string[] = [];
  const importLines = statics.map((dep, i) => {
    if (cjs) {
      refs.push(`i${i}.value`);
      return `const i${i} = require(${spec(dep)});`;
    }
    const format = graph.get(dep).format;
    if (format === "esm" || format === "ts") {
      refs.push(`i${i}`);
      return `import { value as i${i} } from ${spec(dep)};`;
    }
    // CommonJS (or a typeless .js in either syntax): its default export is the exports object.
    refs.push(`i${i}.value`);
    return `import i${i} from ${spec(dep)};`;
  });
  if (m.jsonImport) importLines.push(`import data from ${spec(m.jsonImport)} with { type: "json" };`);
  if (m.worker) importLines.push(`import { parentPort, Worker } from "node:worker_threads";`);
  const viewed = statics.flatMap((dep, i) => (graph.get(dep).role !== "self" && !m.accepts.includes(dep) ? [refs[i]!] : []));
  if (m.jsonImport) viewed.push("data.token");

  const header = `// stress module ${m.name}, token ${c.token}`;
  const tokenLine = ts ? `const TOKEN: string = "${c.token}";` : `const TOKEN = "${c.token}";`;
  const layout = c.variant % 4;
  const lines: string[] = [];
  // Line 1 varies: all imports (the injection goes after them), a comment, or code.
  if (layout === 0 && importLines.length > 0) lines.push(importLines.join(" "), header);
  else if (layout === 1) lines.push(header, ...importLines);
  else if (layout === 2) lines.push(tokenLine, header, ...importLines);
  else lines.push(...importLines, header);
  if (layout !== 2) lines.push(tokenLine);
  if (ts) lines.push(`type StressToken = string;`, `interface StressView { readonly token: StressToken }`);

  const syntaxErrors = cjs ? CJS_SYNTAX_ERRORS : SYNTAX_ERRORS;
  if (c.fault === "syntax") lines.push(syntaxErrors[c.variant % syntaxErrors.length]!);
  const hot = cjs ? "module.hot" : "import.meta.hot";
  if (cjs) {
    if (c.fault !== "link") lines.push("exports.value = TOKEN;");
    lines.push(`exports.throwAccept = ${Boolean(c.throwAccept)};`);
    lines.push(`exports.uses = () => [${statics.map((_, i) => `i${i}`).join(", ")}];`);
  } else {
    if (c.fault !== "link") lines.push("export const value = TOKEN;");
    lines.push(`export const throwAccept = ${Boolean(c.throwAccept)};`);
    lines.push(`export function uses()${ts ? ": unknown[]" : ""} { return [${statics.map((_, i) => `i${i}`).join(", ")}]; }`);
    // A typeless .js in ESM syntax: importers take its default export, as they would its exports object.
    if (m.format === "js") lines.push("export default { value: TOKEN };");
  }
  m.dynamic.forEach((dep, i) => lines.push(`export const lazy${i} = await import(${spec(dep)});`));
  // Its JSON's token, under this version's URL (app.mjs reads it as the JSON's running version).
  if (m.jsonImport) lines.push(`(globalThis.__stressTokens ??= new Map()).set(\`\${${KEY}}#json\`, data.token);`);
  if (c.slowMs) {
    lines.push(`process.stderr.write("EVALSTART ${m.name} ${c.token}\\n");`);
    lines.push(`for (const until = Date.now() + ${c.slowMs}; Date.now() < until; );`);
  }
  const throws = cjs ? CJS_THROWS : THROWS;
  const throwLine = throws[c.variant % throws.length]!(m.name, c.token);
  const throwEarly = c.fault === "throw" && c.variant % 2 === 0;
  if (throwEarly) lines.push(throwLine);

  if (m.name === "wk.mjs") lines.push(...startWorker());

  if (m.invalidates) {
    lines.push(`${hot}?.accept(() => ${hot}.invalidate());`);
  } else if (m.role === "self") {
    lines.push(
      `${hot}?.accept((next) => {`,
      `  if (next?.throwAccept) throw new Error("stress: accept handler of ${m.name} throws for " + next.value);`,
      `});`,
    );
  } else if (m.role === "deps") {
    lines.push(
      `${hot}?.accept([${m.accepts.map(spec).join(", ")}], (next) => {`,
      `  globalThis.__stressAccepted = (globalThis.__stressAccepted ?? 0) + next.length;`,
      `});`,
    );
  }
  lines.push(
    `${hot}?.dispose((data) => {`,
    `  data.disposed = (data.disposed ?? 0) + 1;`,
    c.throwDispose ? `  throw new Error("stress: dispose handler of ${m.name} throws (${c.token})");` : `  data.last = TOKEN;`,
    ...(m.name === "wk.mjs" ? [`  void worker.terminate();`] : []),
    // A server waiting for a keep-alive connection to close (issue 10, item 8).
    ...(c.hang ? [`  return new Promise(() => {});`] : []),
    `});`,
  );
  if (m.name === OPTIONAL) {
    lines.push(
      `${hot}?.prune(() => {`,
      c.throwPrune
        ? `  throw new Error("stress: prune handler of ${m.name} throws (${c.token})");`
        : `  globalThis.__stressPruned = (globalThis.__stressPruned ?? 0) + 1;`,
      `});`,
    );
  }
  if (m.listener) lines.push(`${hot}?.on("hotload:beforeUpdate", () => (globalThis.__stressEvents ??= []).push(import.meta.url));`);
  if (c.fault === "throw" && !throwEarly) lines.push(throwLine);
  // Last: a version that failed before this line never reports its token.
  const view = `() => \`\${TOKEN}(${viewed.map((ref) => `\${${ref}}`).join(",")})\``;
  // A module of the worker thread tells the main thread (wk.mjs keeps what it hears).
  if (m.worker && m.name !== "wk.mjs") {
    lines.push(`parentPort?.postMessage({ stressWorker: { file: import.meta.filename, token: TOKEN, view: (${view})() } });`);
    // A worker whose event loop runs dry ends: this one waits for updates (one timer per worker).
    if (m.name === "wmain.mjs") lines.push(`globalThis.__stressKeepAlive ??= setInterval(() => {}, 1 << 30);`);
    // An update of the worker's own is under way from its hotload:beforeUpdate to its result: the
    // main thread cannot see it otherwise (a new token may be reported before its importer's view).
    if (m.name === "wmain.mjs") {
      lines.push(
        `import.meta.hot?.on("hotload:beforeUpdate", () => parentPort?.postMessage({ stressWorkerOpen: true }));`,
        `import.meta.hot?.on("hotload:afterUpdate", () => parentPort?.postMessage({ stressWorkerOpen: false }));`,
      );
    }
  }
  if (cjs) {
    lines.push(`exports.__view = ${view};`, `exports.__token = TOKEN;`);
  } else {
    lines.push(`(globalThis.__stressViews ??= new Map()).set(${KEY}, ${view});`);
    lines.push(`(globalThis.__stressTokens ??= new Map()).set(${KEY}, TOKEN);`);
  }
  for (let i = 0; i < c.padding; i++) lines.push(`// padding ${i} ${"-".repeat(i % 7)}`);
  return `${lines.join("\n")}\n`;
}
