/** Column alignment: text left, numbers right. */
export type Align = 'left' | 'right';

/** A column of a printed table. */
export interface Column {
  readonly header: string;
  readonly align: Align;
}

/** Render `rows` under `columns` as a plain-text table with a rule under the header. */
export function formatTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? '';
        const width = widths[i] ?? 0;
        return column.align === 'left' ? cell.padEnd(width) : cell.padStart(width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(columns.map((column) => column.header)), rule, ...rows.map(line)].join('\n');
}

/** Operations per second with thousands separators, no decimals. */
export function formatOps(opsPerSecond: number): string {
  return Number.isFinite(opsPerSecond) ? Math.round(opsPerSecond).toLocaleString('en-US') : 'n/a';
}

/** A ratio as `0.97×`. */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a';
}

/** A 95% confidence interval of a median ratio as `0.962–0.981`; empty when there is none. */
export function formatInterval(low: number, high: number): string {
  return Number.isFinite(low) && Number.isFinite(high)
    ? `${low.toFixed(3)}–${high.toFixed(3)}`
    : '';
}

/** The middle half of a ratio's rounds as `0.95–1.01`. */
export function formatSpread(p25: number, p75: number): string {
  return Number.isFinite(p25) && Number.isFinite(p75) ? `${p25.toFixed(2)}–${p75.toFixed(2)}` : '';
}
