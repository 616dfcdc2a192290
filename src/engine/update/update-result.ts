/**
 * How an update ended. The shape itself is public (src/hot-types.ts: `update()`, `on("update")`
 * and `hotload:afterUpdate` share it); this adds what the engine builds it from.
 */
import type { UpdateResult } from "../../hot-types.js";

export type { UpdateResult, UpdateStatus } from "../../hot-types.js";

/** An update result before its files and duration are known to whoever settles it. */
export type UpdateOutcome = Omit<UpdateResult, "durationMs" | "files">;
