/** Where a status line is drawn: a terminal stream (process.stderr). */
export interface StatusStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * One line kept at the bottom of a terminal, redrawn in place, with other output (log lines)
 * printed above it. Never used when the stream is not a terminal.
 */
export class StatusLine {
  private text = '';

  constructor(private readonly stream: StatusStream = process.stderr) {}

  /** Replaces the status text. */
  set(text: string): void {
    this.text = this.fit(text);
    this.stream.write(`\r\x1b[2K${this.text}`);
  }

  /** Prints a line above the status and draws the status again under it. */
  print(line: string): void {
    this.stream.write(`\r\x1b[2K${line.replace(/\n$/, '')}\n${this.text}`);
  }

  /** Erases the status, leaving the cursor at the start of an empty line. */
  clear(): void {
    if (this.text) this.stream.write('\r\x1b[2K');
    this.text = '';
  }

  // A line wider than the terminal wraps, and `\r` would then redraw only its last part.
  private fit(text: string): string {
    const width = this.stream.columns;
    return width && text.length >= width ? `${text.slice(0, Math.max(0, width - 2))}…` : text;
  }
}
