/**
 * What only an update needs: propagation, the gate, blame, failure reports and error locations.
 * Loaded as one dynamic import by update-path.ts when the first update starts, never at start-up.
 */
export { blamedFile, isUnresolved, upwards, withoutBlamed } from "../failure/blame.js";
export { Gate } from "./gate.js";
export { findSyntaxError, locate } from "../failure/location.js";
export { propagate } from "./propagate.js";
export { describe, failureReport, stackOf } from "../failure/report.js";
export { UpdateTransaction } from "./transaction.js";
