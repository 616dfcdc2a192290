/**
 * The restart oracle (issue 21) on the tsx version matrix of test/oracle/shapes.ts (issue 21, case
 * 12), CommonJS output: each version of tsx in a package without "type", in place under
 * `node --import tsx --import hotload` and as plain `node --import tsx` restarts. The versions are
 * not devDependencies: they run when HOTLOAD_ORACLE_NODE_MODULES holds them as npm aliases, and are
 * skipped (saying how to get them) otherwise.
 */
import { oracleSuite } from "../oracle/suite.js";

oracleSuite("tsx-cjs");
