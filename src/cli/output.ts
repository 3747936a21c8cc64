import { stripVTControlCharacters, styleText } from 'node:util';

/** Prints one JSON document on stdout (the `--json` convention: camelCase keys, money in `*Micros`). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number;
  /** Right-align numbers and money. Default left. */
  align?: 'left' | 'right';
}

/** Formats rows as an aligned text table. */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => String(column.value(row))));
  // Widths count what is seen: colour codes take no room on the terminal.
  const visible = (text: string) => stripVTControlCharacters(text).length;
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((r) => visible(r[i]!))));
  const pad = (text: string, width: number, right: boolean) => {
    const fill = ' '.repeat(Math.max(0, width - visible(text)));
    return right ? fill + text : text + fill;
  };
  const line = (values: string[]) =>
    values
      .map((v, i) => pad(v, widths[i]!, columns[i]!.align === 'right'))
      .join('  ')
      .trimEnd();
  const header = bold(line(columns.map((c) => c.header)));
  return [header, ...cells.map(line)].join('\n');
}

export function printTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): void {
  process.stdout.write(`${formatTable(rows, columns)}\n`);
}

const colour = (style: Parameters<typeof styleText>[0]) => (text: string) =>
  process.stdout.isTTY && !process.env.NO_COLOR ? styleText(style, text) : text;

/** Colour only on a terminal (and never when NO_COLOR is set). */
export const bold = colour('bold');
export const red = colour('red');
export const green = colour('green');
export const yellow = colour('yellow');
export const dim = colour('dim');
