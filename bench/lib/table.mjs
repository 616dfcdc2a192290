// Plain-text tables (also valid GitHub Markdown) and number formatting for them.

export function fmtMs(v, digits) {
  if (v === undefined || v === null || Number.isNaN(v)) return "—";
  const d = digits ?? (Math.abs(v) < 10 ? 2 : Math.abs(v) < 100 ? 1 : 0);
  return `${v.toFixed(d)} ms`;
}

export function fmtRatio(v) {
  if (v === undefined || v === null || !Number.isFinite(v)) return "—";
  return `${v < 10 ? v.toFixed(2) : v.toFixed(0)}x`;
}

export function fmtBytes(v) {
  if (v === undefined || v === null || !Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  if (a >= 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} MB`;
  if (a >= 1024) return `${(v / 1024).toFixed(1)} KB`;
  return `${Math.round(v)} B`;
}

/** Renders rows (arrays of cells) under headers as a Markdown table. */
export function renderTable(title, headers, rows, notes = []) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c ?? "")));
  const widths = headers.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  const sep = `| ${widths.map((w, i) => (i === 0 ? "-".repeat(w) : "-".repeat(w - 1) + ":")).join(" | ")} |`;
  const out = [`### ${title}`, "", line(cells[0]), sep, ...cells.slice(1).map(line)];
  if (notes.length) out.push("", ...notes.map((n) => `- ${n}`));
  return out.join("\n");
}
