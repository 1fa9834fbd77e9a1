import { displayText } from '../../../common/src/display-text.js';

/**
 * Plain-text table for human output (left-aligned columns, two spaces apart). Every cell goes
 * through `displayText`: a host name or subject holding a control, bidi or zero-width character
 * is shown escaped and cannot rewrite the line or the rows after it.
 */
export function formatTable(header: readonly string[], cells: readonly (readonly string[])[]): string {
  const rows = cells.map((r) => r.map((c) => displayText(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
