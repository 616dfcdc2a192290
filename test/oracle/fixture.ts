/**
 * A shape's app on disk, for the restart oracle: its fixture copied to a temporary folder with the
 * packages it imports linked, a free port, a certificate when it serves https, and the edits.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { copyFixture, edit, removeAtExit, ROOT, type SpawnOptions } from "../helpers/e2e.js";
import type { Target } from "./observer.js";
import type { Edit, Shape } from "./shapes.js";

/** A copy of a shape's fixture, ready to run: what the torture test needs to start an entry shape. */
export interface Prepared {
  readonly dir: string;
  readonly entry: string;
  readonly target: Target;
  readonly spawn: SpawnOptions;
}

/** Copies the shape's fixture to a temp folder, links the packages it imports, gives it a port. */
export async function prepare(shape: Shape): Promise<Prepared> {
  const dir = copyFixture(`oracle/${shape.fixture ?? shape.name}`);
  for (const [name, folder] of packagesOf(shape)) {
    const link = join(dir, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    if (!existsSync(link)) symlinkSync(packageDir(folder)!, link, "dir");
  }
  if (shape.needs === "openssl") cpSync(certificate(), dir, { recursive: true });
  const port = await freePort();
  const socketPath = join(dir, "app.sock");
  const env = { PORT: String(port), SOCKET: socketPath, ...shape.env };
  return {
    dir,
    entry: join(dir, shape.entry),
    target: { transport: shape.transport === "none" ? "http" : (shape.transport ?? "http"), port, socketPath },
    spawn: { env, nodeArgs: [...(shape.nodeArgs ?? [])], stdin: true },
  };
}

/** What a syntax-error edit appends (the next edit of the file takes it out again). */
const BROKEN = "\n);// the oracle's syntax error\n";
/** What a runtime-error edit appends: valid code that throws as the module evaluates. */
const THROWS = '\nthrow new Error("the oracle\'s runtime error");\n';

/**
 * Edit number `n` (from 1): every `rev N…` marker in the file becomes `rev n +…+` (n plus signs),
 * so each edit changes the file's byte length and each version answers with its own marker. A
 * syntax-error edit instead appends a stray `)`, a runtime-error edit a `throw`, which the file's
 * next edit removes.
 */
export function applyEdit(dir: string, change: Edit, n: number): void {
  const file = fileOf(change);
  edit(join(dir, file), (old) => {
    if (typeof change !== "string") return old + ("throws" in change ? THROWS : BROKEN);
    if (!/rev \d+/.test(old)) throw new Error(`${file} has no "rev N" marker to edit`);
    return old
      .replace(BROKEN, "")
      .replace(THROWS, "")
      .replace(/rev \d+( \+*)?/g, `rev ${n} ${"+".repeat(n)}`);
  });
}

export const fileOf = (change: Edit): string => (typeof change === "string" ? change : change.file);
export const labelOf = (change: Edit, n: number): string =>
  `after edit ${n} (${typeof change === "string" ? change : `${change.file}, ${"throws" in change ? "a runtime error" : "a syntax error"}`})`;

/** Why `shape` cannot run here (a missing tool or package), or undefined. */
export function unavailable(shape: Shape): string | undefined {
  const missing = packagesOf(shape).filter(([, folder]) => packageDir(folder) === undefined);
  if (missing.length > 0) {
    // A versioned folder is an npm alias: tsx-4.20.3 is installed as tsx-4.20.3@npm:tsx@4.20.3.
    const specs = missing.map(([name, folder]) => (folder === name ? folder : `${folder}@npm:${name}@${folder.slice(name.length + 1)}`));
    return `not installed: npm install --prefix DIR ${specs.join(" ")}, then HOTLOAD_ORACLE_NODE_MODULES=DIR/node_modules`;
  }
  switch (shape.needs) {
    case undefined:
      return undefined;
    case "openssl":
      return which("openssl") ? undefined : "openssl is not installed (needed for a self-signed certificate)";
    case "ws":
      return undefined; // a package: checked above
    case "import.meta.main":
      return supportsImportMetaMain() ? undefined : `Node ${process.version} has no import.meta.main`;
  }
}

/** [name in the app's node_modules, folder it is found as] for each package the shape links. */
function packagesOf(shape: Shape): [string, string][] {
  const names = [...(shape.packages ?? []), ...(shape.needs === "ws" ? ["ws"] : [])];
  return names.map((entry) => {
    const [name, folder] = entry.split("=");
    return [name!, folder ?? name!];
  });
}

/**
 * Where package `name` is: this repository's node_modules, or HOTLOAD_ORACLE_NODE_MODULES (a
 * scratch `npm install --prefix` folder's node_modules, for a package that is not a devDependency).
 */
function packageDir(name: string): string | undefined {
  const extra = process.env["HOTLOAD_ORACLE_NODE_MODULES"];
  return [join(ROOT, "node_modules", name), ...(extra ? [join(extra, name)] : [])].find((dir) => existsSync(dir));
}

/** A port nothing listens on now. */
/**
 * A port no one listens on, below Linux's ephemeral range (32768 and up): a port the kernel picked
 * for `listen(0)` can be taken meanwhile by any client's outgoing connection (another test file's,
 * running beside this one), and the app's listen() then fails with EADDRINUSE.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.on("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

let certDir: string | undefined;

/** A folder with key.pem and cert.pem, a self-signed certificate made once per process. */
function certificate(): string {
  if (certDir) return certDir;
  const dir = mkdtempSync(join(tmpdir(), "hotload-oracle-cert-"));
  removeAtExit(dir);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
    ],
    { stdio: "ignore" },
  );
  return (certDir = dir);
}

function which(command: string): boolean {
  try {
    execFileSync(command, ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

let importMetaMain: boolean | undefined;

function supportsImportMetaMain(): boolean {
  importMetaMain ??=
    execFileSync(process.execPath, ["--input-type=module", "-e", "process.stdout.write(String(import.meta.main))"], {
      encoding: "utf8",
    }) === "true";
  return importMetaMain;
}
