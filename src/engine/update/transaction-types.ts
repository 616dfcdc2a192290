/**
 * What an update transaction (transaction.ts) is given and what it ends with: the engine's parts it
 * reads and changes, its effects on the world, its input, whom it tells of its progress, and its
 * outcome.
 */
import type { BeforeUpdateEvent } from "../../hot-types.js";
import type { DebugMessage } from "../../shared/log.js";
import type { UpdateFailure } from "../failure/diagnose.js";
import type { RunningEntry } from "../hot/entry-evaluation.js";
import type { LiveBindings } from "../hot/live-bindings.js";
import type { ModuleRegistry } from "../modules/registry.js";
import type { HookTracker } from "../modules/tracker.js";
import type { VersionTable } from "../modules/versions.js";
import type { HandlerRunner } from "./handlers.js";
import type { InvalidationChain } from "./invalidation.js";
import type { PropagationView } from "./propagate.js";
import type { UpdateTimings } from "./timings.js";
import type { InPlaceLook } from "./unsettled.js";

/** What the transaction does to the world outside the engine. */
export interface TransactionEffects {
  /** `import()` of a module URL; a JSON module is imported with its type attribute. */
  importModule(url: string, json: boolean): Promise<Record<string, unknown>>;
  /** require.cache (CommonJS modules load again only when their entry is gone). */
  requireCache(): NodeJS.Dict<NodeJS.Module>;
  /** A require.cache entry whose exports are the ES module `namespace` (see commonjs.ts). */
  requirable(file: string, namespace: Record<string, unknown>): NodeJS.Module;
  /** Where the update's time goes, when measured (see timings.ts). */
  readonly timings?: UpdateTimings | undefined;
  /**
   * A new version of the program's entry runs: `running` when its top level still waits (its file
   * and its evaluation), undefined when it finished (see entry-evaluation.ts).
   */
  entryReplaced?(running: RunningEntry | undefined): void;
}

/** The parts of the engine the transaction reads and changes. */
export interface TransactionHost {
  readonly tracker: HookTracker;
  readonly versions: VersionTable;
  readonly registry: ModuleRegistry;
  readonly live: LiveBindings;
  readonly view: PropagationView;
  readonly handlers: HandlerRunner;
  /** The in-place machinery (inplace/), when on: what an old entry version started stops with it. */
  readonly inPlace:
    | ({
        release(id: string, disposing: boolean): void;
        rolledBack(): void;
        refusal(ids: readonly string[]): string | undefined;
      } & InPlaceLook)
    | undefined;
  /** Whether `url` is an entry that updates in place (it accepts itself without saying so). */
  acceptsInPlace(url: string): boolean;
  isHot(url: string): boolean;
  /** Removes a module from the graph, the registry and the watch list. */
  forget(id: string): void;
  /** A new gate id (one gate module per update stays in Node's module map). */
  nextGateId(): number;
  /** While accept callbacks run: the invalidations that led to this update (undefined after). */
  accepting(chain: InvalidationChain | undefined): void;
  /** Settles when a newer save comes than those before this call. */
  superseded?(): Promise<void>;
}

export interface TransactionInput {
  /** Module ids whose content changed (and the module that invalidated itself, if one did). */
  readonly changed: readonly string[];
  /** The content of each changed module as read now (applied if the update commits). */
  readonly contents: ReadonlyMap<string, Buffer>;
  /** What each changed module held before (restored on roll-back). */
  readonly previous: ReadonlyMap<string, string | Buffer | undefined>;
  /** The module that invalidated itself, for an update that comes from `invalidate()`. */
  readonly invalidator?: string | undefined;
  /** The invalidations that led to this update. */
  readonly chain?: InvalidationChain | undefined;
}

/** Who hears how far the transaction got (the reporter, which decides what is said: see reporter.ts). */
export interface TransactionProgress {
  /** The update is planned: these files change, these modules take the update. */
  planned(payload: BeforeUpdateEvent): void;
  /** The new code runs (evaluated; before pruning and accept handlers). */
  running(): void;
  /** A line for the debug log (what the plan is, what was evaluated). */
  debug(message: DebugMessage): void;
  /** The new code has not finished evaluating after `ms`: the update still waits for `file`. */
  late(file: string, ms: number): void;
}

export type TransactionOutcome =
  /** Nothing accepts the change, or a module declined it: nothing ran. `chain` holds files (or URLs); `refused`: why in place refused it, and what runs now (the end of hotload's line). */
  | { readonly kind: "dead-end"; readonly reason: "unaccepted" | "declined"; readonly chain: readonly string[]; readonly refused?: string }
  /** An accept callback's invalidate() came back round an import cycle: nothing ran. */
  | { readonly kind: "cycle"; readonly back: string; readonly chain: readonly string[] }
  /** The new code did not load, link or evaluate: everything is back as it was. */
  | {
      readonly kind: "rolled-back";
      readonly failure: UpdateFailure;
      readonly reevaluated: readonly string[];
      readonly boundaries: readonly string[];
      /** Files not in the graph whose next save is worth another try (in order). */
      readonly awaits: readonly string[];
    }
  /** The new code runs; `handlerErrors` holds what dispose, prune and accept handlers threw. */
  | {
      readonly kind: "applied";
      readonly reevaluated: readonly string[];
      readonly boundaries: readonly string[];
      readonly handlerErrors: readonly unknown[];
      /** The program's entry, whose top level still waits (see unsettled.ts). */
      readonly running?: string | undefined;
    };
