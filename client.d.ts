/**
 * Types for `import.meta.hot`. Add `/// <reference types="hotload/client" />` to a file (or
 * `"types": ["hotload/client"]` to tsconfig.json) to get them.
 */
import type { Hot } from "./dist/src/hot-types.js";

declare global {
  interface ImportMeta {
    /** hotload's hot module API; undefined when the module is not hot (or hotload is not running). */
    readonly hot?: Hot;
  }
  namespace NodeJS {
    interface Module {
      /** hotload's hot module API in a CommonJS module (webpack's name); undefined when not hot. */
      hot?: Hot;
    }
  }
}

export {};
