/**
 * The file system functions hotload uses while the program starts.
 *
 * Not `import { … } from "node:fs"`: an ES module import of a builtin builds the namespace of all
 * its exports, which runs fs's lazy getters (`fs.promises` loads streams, readline and more): about
 * 15 ms before the program's first line, for functions hotload does not use.
 * `process.getBuiltinModule` hands over the CommonJS object, whose getters stay lazy.
 */
import type * as NodeFs from "node:fs";

const fs: typeof NodeFs = process.getBuiltinModule("node:fs");

export const readFileSync: typeof NodeFs.readFileSync = fs.readFileSync;
export const statSync: typeof NodeFs.statSync = fs.statSync;
export const realpathSync: typeof NodeFs.realpathSync = fs.realpathSync;
