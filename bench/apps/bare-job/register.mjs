// The bare job of a hot-reloading loader, for the instruction-count bench: resolve and load hooks
// that record only what an update will need (the import graph and the bytes Node was given),
// nothing else. What hotload costs beyond this is its own machinery.
import { registerHooks } from "node:module";

const importers = new Map();
const sources = new Map();
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    if (context.parentURL) (importers.get(result.url) ?? importers.set(result.url, new Set()).get(result.url)).add(context.parentURL);
    return result;
  },
  load(url, context, next) {
    const result = next(url, context);
    if (url.startsWith("file:") && !url.includes("/node_modules/")) sources.set(url, result.source);
    return result;
  },
});
