/**
 * Number formatting and markdown tables for the benchmark report (same conventions as
 * perf-baseline.md: MB = 10^6 bytes, three significant digits, thousands separators).
 */

/**
 * A number with three significant digits (no exponent), or a dash for a missing value.
 * @param {number | undefined} x
 * @returns {string}
 */
export function fmt(x) {
  if (x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 100) return Math.round(x).toLocaleString('en-US');
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/**
 * A time ratio "a ÷ b" as `0.62×`, or a dash.
 * @param {number | undefined} a
 * @param {number | undefined} b
 * @returns {string}
 */
export function ratio(a, b) {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '–';
  return `${(a / b).toFixed(2)}×`;
}

/**
 * A markdown table.
 * @param {string[]} head column titles
 * @param {string[][]} rows cells (already formatted)
 * @param {string[]} [align] per column: 'l' or 'r' (default: first left, others right)
 * @returns {string}
 */
export function table(head, rows, align) {
  const al = head.map((_, i) => (align?.[i] ?? (i === 0 ? 'l' : 'r')));
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(al.map((a) => (a === 'r' ? '---:' : '---'))), ...rows.map(line)].join('\n');
}

/**
 * How a timed case is shown in a cell: "median ms (MB/s)", or why there is no number.
 * @param {{ median: number, error?: string } | undefined} r result of `roundRobin`, or
 *   undefined when the case was not run
 * @param {number} [units] bytes (or voxels) per run, for the throughput in parentheses
 * @param {string} [unitName] throughput unit: 'MB/s' or 'Mvox/s'
 * @returns {string}
 */
export function cell(r, units, unitName = 'MB/s') {
  if (!r) return 'not available';
  if (r.error) return `failed (${r.error.slice(0, 60)})`;
  if (!Number.isFinite(r.median)) return 'not available';
  const ms = `${fmt(r.median)} ms`;
  if (!units) return ms;
  return `${ms} · ${fmt(units / 1e6 / (r.median / 1000))} ${unitName}`;
}

/**
 * A verification problem as a table cell: an exception ("threw …") is a failure, anything
 * else a wrong output; empty when there was no problem.
 * @param {string | undefined} p
 * @returns {string}
 */
export function problemText(p) {
  if (!p) return '';
  return p.startsWith('threw ') ? `FAILED (${p.slice(6, 150)})` : `WRONG OUTPUT (${p.slice(0, 100)})`;
}
