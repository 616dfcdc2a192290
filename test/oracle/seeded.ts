/**
 * An entry shape for a seed of the torture suite (issue 21): one shape of the catalogue and a
 * sequence of edits of its files, both drawn from the seed alone, so that each seed also drives a
 * real-world entry through in-place updates and compares them with restarts, and a failing seed
 * replays exactly.
 */
import type { Random } from "../stress/random.js";
import { SHAPES, type Edit, type Shape } from "./shapes.js";

/** How many edits a seed's shape goes through. */
const EDITS = 4;

/**
 * The shapes a seed may pick: every shape that passes today (none marked `knownFailure`), except
 * the tsx version matrix, whose old versions are installed only by hand (a seed must not pick a
 * shape that is skipped on one machine and run on another).
 */
export const SEEDABLE: readonly Shape[] = SHAPES.filter(
  (s) => s.knownFailure === undefined && s.group !== "tsx-esm" && s.group !== "tsx-cjs",
);

/**
 * The shape `random` picks, with {@link EDITS} edits drawn from the files its own edits touch: any
 * order, a file edited again, now and then a syntax error saved in a file other than the entry,
 * always fixed by the next edit (a restart has no program to run while a file is broken).
 */
export function seededShape(random: Random): Shape {
  const shape = random.pick(SEEDABLE);
  const files = [...new Set(shape.edits.map((e) => (typeof e === "string" ? e : e.file)))];
  const edits: Edit[] = [];
  while (edits.length < EDITS) {
    const file = random.pick(files);
    if (file !== shape.entry && edits.length <= EDITS - 2 && random.chance(0.25)) edits.push({ file, syntaxError: true }, file);
    else edits.push(file);
  }
  const shown = edits.map((e) => (typeof e === "string" ? e : `${e.file} (${"throws" in e ? "runtime" : "syntax"} error)`)).join(", ");
  return { ...shape, about: `${shape.about}; instead of its own edits, these drawn from the seed: ${shown}`, edits };
}
