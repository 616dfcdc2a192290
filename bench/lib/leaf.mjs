// The module that the edit benchmarks save over and over.
//
// Every version prints one line when its top-level code runs:
//
//   @@hot <kind> <seq> <wall-clock ms>
//
// `kind` is `ok` for a complete save and `torn` when only the first part of a two-step save was
// applied: the first part (`partial`) is itself valid JavaScript, and the second part sets the
// kind to `ok` before the line is printed. An empty file (a save caught between its truncation and
// its write) prints nothing itself: the apps print `@@hot empty -1 <ms>` when the leaf they get
// has no `seq` export (the print is queued as a microtask, so it runs after
// the whole top level). The clock is read first thing, as `performance.timeOrigin +
// performance.now()`, the same clock the bench reads after a save returns.

export const LINE = /^@@hot (ok|torn|empty) (-?\d+) (\d+(?:\.\d+)?)/;

/** Parses an output line of a leaf; undefined for other lines. */
export function parseLeafLine(text) {
  const m = LINE.exec(text);
  return m ? { kind: m[1], seq: Number(m[2]), t: Number(m[3]) } : undefined;
}

/**
 * Source of version `seq`. `header` is tool-specific code put first (e.g. a dispose handler);
 * `padding` is extra bytes (a string constant) so that byte lengths change between saves and big
 * modules can be made; `code` is more code put at the end. Returns { full, partial }; `partial` is a prefix of `full`.
 */
export function leafSource(seq, { header = "", padding = "", code = "" } = {}) {
  const partial =
    `${header}${header ? "\n" : ""}` +
    `const __t = performance.timeOrigin + performance.now();\n` +
    `let __k = "torn";\n` +
    `queueMicrotask(() => console.log(\`@@hot \${__k} ${seq} \${__t}\`));\n` +
    `export const seq = ${seq};\n`;
  // Alternating 1 and 2 extra bytes: consecutive saves never have the same length.
  const rest = `__k = "ok";\nexport const pad = ${JSON.stringify(padding + (seq % 2 ? "x" : "xx"))};\n${code}`;
  return { full: partial + rest, partial };
}
