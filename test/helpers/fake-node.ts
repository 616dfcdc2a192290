/**
 * A fake of what Node does for the engine, for unit tests of the update transaction: it loads,
 * links and evaluates modules by calling the runtime as loader/hooks.ts and a module's line 1 do
 * (resolved, loaded, gate, hot), with no real import(). The runtime under test is the real one;
 * only its effects (import(), require.cache, the clock, the watcher) are these fakes.
 *
 * A module's file holds a JSON description of what it does, in a comment, so that editing it
 * (a real file, read by the engine's change detection) changes its behaviour:
 *
 *   /* {"imports": ["./b.mjs"], "accept": ["./b.mjs"], "value": 1} *\/ export {};
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { RuntimeEffects } from "../../src/engine/update/effects.js";
import type { HotContext } from "../../src/engine/hot/hot.js";
import { Runtime } from "../../src/engine/runtime.js";
import { Scope } from "../../src/engine/modules/scope.js";
import { isRootsUrl } from "../../src/shared/urls.js";
import type { UpdateResult } from "../../src/engine/update/update-result.js";
import type { TouchedBatch } from "../../src/watch/watcher.js";

/** What a fake module does when it evaluates. */
export interface ModuleSpec {
  /** Specifiers it imports (relative). */
  readonly imports?: readonly string[];
  /** `"self"`, or the specifiers whose updates it accepts (its callback records the namespaces). */
  readonly accept?: "self" | readonly string[];
  /** Its accept callback throws this message. */
  readonly acceptThrows?: string;
  /** Its accept callback calls `import.meta.hot.invalidate()`. */
  readonly invalidates?: boolean;
  /** Registers a dispose handler (recorded in the journal). */
  readonly dispose?: boolean;
  /** Its evaluation throws this message. */
  readonly throws?: string;
  /** It does not parse: the load fails before anything evaluates. */
  readonly syntaxError?: boolean;
  /** Its export `value`. */
  readonly value?: unknown;
}

/** A runtime driven by fake hooks over a temporary folder of fake modules. */
export class FakeNode {
  readonly dir: string = mkdtempSync(join(tmpdir(), "hotload-fake-"));
  /** What happened, in order: `eval b.mjs@1`, `dispose b.mjs`, `accept app.mjs: 2`, ... */
  readonly journal: string[] = [];
  /** Every settled update, in order. */
  readonly results: UpdateResult[] = [];
  /** Every line hotload said, in order, as `level: message`. */
  readonly said: string[] = [];
  readonly runtime: Runtime;
  readonly requireCache: NodeJS.Dict<NodeJS.Module> = {};
  #onBatch: ((batch: TouchedBatch) => Promise<void>) | undefined;
  /** Node's module map: one instance per URL (a failed evaluation stays failed). */
  readonly #instances = new Map<
    string,
    { spec: ModuleSpec; evaluated: boolean; failed: unknown; namespace: Record<string, unknown>; gate: number | undefined }
  >();
  #clock = 0;

  constructor(files: Record<string, ModuleSpec>) {
    for (const [name, spec] of Object.entries(files)) this.write(name, spec);
    const effects: RuntimeEffects = {
      importModule: (url) => this.#import(url),
      requireCache: () => this.requireCache,
      requirable: (file, namespace) => ({ filename: file, exports: namespace, loaded: true }) as NodeJS.Module,
      now: () => (this.#clock += 1),
      log: {
        info: (message) => void this.said.push(`info: ${message}`),
        success: (message) => void this.said.push(`success: ${message}`),
        warn: (message) => void this.said.push(`warn: ${message}`),
        error: (message) => void this.said.push(`error: ${message}`),
        debug: () => undefined,
        timing: () => undefined,
      },
      watch: (onBatch) => {
        this.#onBatch = onBatch;
        return { add: () => undefined, remove: () => undefined };
      },
    };
    // hotload's own code: anything but the temporary folder.
    this.runtime = new Runtime(new Scope(fileURLToPath(new URL("../../", import.meta.url))), { effects });
    // Not the empty updates of idle().
    this.runtime.onUpdate((result) => void (result.files.length > 0 && this.results.push(result)));
  }

  /** Writes `name` (relative to the folder) with what it does. */
  write(name: string, spec: ModuleSpec): void {
    const text = `/* ${JSON.stringify(spec)} */ ${spec.syntaxError ? "export const = ;" : "export {};"}\n`;
    writeFileSync(this.path(name), text);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  url(name: string): string {
    return pathToFileURL(this.path(name)).href;
  }

  /** Starts the program at `entry`, as `node app.mjs` would. */
  async start(entry: string): Promise<Record<string, unknown>> {
    return this.#import(this.runtime.resolved(this.url(entry), undefined));
  }

  /** Saves `name` with a new behaviour and applies the update, as a save and its watcher batch would. */
  async save(name: string, spec: ModuleSpec): Promise<UpdateResult> {
    this.write(name, spec);
    return this.runtime.update([this.path(name)]);
  }

  /** Hands the runtime a watcher batch of `names`. */
  async batch(names: readonly string[]): Promise<void> {
    const changed = names.map((name) => this.path(name));
    await this.#onBatch!({ changed, deleted: [], sizes: new Map(changed.map((file) => [file, readFileSync(file).length])) });
  }

  /** Waits until every queued update (retries, invalidations) has run; throws if they never stop. */
  async idle(maxRounds = 20): Promise<void> {
    let before = -1;
    for (let round = 0; before !== this.results.length; round++) {
      if (round === maxRounds) throw new Error(`updates still coming after ${maxRounds} rounds (${this.results.length} so far)`);
      before = this.results.length;
      await this.runtime.update([]);
    }
  }

  /** The version of `name` that an import now gets. */
  version(name: string): number {
    return this.runtime.snapshot().modules.find((m) => m.file === this.path(name))?.version ?? -1;
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** `import(url)`: load and link everything new, then evaluate in post-order, waiting at the gate. */
  async #import(url: string): Promise<Record<string, unknown>> {
    const roots = isRootsUrl(url)
      ? [...decodeURIComponent(url.slice(url.indexOf(",") + 1)).matchAll(/from "([^"]+)"/g)].map((m) => m[1]!)
      : [url];
    const order: string[] = [];
    for (const root of roots) this.#load(root, order, new Set());
    // A module whose evaluation throws stops the evaluation of everything after it. A new version
    // imports the gate module after its own imports: evaluation stops there until the gate opens.
    let waited = false;
    for (const u of order) {
      const { gate } = this.#instances.get(u)!;
      if (gate !== undefined && !waited) {
        waited = true;
        await this.runtime.gate(gate);
      }
      this.#evaluate(u);
      const failed = this.#instances.get(u)!.failed;
      if (failed !== undefined) throw failed;
    }
    if (roots.length === 1) return this.#instances.get(roots[0]!)!.namespace;
    return Object.fromEntries(roots.map((root, i) => [`r${i}`, this.#instances.get(root)!.namespace]));
  }

  #load(url: string, order: string[], seen: Set<string>): void {
    if (this.#instances.has(url) || seen.has(url)) return;
    seen.add(url);
    const file = fileURLToPath(url.replace(/\?.*$/, ""));
    const text = readFileSync(file, "utf8");
    const code = this.runtime.loaded(url, "module", Buffer.from(text))?.source;
    // What Node evaluates: the source the load hook returned, else what it read.
    const spec = JSON.parse(/\/\* (.*) \*\//.exec(code ?? text)![1]!) as ModuleSpec;
    if (spec.syntaxError) throw new SyntaxError(`Unexpected token '=' (${file})`);
    for (const specifier of spec.imports ?? []) {
      this.#load(this.runtime.resolved(new URL(specifier, url).href.replace(/\?.*$/, ""), url), order, seen);
    }
    const gate = code === undefined ? undefined : Number(/gate\((\d+)\)/.exec(decodeURIComponent(code))?.[1] ?? NaN);
    this.#instances.set(url, { spec, evaluated: false, failed: undefined, namespace: {}, gate: Number.isNaN(gate) ? undefined : gate });
    order.push(url);
  }

  #evaluate(url: string): void {
    const instance = this.#instances.get(url)!;
    if (instance.evaluated) return;
    instance.evaluated = true;
    const spec = instance.spec;
    const name = fileURLToPath(url.replace(/\?.*$/, "")).slice(this.dir.length + 1);
    const version = /[?&]hotload=(\d+)/.exec(url)?.[1] ?? "0";
    const meta = { url, resolve: (specifier: string) => new URL(specifier, url).href } as unknown as ImportMeta;
    const hot: HotContext = this.runtime.hot(meta);
    this.journal.push(`eval ${name}@${version}`);
    if (spec.dispose) hot.dispose(() => void this.journal.push(`dispose ${name}@${version}`));
    const onAccept = (namespace: unknown): void => {
      this.journal.push(
        `accept ${name}: ${JSON.stringify((Array.isArray(namespace) ? namespace[0] : namespace) as Record<string, unknown> | undefined)}`,
      );
      if (spec.invalidates) hot.invalidate();
      if (spec.acceptThrows !== undefined) throw new Error(spec.acceptThrows);
    };
    if (spec.accept === "self") hot.accept(onAccept);
    else if (spec.accept) hot.accept(spec.accept, onAccept);
    if (spec.throws !== undefined) {
      instance.failed = new Error(spec.throws);
      this.journal.push(`threw ${name}@${version}`);
      return;
    }
    instance.namespace = { value: spec.value };
  }
}
