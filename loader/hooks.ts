/**
 * Registers the module hooks (module.registerHooks: synchronous, same thread) and the runtime.
 * The hooks only translate between Node and the runtime; every decision is made there.
 */
import { Module, registerHooks } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InPlace, inPlaceEnabled } from "../src/inplace/inplace.js";
import { Runtime, type RuntimeNotifier } from "../src/runtime.js";
import { Scope } from "../src/scope.js";
import { RUNTIME_SLOT } from "../src/source/inject.js";
import { connectSupervisor, fileReporter } from "./ipc.js";

/** hotload's own compiled code (dist/): never hot. Its fixtures and examples can be. */
const OWN_CODE = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const scope = Scope.fromEnv(OWN_CODE);
const supervisor = connectSupervisor();
let report: ((file: string) => void) | undefined;
const notifier: RuntimeNotifier | undefined = supervisor && {
  filesLoaded: (files) => files.forEach((file) => report?.(file)),
  restartNeeded: supervisor.restartNeeded,
};
// Installed before any of the program runs: what it starts is recorded from its first line.
const inPlace = inPlaceEnabled() ? new InPlace(scope, { notifier }).install() : undefined;
// The runtime first: its exit listeners hand over the last files before the reporter sends them.
const runtime = new Runtime(scope, { notifier, inPlace });
if (inPlace) runtime.onUpdate((result) => inPlace.settled(result));
if (supervisor) report = fileReporter(supervisor);
Object.defineProperty(globalThis, Symbol.for(RUNTIME_SLOT), { value: runtime, configurable: true });

// module.hot for CommonJS modules, without rewriting their source: a getter every module inherits
// (undefined for packages and builtins). Assigning module.hot still works, as an own property.
Object.defineProperty(Module.prototype, "hot", {
  configurable: true,
  get(this: NodeJS.Module) {
    return runtime.hotCjs(this);
  },
  set(this: NodeJS.Module, value: unknown) {
    Object.defineProperty(this, "hot", { value, writable: true, configurable: true, enumerable: true });
  },
});
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    const url = runtime.resolved(result.url, context.parentURL);
    return url === result.url ? result : { ...result, url };
  },
  load(url, context, nextLoad) {
    const result = nextLoad(url, context);
    const source = runtime.loaded(url, result.format, result.source);
    return source === undefined ? result : { ...result, source };
  },
});
