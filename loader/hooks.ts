/**
 * Registers the module hooks (module.registerHooks: synchronous, same thread) and the runtime.
 * The hooks only translate between Node and the runtime; every decision is made there.
 */
import { registerHooks } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Runtime } from "../src/runtime.js";
import { fileOf, Scope } from "../src/scope.js";
import { RUNTIME_SLOT } from "../src/transform.js";
import { connectSupervisor } from "./ipc.js";

/** hotload's own compiled code (dist/): never hot. Its fixtures and examples can be. */
const OWN_CODE = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const scope = Scope.fromEnv(OWN_CODE);
const notifier = connectSupervisor();

if (process.env["HOTLOAD_HOT"] === "0") {
  // `hotload --no-hot`: only tell the supervisor which files to watch for restarts.
  const seen = new Set<string>();
  let batch: string[] = [];
  registerHooks({
    load(url, context, nextLoad) {
      const result = nextLoad(url, context);
      if (notifier && scope.isHot(url)) {
        const file = fileOf(url);
        if (!seen.has(file)) {
          seen.add(file);
          batch.push(file);
          if (batch.length === 1) {
            setImmediate(() => {
              notifier.filesLoaded(batch);
              batch = [];
            }).unref();
          }
        }
      }
      return result;
    },
  });
} else {
  const runtime = new Runtime(scope, { notifier });
  Object.defineProperty(globalThis, Symbol.for(RUNTIME_SLOT), { value: runtime, configurable: true });
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
}
