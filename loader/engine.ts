/**
 * The engine's bundle (dist/loader/engine.js, and its script build): the runtime and what wires it
 * to the process. loader/lazy-engine.ts loads it off the start-up path.
 */
import type { InPlace } from "../src/inplace/inplace.js";
import { Runtime, type RuntimeNotifier } from "../src/engine/runtime.js";
import type { Scope } from "../src/engine/modules/scope.js";
import type { SupervisorLink } from "./link.js";
import { EnvFiles, tellsEnvFiles, type EnvFileLoad } from "../src/watch/env-files.js";

/** What the start-up hooks made that the engine works with. */
export interface EngineParts {
  readonly scope: Scope;
  readonly link: SupervisorLink | undefined;
  /** The supervisor (the `hotload` command), when there is one. */
  readonly notifier: RuntimeNotifier | undefined;
  readonly inPlace: InPlace | undefined;
  /** The files the program loaded with process.loadEnvFile() so far (none under the command). */
  readonly envFileLoads: { stop(): readonly EnvFileLoad[] } | undefined;
}

/** Makes the runtime of this process. */
export function startEngine({ scope, link, notifier, inPlace, envFileLoads }: EngineParts): Runtime {
  const runtime = new Runtime(scope, { notifier, inPlace });
  if (inPlace)
    runtime.onUpdate((result) => {
      const released = inPlace.settled(result);
      if (released === "half") runtime.halfUpdated(result);
      // Under the command, new code that failed as it ran again in this process may run in a fresh
      // one (a property defined once, a name registered once, a relative chdir): a restart tries it,
      // and the previous version keeps serving if that fails too.
      else if (released === "restored" && notifier) runtime.threwInPlace(result);
    });
  link?.onRetire(() => runtime.retire());
  // The command restarts on a change to an environment file; without it, one line says a restart is needed.
  const loaded = envFileLoads?.stop();
  if (loaded && tellsEnvFiles()) new EnvFiles().install(process.execArgv, loaded);
  return runtime;
}
