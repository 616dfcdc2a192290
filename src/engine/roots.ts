/**
 * The module that imports an update's roots together: one URL whose import loads and links every
 * ES root at once, so that a link error anywhere fails the whole import before anything evaluates.
 */

/** The start of the URL of the module that imports an update's roots together. */
export const ROOTS_URL: string = `data:text/javascript,${encodeURIComponent("/* hotload: the roots of an update */")}`;

/** The URL to import for `urls` (the versioned URLs of the roots): the root itself when alone. */
export function rootsUrl(urls: readonly string[]): string {
  if (urls.length === 1) return urls[0]!;
  const code = urls.map((url, i) => `import * as r${i} from ${JSON.stringify(url)};`).join("") + `export { ${urls.map((_, i) => `r${i}`).join(", ")} };`;
  return `${ROOTS_URL}${encodeURIComponent(code)}`;
}

/** The namespace of root `i` of `count` in what importing {@link rootsUrl} gave. */
export function rootNamespace(imported: Record<string, unknown>, i: number, count: number): Record<string, unknown> {
  return count === 1 ? imported : (imported[`r${i}`] as Record<string, unknown>);
}
