/**
 * The update transaction: one update of a set of changed modules, from plan to commit or roll-back.
 *
 *   plan → checkpoint → load behind the gate → dispose → evaluate → prune → accept → commit
 *
 * New ES module versions load and link first and wait at the update's gate (gate.ts): reaching it
 * means no syntax or link error, so the old versions are disposed only then. When anything fails,
 * versions, graph edges and require.cache go back to the checkpoint, and every later import gets
 * the last good version. The outcome is returned, never thrown, as a closed union.
 *
 * What touches the outside world (import(), require.cache) comes in as {@link TransactionEffects},
 * and what is said of it goes to a {@link TransactionProgress} (the reporter), so that
 * test/unit/transaction.test.ts runs it with fakes.
 */
import { displayPath } from "../../shared/log.js";
import { diagnose } from "../failure/diagnose.js";
import { Gate } from "./gate.js";
import type { HandlerKind } from "./handlers.js";
import { disposes, registrations, type HotContext } from "../hot/hot.js";
import type { HotData } from "../../hot-types.js";
import { cameBack } from "./invalidation.js";
import { missingExportError } from "../hot/live-bindings.js";
import { propagate, updateRoots, type UpdatePlan } from "./propagate.js";
import { fileOf } from "../modules/scope.js";
import { isEsm, type UpdateSession } from "../modules/tracker.js";
import { disposedBeforeLinking, preflight, type PreflightView } from "../commonjs/commonjs-preflight.js";
import { rootNamespace, rootsUrl, stripVersion, withVersion } from "../../shared/urls.js";
import type { RunningEntry } from "../hot/entry-evaluation.js";
import type {
  TransactionEffects,
  TransactionHost,
  TransactionInput,
  TransactionOutcome,
  TransactionProgress,
} from "./transaction-types.js";
import { ENTRY_LOOK_MS, entryLook, evaluationWithin } from "./unsettled.js";

/** How to put one module back as it was (see {@link UpdateTransaction}). */
interface Checkpoint {
  readonly version: number;
  readonly imports: ReadonlySet<string>;
  readonly seen: string | Buffer | undefined;
  readonly context: HotContext | undefined;
  /** The CommonJS module cached for the file before the update (restored on roll-back). */
  readonly cached: NodeJS.Module | undefined;
}

/** One update, run once by {@link run}. */
export class UpdateTransaction {
  readonly #host: TransactionHost;
  readonly #effects: TransactionEffects;
  readonly #input: TransactionInput;
  readonly #checkpoints = new Map<string, Checkpoint>();
  readonly #handlerErrors: unknown[] = [];
  readonly #namespaces = new Map<string, Record<string, unknown>>();
  /** Modules whose old version was disposed (stopped, if the update fails). */
  readonly #disposed = new Set<string>();
  #invalidated: readonly string[] = [];
  #inPlace: TransactionHost["inPlace"];
  readonly #progress: TransactionProgress;
  /** Settles when a newer save comes than those before this update. */
  #superseded: Promise<void> | undefined;
  /** The program's entry, applied while its top level still waits: its file and its evaluation (see unsettled.ts). */
  #running: RunningEntry | undefined;

  constructor(host: TransactionHost, effects: TransactionEffects, input: TransactionInput, progress: TransactionProgress) {
    this.#host = host;
    this.#effects = effects;
    this.#input = input;
    this.#progress = progress;
  }

  /** Runs the update. Never throws for what the user's code does. */
  async run(): Promise<TransactionOutcome> {
    const { registry } = this.#host;
    this.#superseded = this.#host.superseded?.();
    const { contents, invalidator } = this.#input;
    for (const [id, content] of contents) registry.validated(id, content);
    const plan = propagate(this.#input.changed, this.#host.view, invalidator === undefined ? undefined : new Set([invalidator]));
    if (plan.kind === "dead-end")
      return { kind: "dead-end", reason: plan.reason, chain: plan.chain.map((url) => (url.startsWith("file:") ? fileOf(url) : url)) };
    const back = cameBack(this.#input.chain, plan.boundaries);
    // Its callback would invalidate again, and so on round the cycle for ever.
    if (back !== undefined) return { kind: "cycle", back, chain: [...this.#input.chain!, back].map(fileOf) };
    // The module that invalidated itself already runs its newest version: its importers re-import it.
    this.#invalidated = plan.invalidated.filter((id) => id !== invalidator || contents.has(id));
    this.#inPlace = plan.boundaries.some((b) => b.self && this.#host.acceptsInPlace(b.url)) ? this.#host.inPlace : undefined;
    // In place, a version that started what hotload cannot retire, with no dispose handler for it, stays untouched (inplace/).
    const refused = this.#inPlace?.refusal(this.#invalidated.filter((id) => !disposes(registry.current(id))));
    if (refused !== undefined)
      return {
        kind: "dead-end",
        reason: "unaccepted",
        chain: [...this.#input.changed, ...plan.boundaries.map((b) => b.url)].map(fileOf),
        refused,
      };
    const boundaries = plan.boundaries.map((b) => registry.get(b.url)?.file ?? b.url);
    this.#announce(plan, boundaries);
    this.#checkpoint();
    const session: UpdateSession = { evaluated: [], sources: new Map(), shifts: new Map(), gate: new Gate(this.#host.nextGateId()) };
    const roots = updateRoots(plan.boundaries, this.#invalidated, this.#input.invalidator);
    const failed = await this.#load(plan, roots, session);
    if (failed !== undefined) return this.#rollBack(failed.error, failed.evaluating, session, boundaries);
    return this.#commit(plan, roots, session, boundaries);
  }

  #announce(plan: UpdatePlan, boundaries: readonly string[]): void {
    const changedFiles = [...new Set(this.#input.changed.map((id) => this.#host.registry.get(id)!.file))];
    const shown = (url: string): string => displayPath(fileOf(url));
    this.#progress.debug(
      () =>
        `plan for ${changedFiles.map(displayPath).join(", ")}: re-evaluate ${this.#invalidated.map(shown).join(", ") || "nothing"}; ` +
        `boundaries ${plan.boundaries.map((b) => `${shown(b.url)}${b.self ? " (self)" : ` (accepts ${b.deps.map(shown).join(", ")})`}`).join(", ")}`,
    );
    this.#progress.planned({ files: changedFiles, boundaries });
  }

  /** Remembers how to put every module the update re-evaluates back as it was. */
  #checkpoint(): void {
    const { registry, tracker, versions } = this.#host;
    for (const id of this.#invalidated) {
      this.#checkpoints.set(id, {
        version: versions.current(id),
        imports: new Set(tracker.graph.get(id)?.imports ?? []),
        seen: registry.get(id)?.seen,
        context: registry.current(id),
        cached: this.#effects.requireCache()[registry.get(id)?.file ?? ""],
      });
    }
  }

  /** Runs the dispose handlers of the old versions `which` selects (once each). */
  async #dispose(which: (id: string) => boolean): Promise<void> {
    // While the new versions wait at the gate: hotload's time, not the program's import.
    const since = this.#effects.timings?.now();
    for (const id of this.#invalidated) {
      // In place, what the old version started stops too (its servers wait to be taken over).
      if (which(id)) {
        this.#inPlace?.release(id, disposes(this.#checkpoints.get(id)!.context));
        this.#disposed.add(id);
      }
      const context = this.#checkpoints.get(id)!.context;
      if (!context || !which(id)) continue;
      const handlers = registrations(context).disposers;
      await this.#runHandlers("dispose", id, handlers);
      // Spent: if the update rolls back, this version stays but must not be disposed twice.
      handlers.length = 0;
    }
    if (since !== undefined) this.#effects.timings!.aside(since);
  }

  /**
   * New versions, imported from the top of each accepted chain: load behind the gate, dispose,
   * evaluate. Returns the error that stopped it, and whether new code had started evaluating.
   * Long because the order of its awaits is the protocol with the gate; each step says why.
   */
  async #load(
    plan: UpdatePlan,
    roots: readonly string[],
    session: UpdateSession,
  ): Promise<{ readonly error: unknown; readonly evaluating: boolean } | undefined> {
    const { registry, versions, tracker } = this.#host;
    const cache = this.#effects.requireCache();
    for (const id of this.#invalidated) {
      versions.bump(id);
      // require() ignores the version query: a CommonJS module (or JSON file) is loaded again
      // only when it is gone from require.cache.
      const file = registry.get(id)?.file;
      if (file !== undefined) delete cache[file];
    }
    const { gate } = session;
    tracker.importing(session);
    const esm = (id: string): boolean => isEsm(registry.get(id)?.format);
    // ES modules that CommonJS code required: imported with the roots, and put in require.cache
    // before any CommonJS root requires them again (see commonjs.ts).
    const required = this.#invalidated.filter((id) => esm(id) && this.#checkpoints.get(id)!.cached !== undefined);
    const esmRoots = [...new Set([...roots.filter(esm), ...required])];
    let evaluating = false;
    try {
      // CommonJS and JSON cannot wait at the gate. Their new versions pass what linking would
      // check first; those an ES module of the update imports run as it links (their old versions
      // go now), the others' old versions go at the gate with the ES modules' (see commonjs-preflight.ts).
      const view: PreflightView = {
        moduleOf: (id) => registry.get(id),
        loaded: (file) => cache[file] !== undefined || this.#invalidated.some((id) => registry.get(id)?.file === file),
        resolvingOnly: (run) => tracker.resolvingOnly(run),
        compilingOnly: (run) => tracker.compilingOnly(run),
      };
      await preflight(this.#invalidated, this.#input.contents, view);
      const early = disposedBeforeLinking(this.#invalidated, esm, (id) => tracker.graph.get(id)?.importers ?? []);
      await this.#dispose((id) => early.has(id));
      if (esmRoots.length > 0) {
        // A changed CommonJS module that an ES root imports runs as soon as it links (it cannot
        // wait at the gate): the ES modules it requires must be evaluated and in require.cache by
        // then, so they are imported first, on their own.
        const first = required.length > 0 && this.#invalidated.some((id) => !esm(id)) ? required : esmRoots;
        const evaluation = this.#importRoots(first);
        evaluation.catch(() => undefined);
        // Evaluation starts only once every new version loaded and linked: reaching the gate means
        // no syntax or link error, so the old versions can be disposed now, and not before.
        await Promise.race([gate.reached, evaluation]);
        evaluating = true;
        await this.#dispose((id) => !early.has(id));
        gate.open();
        await this.#evaluated(evaluation, session);
        for (const id of required)
          cache[registry.get(id)!.file] = this.#effects.requirable(registry.get(id)!.file, this.#namespaces.get(id)!);
        // The rest, through the open gate (a link error here rolls back after the disposal).
        const then = esmRoots.filter((id) => !first.includes(id));
        if (then.length > 0) await this.#evaluated(this.#importRoots(then), session);
      } else {
        evaluating = true;
        await this.#dispose((id) => !early.has(id));
        // A root known as CommonJS may load as an ES module now (a typeless .js file whose syntax
        // changed): its new version waits at the gate, which nothing else would open.
        gate.open();
      }
      for (const id of roots) {
        if (esm(id)) continue;
        // A JSON module is only imported with its type attribute.
        const json = registry.get(id)?.format === "json";
        this.#namespaces.set(id, await this.#effects.importModule(withVersion(id, versions.current(id)), json));
      }
      // An accepting module's live bindings need every name it imports: else it fails like a link error.
      for (const b of plan.boundaries) {
        const missing =
          b.self || this.#checkpoints.has(b.url)
            ? undefined
            : this.#host.live.missing(b.url, versions.current(b.url), b.deps, this.#namespaces);
        if (missing) throw missingExportError(missing, registry.get(b.url)?.seen);
      }
    } catch (error) {
      gate.open();
      tracker.imported();
      return { error, evaluating };
    }
    tracker.imported();
    return undefined;
  }

  /**
   * Waits for new code to evaluate, unless it does not finish and a newer save comes, or it is the
   * program's entry whose top level waits on as a running program's does (see unsettled.ts).
   */
  async #evaluated(evaluation: Promise<void>, session: UpdateSession): Promise<void> {
    if (this.#superseded === undefined) return evaluation;
    const main = this.#entry();
    const entry = main === undefined ? undefined : entryLook(main, session.evaluated, this.#inPlace);
    const waiting = (): string => fileOf(entry?.(true) ? main! : (session.evaluated.at(-1) ?? this.#input.changed[0]!));
    const late = (file: string, ms: number): void => this.#progress.late(file, ms);
    const ms = this.#host.handlers.timeoutMs;
    const wait = { superseded: this.#superseded, ms, waiting, late, entryWaits: entry, entryMs: ENTRY_LOOK_MS };
    const evaluated = await evaluationWithin(evaluation, wait);
    if ("running" in evaluated) this.#running = { file: evaluated.running, evaluation };
  }

  /** The program's entry, when the update runs it again. */
  #entry(): string | undefined {
    return this.#invalidated.find((id) => this.#host.tracker.isMain(id));
  }

  /** Imports the ES roots `ids` together and keeps their namespaces. */
  async #importRoots(ids: readonly string[]): Promise<void> {
    const imported = await this.#effects.importModule(rootsUrl(ids.map((id) => withVersion(id, this.#host.versions.current(id)))), false);
    ids.forEach((id, i) => this.#namespaces.set(id, rootNamespace(imported, i, ids.length)));
  }

  /** Puts everything back as it was at the checkpoint, and finds out what failed and why. */
  async #rollBack(error: unknown, evaluating: boolean, session: UpdateSession, boundaries: readonly string[]): Promise<TransactionOutcome> {
    const { registry, tracker } = this.#host;
    // What the failed versions' loads reported (edges, and the format each loaded as: a typeless
    // .js may have loaded as an ES module this time) must be applied while their versions are
    // current: once the roll-back restores the versions, those loads count as stale and are
    // dropped, and the failure would be located with each module's old format (an ES module
    // syntax error blamed on a typeless .js parsed as CommonJS).
    tracker.flush();
    // Modules the failed versions imported for the first time go with the roll-back; who
    // imported them tells which changed files led to them (see blame.ts).
    const firstImporters = new Map<string, readonly string[]>();
    for (const url of session.sources.keys()) {
      const id = stripVersion(url);
      if (!this.#checkpoints.has(id)) firstImporters.set(id, [...(tracker.graph.get(id)?.importers ?? [])]);
    }
    this.#restore(session);
    this.#inPlace?.rolledBack();
    // Nothing of this update runs: its files count as not applied, except that their content is
    // known to fail (see changes.ts).
    for (const [id, content] of this.#input.contents) registry.failed(id, this.#input.previous.get(id), content);
    registry.stopped(this.#disposed, true);
    const { failure, awaits } = await diagnose(error, evaluating, session, firstImporters, this.#input.contents, {
      formatOf: (id) => registry.get(id)?.format,
      known: (id) => registry.get(id) !== undefined,
      isHot: (url) => this.#host.isHot(url),
    });
    return { kind: "rolled-back", failure, reevaluated: registry.files(session.evaluated), boundaries, awaits };
  }

  /** Versions, graph edges and require.cache as they were; modules loaded first by the failed versions forgotten. */
  #restore(session: UpdateSession): void {
    const { registry, tracker, versions } = this.#host;
    const cache = this.#effects.requireCache();
    for (const [id, checkpoint] of this.#checkpoints) {
      const file = registry.get(id)?.file;
      if (file !== undefined) {
        if (checkpoint.cached) cache[file] = checkpoint.cached;
        else delete cache[file];
      }
      versions.restore(id, checkpoint.version);
      tracker.graph.restoreImports(id, checkpoint.imports);
      registry.dropInstancesExcept(id, checkpoint.version, checkpoint);
    }
    // Modules loaded for the first time by the failed versions are not imported by anything now.
    const firstLoaded = [...session.sources.keys()].map(stripVersion).filter((id) => !this.#checkpoints.has(id));
    for (const id of tracker.graph.unreachable(firstLoaded)) this.#host.forget(id);
  }

  /** The new code runs: prune what nothing imports any more, hand over to the new versions. */
  async #commit(
    plan: UpdatePlan,
    roots: readonly string[],
    session: UpdateSession,
    boundaries: readonly string[],
  ): Promise<TransactionOutcome> {
    // The new code runs: a quiet retry is an update like any other from here (see reporter.ts).
    this.#progress.running();
    const { registry, tracker, versions } = this.#host;
    const lost = new Set<string>();
    for (const [id, checkpoint] of this.#checkpoints) {
      const now = tracker.graph.get(id)?.imports;
      for (const dep of checkpoint.imports) if (!now?.has(dep)) lost.add(dep);
    }
    for (const id of tracker.graph.unreachable(lost)) await this.#prune(id);
    await this.#accept(plan);
    // The replaced versions are gone for good: free what they registered.
    for (const id of this.#checkpoints.keys()) registry.dropInstancesExcept(id, versions.current(id));
    registry.stopped(this.#checkpoints.keys(), false);
    const loadedNow = new Set([...session.sources.keys()].map(stripVersion));
    const reevaluated = registry.files(tracker.graph.evaluationOrder(roots, loadedNow));
    this.#progress.debug(
      () =>
        `evaluated ${reevaluated.map(displayPath).join(", ") || "nothing"} (versions ${this.#invalidated.map((id) => `${displayPath(fileOf(id))}@${versions.current(id)}`).join(", ")})`,
    );
    // The entry ran again: what its top level does from now on is the process's (exit code 13 if it never settles).
    if (this.#entry() !== undefined) this.#effects.entryReplaced?.(this.#running);
    return { kind: "applied", reevaluated, boundaries, handlerErrors: this.#handlerErrors, running: this.#running?.file };
  }

  /** Live bindings, then accept callbacks: a self-accepting module's old version hands over to the new one. */
  async #accept(plan: UpdatePlan): Promise<void> {
    const { registry, versions } = this.#host;
    const namespaces = this.#namespaces;
    for (const b of plan.boundaries)
      if (!b.self && !this.#checkpoints.has(b.url)) this.#host.live.assign(b.url, versions.current(b.url), b.deps, namespaces);
    this.#host.accepting(this.#input.chain);
    for (const boundary of plan.boundaries) {
      if (boundary.self) {
        const context = this.#checkpoints.get(boundary.url)?.context;
        if (context) {
          const callbacks = registrations(context).selfCallbacks.map((cb) => () => cb(namespaces.get(boundary.url)));
          await this.#runHandlers("accept", boundary.url, callbacks);
        }
      } else if (!this.#checkpoints.has(boundary.url)) {
        const context = registry.current(boundary.url);
        if (!context) continue;
        const callbacks = registrations(context)
          .depAccepts.filter((a) => a.callback && a.deps.some((dep) => boundary.deps.includes(dep)))
          .map((a) => () => {
            const mods = a.deps.map((dep) => (boundary.deps.includes(dep) ? namespaces.get(dep) : undefined));
            a.callback!(a.array ? mods : mods[0]);
          });
        await this.#runHandlers("accept", boundary.url, callbacks);
      }
    }
    this.#host.accepting(undefined);
  }

  async #prune(id: string): Promise<void> {
    const record = this.#host.registry.get(id);
    // A module changed and dropped in the same update has no new version: its old one is pruned.
    const context = this.#host.registry.current(id) ?? (record ? [...record.instances.values()].at(-1) : undefined);
    if (context && record) {
      const r = registrations(context);
      await this.#runHandlers("dispose", id, r.disposers);
      await this.#runHandlers("prune", id, r.pruners);
    }
    this.#host.forget(id);
  }

  #runHandlers(kind: HandlerKind, id: string, handlers: readonly ((data: HotData) => unknown)[]): Promise<void> {
    const record = this.#host.registry.get(id);
    return this.#host.handlers.run(kind, record?.file ?? id, record?.data ?? {}, handlers, this.#handlerErrors);
  }
}
