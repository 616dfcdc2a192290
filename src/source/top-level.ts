/**
 * Which characters of a module's source are code its evaluation runs: not in a comment, a string
 * or a template, and not in the body of a function (a declaration, an expression, an arrow, a
 * method, a class). A light scan, not a parser: it follows brackets, tells a function's braces
 * from a block's or an object's by what precedes them, and takes an expression-bodied arrow to
 * end at a `,` or `;` at its own depth, at the bracket that closes around it, or at a line end
 * outside brackets. A regular expression literal is read as code (it rarely holds a bracket); a
 * template's `${…}` as part of the template.
 */

/** Words before `(…) {` that make the braces a block, not a function body. */
const CONTROL = new Set(["if", "for", "while", "switch", "catch", "with"]);

/** An open bracket: whether a function body starts there, and (for `(`) the word before it. */
interface Open {
  readonly body: boolean;
  readonly word: string;
}

/** For each character of `text`, whether the module's evaluation runs it (1) or not (0). */
export function evaluatedCode(text: string): Uint8Array {
  const mask = new Uint8Array(text.length);
  const stack: Open[] = [];
  /** Function bodies open now (braces, and expression-bodied arrows by their depth in `stack`). */
  let bodies = 0;
  const arrows: number[] = [];
  /** Whether the innermost expression-bodied arrow has code yet (a line end before it does not end it). */
  let arrowStarted = false;
  /** After the word `class`: its next `{` opens a class body. */
  let classPending = false;
  /** The `)` just closed: the word before its `(` (a function's name, `if`, or nothing). */
  let closedParen: string | undefined;
  let previous = "";
  const atArrowDepth = (): boolean => arrows.length > 0 && stack.length === arrows[arrows.length - 1]!;
  const endArrows = (depth: number): void => {
    while (arrows.length > 0 && arrows[arrows.length - 1]! >= depth) {
      arrows.pop();
      bodies--;
    }
  };
  for (let at = 0; at < text.length; at++) {
    const c = text[at]!;
    const next = text[at + 1];
    const skipped = skip(text, at);
    if (skipped !== undefined) {
      if (c !== "/") previous = "literal";
      at = skipped;
      continue;
    }
    if (bodies === 0) mask[at] = 1;
    if (/\s/.test(c)) {
      if (c === "\n" && arrowStarted && atArrowDepth()) endArrows(stack.length);
      continue;
    }
    arrowStarted = true;
    if (c === "{" || c === "(" || c === "[") {
      const body =
        c === "{" && (previous === "=>" || (previous === ")" && closedParen !== undefined && !CONTROL.has(closedParen)) || classPending);
      if (c === "{") classPending = false;
      stack.push({ body, word: c === "(" ? previous : "" });
      if (body) bodies++;
      previous = c;
      continue;
    }
    if (c === "}" || c === ")" || c === "]") {
      endArrows(stack.length);
      const open = stack.pop();
      if (open?.body) bodies--;
      closedParen = c === ")" ? (open?.word ?? "") : undefined;
      previous = c;
      continue;
    }
    if ((c === "," || c === ";") && atArrowDepth()) endArrows(stack.length);
    if (c === "=" && next === ">") {
      at++;
      if (!/^\s*\{/.test(text.slice(at + 1, at + 1 + 256))) {
        arrows.push(stack.length);
        bodies++;
        arrowStarted = false;
      }
      previous = "=>";
      continue;
    }
    const word = /^[\w$]+/.exec(text.slice(at, at + 64))?.[0];
    if (word !== undefined) {
      if (bodies === 0) mask.fill(1, at, at + word.length);
      at += word.length - 1;
      if (word === "class") classPending = true;
      // `function name(` and `name(…) {` (a method) both leave the name before the `(`.
      previous = word === "function" || previous === "function" ? "function" : word;
      continue;
    }
    previous = c;
  }
  return mask;
}

/**
 * Where the comment, string or template starting at `at` ends (its last character; for a line
 * comment the one before its newline, which may end an arrow's body), or undefined when none does.
 */
function skip(text: string, at: number): number | undefined {
  const c = text[at]!;
  const next = text[at + 1];
  if (c === "/" && (next === "/" || next === "*")) {
    const end = next === "/" ? text.indexOf("\n", at) - 1 : text.indexOf("*/", at + 2) + 1;
    return end < 0 ? text.length : end;
  }
  if (c !== '"' && c !== "'" && c !== "`") return undefined;
  let end = at + 1;
  while (end < text.length && text[end] !== c) end += text[end] === "\\" ? 2 : 1;
  return end;
}
