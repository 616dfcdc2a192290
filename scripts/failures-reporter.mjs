// A `node --test` reporter that writes one JSON line per failed test: scripts/test.mjs reads them
// to end a failing `npm test` with a short list of what failed, after every pass and the bench.
// It also writes how long each top-level test took ({ file, ms }), from which scripts/test.mjs
// starts the longest test files first next time.

/** @param {AsyncIterable<{type: string, data: any}>} source */
export default async function* failures(source) {
  for await (const event of source) {
    if ((event.type === "test:pass" || event.type === "test:fail") && event.data.nesting === 0 && event.data.file) {
      yield `${JSON.stringify({ file: event.data.file, ms: event.data.details?.duration_ms ?? 0 })}\n`;
    }
    if (event.type !== "test:fail") continue;
    const { name, file, line, nesting, details } = event.data;
    // A suite fails because a test in it failed: the test is the line worth reading.
    if (details?.type === "suite") continue;
    const error = details?.error?.cause ?? details?.error;
    const first = String(error?.message ?? error ?? "").split("\n")[0];
    const message = first.length > 160 ? `${first.slice(0, 157)}...` : first;
    yield `${JSON.stringify({ name, file, line, nesting, message })}\n`;
  }
}
