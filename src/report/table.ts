/** Plain aligned text tables for people; widths from content, long cells cut with an ellipsis. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  maxCell = 60,
): string {
  const cut = (s: string): string => (s.length > maxCell ? `${s.slice(0, maxCell - 1)}…` : s);
  const cells = [header, ...rows].map((r) => r.map((c) => cut(c.replace(/[\r\n\t]/g, ' '))));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [
    line(cells[0] ?? []),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ];
  return `${out.join('\n')}\n`;
}
