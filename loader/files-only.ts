/**
 * `hotload --no-hot`: no hot updates at all, only tell the supervisor which project files were
 * loaded, so that it restarts the program when one of them changes. Loads none of the runtime.
 */
import { registerHooks } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fileOf, Scope } from "../src/engine/modules/scope.js";
import { followPrimary, holdSockets } from "./sockets.js";
import { connectSupervisor, fileReporter, reportStopSignals } from "./link.js";

const link = connectSupervisor();
if (!link) followPrimary();
if (link) {
  holdSockets(link, link.held);
  reportStopSignals(link);
  const scope = Scope.fromEnv(resolve(dirname(fileURLToPath(import.meta.url)), ".."));
  const report = fileReporter(link);
  const seen = new Set<string>();
  registerHooks({
    load(url, context, nextLoad) {
      const result = nextLoad(url, context);
      if (scope.isHot(url)) {
        const file = fileOf(url);
        if (!seen.has(file)) {
          seen.add(file);
          report(file);
        }
      }
      return result;
    },
  });
}
