// The floor of any loader built on module.registerHooks (as hotload is): resolve and load hooks
// that only call the next hook. `node --import <this file> app.mjs` measures what Node's hook
// machinery costs by itself, before a loader does any work of its own.
import { registerHooks } from "node:module";

registerHooks({
  resolve: (specifier, context, next) => next(specifier, context),
  load: (url, context, next) => next(url, context),
});
