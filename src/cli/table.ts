/** A plain aligned text table for terminals. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], opts: { rightAlign?: readonly number[] } = {}): string {
  const right = new Set(opts.rightAlign ?? []);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (cells: readonly string[]) =>
    cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(fmt)].join("\n");
}
