/**
 * The catalogue of real-world entry shapes the restart oracle (oracle.ts) drives: one small app
 * per shape in fixtures/oracle/<name>/, each with its edits. Every app reads its port from PORT
 * (a unix socket path from SOCKET), prints `listening on …` once it serves, and answers with the
 * `rev N` marker of the files that built the answer; an edit bumps every marker of one file.
 *
 * A shape that fails today carries `knownFailure` with the issue-21 case it is: its test passes
 * while it still differs, and fails with "now passes: remove knownFailure" once it no longer
 * does, so the list cannot rot. The torture test can pick an entry shape by name with
 * {@link shapeNamed} (or from SHAPES by its seed), start it under hotload with `startInPlace()` of
 * oracle.ts (or copy it with `prepare()` and start it itself), and edit it with `applyEdit()`.
 */
import type { Transport } from "./observer.js";

/** Events whose answers the program prints, one line per event handled. */
export interface Events {
  /** An event is a line written to stdin, or a GET of a path. */
  readonly via: "stdin" | "http";
  /** The stdin line or the path of event `id`. */
  readonly send: (id: number) => string;
  /** The line printed when event `id` is handled. */
  readonly answer: (id: number) => RegExp;
  /** Events sent after each observed one, all answered before its lines are counted (a pool's size; default 1). */
  readonly spread?: number;
}

/**
 * A file whose `rev N` markers an edit bumps, or a save of the file with a syntax error, or with a
 * `throw` at its end that runs as it evaluates (either fixed by the file's next edit).
 */
export type Edit = string | { readonly file: string; readonly syntaxError: true } | { readonly file: string; readonly throws: true };

/** The stress suite runs each group in a file of its own (test/stress/oracle-<group>.test.ts), so each file stays well inside the runner's timeout. */
export type Group = "frameworks" | "transports" | "in-flight" | "processes" | "modules" | "typescript" | "tsx-esm" | "tsx-cjs";

/** One entry shape. */
export interface Shape {
  /** Its name, and its folder under fixtures/oracle/ unless `fixture` names another. */
  readonly name: string;
  /** The folder under fixtures/oracle/, when several shapes share one (default: `name`). */
  readonly fixture?: string;
  readonly group: Group;
  /** What real programs it stands for. */
  readonly about: string;
  /** The entry, relative to the folder. */
  readonly entry: string;
  /** The edits, in order. */
  readonly edits: readonly Edit[];
  /** How it is reached (default http; none: no server, only its output is seen). */
  readonly transport?: Transport | "none";
  /** Paths requested after each edit, on new connections (default ["/"]); the first also on the kept connection. */
  readonly requests?: readonly string[];
  /** A server-sent event stream's path. */
  readonly sse?: string;
  /** A WebSocket server's path: one socket opened before each edit must still answer after it, and a new one gets the new code. */
  readonly webSocket?: string;
  /** A long poll's path: sent before each edit, answered after it. */
  readonly longPoll?: string;
  readonly events?: Events;
  /**
   * A line each version prints as it starts, before it listens for SIGTERM: on the last edit,
   * SIGTERM is sent as soon as the new version prints it (in place: in the middle of the update;
   * the restart's reference: the edited program, told to stop once it serves), instead of the
   * observations after that edit.
   */
  readonly sigtermWhileStarting?: RegExp;
  /** The line that says the program is ready (default /^listening on /). */
  readonly ready?: RegExp;
  /** Node options of both runs (before `--import hotload`). */
  readonly nodeArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Packages the app imports, linked into its node_modules from this repository's node_modules or
   * from HOTLOAD_ORACLE_NODE_MODULES; `tsx=tsx-4.20.3` links the folder tsx-4.20.3 as tsx (an npm
   * alias: `npm install --prefix DIR tsx-4.20.3@npm:tsx@4.20.3`). A shape whose packages are missing is skipped.
   */
  readonly packages?: readonly string[];
  /** What the shape cannot run without (else it is skipped, saying why). */
  readonly needs?: "openssl" | "ws" | "import.meta.main";
  /** The issue-21 case that makes it differ today (its test then expects a difference). */
  readonly knownFailure?: string;
  /** In the fast subset that `npm test` runs (the stress suite runs them all). */
  readonly fast?: boolean;
}

const express = ["express"];

/**
 * tsx versions run as in issue 21 (case 12): the newest is a devDependency (the shapes "tsx" and
 * "tsx-cjs"); these run when HOTLOAD_ORACLE_NODE_MODULES holds them as npm aliases
 * (`npm install --prefix DIR tsx-4.20.3@npm:tsx@4.20.3 …`), and are skipped otherwise.
 */
const TSX_VERSIONS = ["4.7.3", "4.19.4", "4.20.3", "4.21.0", "4.21.1", "4.22.5"] as const;

/** What differs today, by shape name. */
const TSX_KNOWN: Readonly<Record<string, string>> = {
  // Not in place's doing: tsx's compile cache. Both runs start with the same helpers (the esbuild
  // service of tsx's CommonJS path and, for the entry, which these versions compile in their ES
  // module loader's thread, a second one there). A restart after an edit that leaves the entry as
  // it was finds the entry in tsx's cache and starts no second service: one esbuild process and one
  // thread fewer than the process running since the start, whatever hotload does. With
  // TSX_DISABLE_CACHE=1 (every start compiles), in place and restart are equal at every edit
  // (checked by hand on Node 24 with 4.20.3 and 4.21.0, on Node 22 with 4.21.1).
  "tsx-4.19.4-cjs": "issue 21 case 12",
  "tsx-4.20.3-cjs": "issue 21 case 12",
  "tsx-4.21.0-cjs": "issue 21 case 12",
};

/** What differs on Node 22 only: one more esbuild service process in place, tsx's cache again (see TSX_KNOWN). */
const TSX_KNOWN_ON_NODE_22: Readonly<Record<string, string>> = {
  "tsx-4.21.1-cjs": "issue 21 case 12",
};

const NODE_MAJOR = Number(process.versions.node.split(".")[0]);

/** Each version of TSX_VERSIONS in an ES module package and in a package without "type" (CommonJS output). */
function tsxMatrix(): Shape[] {
  return TSX_VERSIONS.flatMap((version) =>
    (["esm", "cjs"] as const).map((output) => {
      const name = `tsx-${version}${output === "cjs" ? "-cjs" : ""}`;
      const shape: Shape = {
        name,
        group: output === "cjs" ? "tsx-cjs" : "tsx-esm",
        fixture: output === "cjs" ? "tsx-cjs" : "tsx",
        about: `TypeScript through \`node --import tsx\` with tsx ${version}, ${output === "cjs" ? 'a package without "type" (CommonJS output)' : "an ES module package"}`,
        entry: "server.ts",
        edits: ["routes.ts", "server.ts"],
        nodeArgs: ["--import", "tsx"],
        packages: [`tsx=tsx-${version}`],
      };
      const known = TSX_KNOWN[name] ?? (NODE_MAJOR === 22 ? TSX_KNOWN_ON_NODE_22[name] : undefined);
      return known === undefined ? shape : { ...shape, knownFailure: known };
    }),
  );
}

export const SHAPES: readonly Shape[] = [
  {
    name: "express-cjs-main",
    group: "frameworks",
    about: "CommonJS Express exporting its app for supertest, listening under `require.main === module`",
    entry: "server.js",
    edits: ["routes.js", "server.js"],
    requests: ["/", "/about"],
    packages: express,
    fast: true,
  },
  {
    name: "express-cjs",
    group: "frameworks",
    about: "an `npm init -y` Express app: server.js requires ./routes.js, an interval and a SIGTERM handler",
    entry: "server.js",
    edits: ["routes.js", "server.js", "routes.js"],
    requests: ["/", "/tick"],
    packages: express,
    fast: true,
  },
  {
    name: "cjs-syntax-error",
    group: "frameworks",
    fixture: "express-cjs",
    about: "the `npm init -y` Express app with a syntax error saved in routes.js, then fixed",
    entry: "server.js",
    edits: [{ file: "routes.js", syntaxError: true }, "routes.js"],
    requests: ["/", "/tick"],
    packages: express,
  },
  {
    name: "esm-syntax-error",
    group: "frameworks",
    fixture: "node-http",
    about: "the node:http app with a syntax error saved in routes.mjs, then fixed",
    entry: "server.mjs",
    edits: [{ file: "routes.mjs", syntaxError: true }, "routes.mjs"],
    requests: ["/", "/about"],
  },
  {
    name: "cjs-runtime-error",
    group: "frameworks",
    fixture: "express-cjs",
    about: "the `npm init -y` Express app with a routes.js that throws as it runs: the old version keeps its interval and SIGTERM handler",
    entry: "server.js",
    edits: [{ file: "routes.js", throws: true }, "routes.js", { file: "routes.js", throws: true }],
    requests: ["/", "/tick"],
    packages: express,
    fast: true,
  },
  {
    name: "esm-runtime-error",
    group: "frameworks",
    fixture: "runtime-error",
    about: "a node:http app with an interval and a SIGTERM handler, and a routes.mjs that throws as it runs",
    entry: "server.mjs",
    edits: [{ file: "routes.mjs", throws: true }, "routes.mjs", { file: "routes.mjs", throws: true }],
    requests: ["/", "/tick"],
    fast: true,
  },
  {
    name: "poller",
    group: "in-flight",
    about:
      "a polling loop at the top level through node:timers/promises (`await setTimeout(ms)` in a loop, `for await` over `setInterval(ms)`)",
    entry: "server.mjs",
    edits: ["server.mjs", "routes.mjs", "server.mjs"],
    requests: ["/", "/polls"],
    fast: true,
  },
  {
    name: "express-esm",
    group: "frameworks",
    about: "Express 5 in ES modules, the README's quick start with its SIGTERM handler",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs", "routes.mjs"],
    requests: ["/", "/about"],
    packages: express,
  },
  {
    name: "fastify",
    group: "frameworks",
    about: "Fastify 5 with routes in a plugin module and `await app.listen()`",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
    requests: ["/", "/about"],
    packages: ["fastify"],
  },
  {
    name: "koa",
    group: "frameworks",
    about: "Koa with a middleware module",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
    packages: ["koa"],
  },
  {
    name: "hono",
    group: "frameworks",
    about: "Hono on @hono/node-server's serve()",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
    packages: ["hono", "@hono/node-server"],
  },
  {
    name: "node-http",
    group: "transports",
    about: "node:http createServer with a handler module",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs", "routes.mjs"],
    requests: ["/", "/about"],
    fast: true,
  },
  {
    name: "in-place-off",
    group: "transports",
    fixture: "node-http",
    about:
      "the node:http app with the documented opt-out HOTLOAD_IN_PLACE=0: hotload says it needs a restart and the old version keeps working",
    entry: "server.mjs",
    edits: ["routes.mjs"],
    env: { HOTLOAD_IN_PLACE: "0" },
  },
  {
    name: "http2-stream",
    group: "transports",
    about: 'HTTP/2 core API: `server.on("stream")`, a session kept open across edits',
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
    transport: "http2",
    fast: true,
  },
  {
    name: "http2-request",
    group: "transports",
    about: 'HTTP/2 with the compatibility API (`on("request")`)',
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
    transport: "http2",
  },
  {
    name: "https",
    group: "transports",
    about: "https.createServer with a self-signed certificate read from files",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
    transport: "https",
    needs: "openssl",
  },
  {
    name: "unix-unlink",
    group: "transports",
    about: "an HTTP server on a unix socket that unlinks its path before listen(path)",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
    transport: "unix",
    fast: true,
  },
  {
    name: "helper-listen",
    group: "transports",
    about: "the entry calls startServer(handler) from lib/server.mjs, which calls listen()",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
    fast: true,
  },
  {
    name: "sse",
    group: "in-flight",
    about: "server-sent events with a per-connection setInterval",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
    sse: "/events",
  },
  {
    name: "websocket",
    group: "transports",
    about: "a ws WebSocketServer on an http server, a socket opened before each edit",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
    webSocket: "/",
    needs: "ws",
  },
  {
    name: "long-poll",
    group: "in-flight",
    about: "a long poll answered after `await sleep(1500)`",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
    longPoll: "/poll",
  },
  {
    name: "graceful-shutdown",
    group: "in-flight",
    about: '`process.on("SIGTERM", () => server.close())` with keepAliveTimeout 9000 and a keep-alive client',
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
  },
  {
    name: "slow-start",
    group: "in-flight",
    about: "an entry that awaits its database before it listens and adds its SIGTERM handler, told SIGTERM while a save re-runs it",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
    sigtermWhileStarting: /^starting$/,
    fast: true,
  },
  {
    name: "await-sigterm",
    group: "in-flight",
    about: '`await once(process, "SIGTERM")` at the top level of the entry, then `server.close()`: its evaluation settles only at shutdown',
    entry: "server.mjs",
    edits: ["server.mjs", "routes.mjs", "routes.mjs"],
  },
  {
    name: "worker-pool",
    group: "processes",
    about: "a pool of two worker_threads answering tasks on parentPort, no hot code",
    entry: "server.mjs",
    edits: ["worker.mjs", "worker.mjs"],
    events: { via: "http", send: (id) => `/task/${id}`, answer: (id) => new RegExp(`^answer ${id} `), spread: 2 },
    fast: true,
  },
  {
    name: "readline-bot",
    group: "processes",
    about: "a readline interface on stdin answering each line",
    entry: "bot.mjs",
    edits: ["replies.mjs", "bot.mjs"],
    transport: "none",
    ready: /^ready$/,
    events: { via: "stdin", send: (id) => `ping ${id}`, answer: (id) => new RegExp(`^pong ${id} `) },
  },
  {
    name: "event-bus",
    group: "processes",
    about: 'job handlers registered with `bus.on("job", …)` on an EventEmitter exported by a kept module',
    entry: "server.mjs",
    edits: ["handlers.mjs", "handlers.mjs", "server.mjs"],
    events: { via: "http", send: (id) => `/job/${id}`, answer: (id) => new RegExp(`^handled ${id} `) },
    fast: true,
  },
  {
    name: "cluster-primary",
    group: "processes",
    about: "Node's documented cluster example: a primary forking 2 workers that share a port",
    entry: "server.mjs",
    edits: ["server.mjs", "server.mjs"],
    // The primary is not run again (one line says so); its workers, each under hotload, update
    // themselves in place and serve the new code, as a restart's new workers would.
  },
  {
    name: "entry-cycle",
    group: "modules",
    about: "routes.mjs imports `config` back from the entry",
    entry: "server.mjs",
    edits: ["server.mjs", "routes.mjs"],
  },
  {
    name: "shared-app",
    group: "modules",
    about: "routes registered on a shared Express app as a side effect of importing routes/users.mjs",
    entry: "server.mjs",
    edits: ["routes/users.mjs", "server.mjs"],
    requests: ["/users", "/"],
    packages: express,
  },
  {
    name: "config-env",
    group: "modules",
    about: "settings read from the environment in config.mjs",
    entry: "server.mjs",
    edits: ["config.mjs", "routes.mjs"],
    env: { GREETING: "hello from env" },
  },
  {
    name: "env-file",
    group: "modules",
    about: "settings from `node --env-file=.env`, with .env edited (in place cannot see it: one line says a restart is needed)",
    entry: "server.mjs",
    edits: [".env"],
    nodeArgs: ["--env-file=.env"],
    fast: true,
  },
  {
    name: "typescript",
    group: "typescript",
    about: "TypeScript run by Node's type stripping (`node server.ts`)",
    entry: "server.ts",
    edits: ["routes.ts", "server.ts"],
  },
  {
    name: "tsx",
    group: "typescript",
    about: "TypeScript with an enum through `node --import tsx` (the newest tsx)",
    entry: "server.ts",
    edits: ["routes.ts", "server.ts"],
    nodeArgs: ["--import", "tsx"],
    packages: ["tsx"],
  },
  {
    name: "tsx-cjs",
    group: "typescript",
    about: 'TypeScript through `node --import tsx` in a package without "type" (tsx compiles to CommonJS)',
    entry: "server.ts",
    edits: ["routes.ts", "server.ts"],
    nodeArgs: ["--import", "tsx"],
    packages: ["tsx"],
  },
  {
    name: "import-meta-main",
    group: "modules",
    about: "an ES module that starts its server under `if (import.meta.main)`",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
    needs: "import.meta.main",
  },
  {
    name: "argv-main",
    group: "modules",
    about: "`import.meta.url === pathToFileURL(process.argv[1]).href` guarding start()",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
  },
  {
    name: "dynamic-import",
    group: "modules",
    about: "an entry that loads its routes with top-level `await import()`",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
  },
  {
    name: "job-queue",
    group: "in-flight",
    about: "jobs queued by HTTP and drained by a setInterval in the entry",
    entry: "server.mjs",
    edits: ["server.mjs", "jobs.mjs"],
    events: { via: "http", send: (id) => `/job/${id}`, answer: (id) => new RegExp(`^done ${id} `) },
  },
  {
    name: "child-process",
    group: "processes",
    about: "an entry that forks a helper process and relays its answers",
    entry: "server.mjs",
    edits: ["routes.mjs", "server.mjs"],
  },
  {
    name: "express-router",
    group: "frameworks",
    about: "CommonJS Express with an express.Router per folder mounted under /api",
    entry: "app.js",
    edits: ["routes/items.js", "app.js"],
    requests: ["/api/items", "/"],
    packages: express,
  },
  {
    name: "koa-cjs",
    group: "frameworks",
    about: "Koa in CommonJS with `module.exports = app` and `require.main === module`",
    entry: "index.js",
    edits: ["middleware.js", "index.js"],
    packages: ["koa"],
  },
  ...tsxMatrix(),
];

/** The shape called `name` (throws for an unknown name). */
export function shapeNamed(name: string): Shape {
  const shape = SHAPES.find((s) => s.name === name);
  if (!shape) throw new Error(`no oracle shape named ${name}: ${SHAPES.map((s) => s.name).join(", ")}`);
  return shape;
}
