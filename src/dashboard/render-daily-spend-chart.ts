import { formatDollars } from '../pricing/money.js';
import { escapeHtml } from './safe-html.js';
import type { DailySpendCell } from './query-daily-spend.js';

const PALETTE = ['#2f6fde', '#1f9d74', '#d9822b', '#9b59b6', '#c0392b', '#16a2b8', '#7f8c8d', '#e67e22'];
const HEIGHT = 260;
const TOP = 20;
const BOTTOM = 40;
const LEFT = 90;
const LEGEND_WIDTH = 190;

/**
 * Stacked columns of spend per day, one colour per model (or kind, or budget), as a standalone
 * SVG document. Rendered on the server and shown as an <img>: no script runs, nothing is loaded
 * from elsewhere, and the page's CSP can forbid scripts entirely.
 */
export function renderDailySpendChart(days: readonly string[], cells: readonly DailySpendCell[], title: string): string {
  const keys = [...new Set(cells.map((c) => c.key))].sort();
  const colour = new Map(keys.map((k, i) => [k, PALETTE[i % PALETTE.length]!]));
  const perDay = new Map<string, DailySpendCell[]>();
  for (const cell of cells) perDay.set(cell.day, [...(perDay.get(cell.day) ?? []), cell]);
  const totals = days.map((d) => (perDay.get(d) ?? []).reduce((sum, c) => sum + c.spentMicros, 0));
  const max = Math.max(1, ...totals);
  const column = Math.max(18, Math.min(60, Math.floor(560 / Math.max(1, days.length))));
  const plotWidth = column * days.length;
  const width = LEFT + plotWidth + 20 + LEGEND_WIDTH;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const parts: string[] = [];
  parts.push(`<text x="8" y="14" font-size="13" font-weight="bold">${escapeHtml(title)}</text>`);
  for (const fraction of [0, 0.5, 1]) {
    const y = TOP + plotHeight - fraction * plotHeight;
    parts.push(`<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${y + 4}" font-size="11" text-anchor="end">${escapeHtml(formatDollars(Math.round(max * fraction)))}</text>`);
  }
  days.forEach((day, i) => {
    const x = LEFT + i * column + 3;
    let y = TOP + plotHeight;
    for (const cell of perDay.get(day) ?? []) {
      const h = (cell.spentMicros / max) * plotHeight;
      y -= h;
      parts.push(
        `<rect x="${x}" y="${y.toFixed(1)}" width="${column - 6}" height="${h.toFixed(1)}" fill="${colour.get(cell.key)}"><title>${escapeHtml(`${day} ${cell.key}: ${formatDollars(cell.spentMicros)}`)}</title></rect>`,
      );
    }
    if (days.length <= 16 || i % Math.ceil(days.length / 16) === 0) {
      parts.push(`<text x="${x + (column - 6) / 2}" y="${TOP + plotHeight + 14}" font-size="10" text-anchor="middle">${escapeHtml(day.slice(5))}</text>`);
    }
  });
  keys.forEach((key, i) => {
    const y = TOP + i * 18;
    const x = LEFT + plotWidth + 20;
    parts.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${colour.get(key)}"/>`);
    parts.push(`<text x="${x + 18}" y="${y + 10}" font-size="11">${escapeHtml(key)}</text>`);
  });
  if (keys.length === 0) parts.push(`<text x="${LEFT + 8}" y="${TOP + plotHeight / 2}" font-size="12" fill="#666">no spend in this range</text>`);
  const height = Math.max(HEIGHT, TOP + keys.length * 18 + 10);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img">${parts.join('')}</svg>`;
}
