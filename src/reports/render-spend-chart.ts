import { formatDollars } from '../pricing/money.js';

export interface ChartSection {
  title: string;
  rows: ReadonlyArray<{ label: string; micros: number }>;
}

const WIDTH = 640;
const LABEL_WIDTH = 170;
const VALUE_WIDTH = 90;
const BAR_HEIGHT = 18;
const ROW_GAP = 6;
const TITLE_HEIGHT = 26;
const SECTION_GAP = 14;
const PALETTE = ['#2f6fde', '#1f9d74', '#d9822b', '#9b59b6', '#c0392b', '#16a2b8', '#7f8c8d'];

/**
 * A horizontal bar chart of spend, one section per grouping (by model, by kind…), as a
 * self-contained SVG document: no scripts, no external fonts or images, so it can be embedded in
 * Markdown as a data: URI. Bars within a section share one scale.
 */
export function renderSpendChart(sections: readonly ChartSection[]): string {
  const parts: string[] = [];
  let y = 8;
  for (const section of sections) {
    parts.push(`<text x="8" y="${y + 16}" font-size="14" font-weight="bold">${escapeXml(section.title)}</text>`);
    y += TITLE_HEIGHT;
    if (section.rows.length === 0) {
      parts.push(`<text x="8" y="${y + 13}" font-size="12" fill="#666">no spend</text>`);
      y += BAR_HEIGHT + ROW_GAP;
    }
    const max = Math.max(1, ...section.rows.map((r) => r.micros));
    const span = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 16;
    section.rows.forEach((row, i) => {
      const width = row.micros > 0 ? Math.max(1, Math.round((row.micros / max) * span)) : 0;
      const colour = PALETTE[i % PALETTE.length]!;
      parts.push(
        `<text x="${LABEL_WIDTH - 6}" y="${y + 13}" font-size="12" text-anchor="end">${escapeXml(truncate(row.label, 26))}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width}" height="${BAR_HEIGHT}" rx="2" fill="${colour}"/>`,
        `<text x="${LABEL_WIDTH + width + 6}" y="${y + 13}" font-size="12">${escapeXml(formatDollars(row.micros))}</text>`,
      );
      y += BAR_HEIGHT + ROW_GAP;
    });
    y += SECTION_GAP;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" role="img" aria-label="Spend chart">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

/** The SVG as a data: URI for a Markdown image. */
export function svgDataUri(svg: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
