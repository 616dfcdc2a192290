/**
 * The restart oracle (issue 21) on the "processes" shapes of test/oracle/shapes.ts: each shape runs its
 * edits in place under `node --import hotload` and as plain restarts, and an outsider compares
 * what it sees after each edit, 2.5 s after the last one, and on SIGTERM (test/oracle/oracle.ts).
 */
import { oracleSuite } from "../oracle/suite.js";

oracleSuite("processes");
